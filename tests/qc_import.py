#!/usr/bin/env python3
"""Read a quarry REFI-QDA export with a second, independent tool and compare.

usage: qc_import.py PROJECT.qdpx QUOTES.json

PROJECT.qdpx comes from `quarry export refi`, QUOTES.json from
`quarry export quotes --out QUOTES.json` (same project, same moment).
The .qdpx is imported with the REFI-QDA reader of qualitative-coding
(`pip install qualitative-coding`, the `qc` tool; it must be installed in the
Python that runs this script) into a temporary qc project, and what qc read is
compared with the quotes and with the file:

  - every text source became a qc document with the same text;
  - qc's coders are the file's users;
  - qc's code tree has the file's code names and nesting;
  - every accepted quote: its document exists in qc, contains the quote's
    text, and qc holds a coding of that document by the quote's coder with a
    code whose name fits the quote's code id (quotes carry ids such as
    smu.barriers.platform_restrictions, the file carries names such as
    "Platform restrictions": the last part of the id must match the name,
    and the parts above it the names of the code's parents);
  - every coding qc holds is accounted for by a quote.

Limits of qc 1.7.8 that this script works around or reports (not problems
of the file):
  - REFIQDAReader.unpack_sources calls breakpoint(); it is switched off here.
  - qc names each document Path(<source name>).with_suffix(".txt"), so
    names with a dot ("meded_posts.csv thread 15...") collide and the import
    stops ("A Document with file path meded_posts.txt already exists").
    The import therefore reads a temporary copy of the .qdpx in which only
    the name attribute of each TextSource is changed (characters other than
    letters, digits, space, "_" and "-" become "_"); the script maps the
    names back.
  - qc keys codes by name, so codes that share a name are merged.
  - qc codes by line and is meant to turn each selection's startPosition
    into a line, but in 1.7.8 it puts every selection on line 0. When all
    codings come back on line 0 the place of a coding is not checked (the
    summary says so); otherwise the line qc chose must hold the start of the
    quote's text.
  - qc keeps no Variables, Cases, Notes, memos or selection ends; it logs a
    warning for some of them. qc's warnings are printed to stderr.

Prints one summary line and exits 0 when everything agrees, 1 on a mismatch
(each one listed on stderr), 2 when the check could not run.
"""

import contextlib
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from pathlib import Path

NS = "{urn:QDA-XML:project:1.0}"


def fail(message, code=2):
    print(f"qc_import: {message}", file=sys.stderr)
    sys.exit(code)


def norm(text):
    """A name or id part reduced to lower-case words joined by '_'."""
    text = unicodedata.normalize("NFKD", text).lower()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def part_fits(id_part, name):
    """Does one part of a quarry code id fit a code name?"""
    seg, full = norm(id_part), norm(name)
    if not seg:
        return False
    if full == seg or full.startswith(seg + "_"):
        return True
    words = set(full.split("_"))
    wanted = {w for w in seg.split("_") if len(w) > 1}
    return bool(wanted) and wanted <= words


def read_file(qdpx):
    """What the .qdpx says: sources, users, code tree (read with ElementTree)."""
    with zipfile.ZipFile(qdpx) as zf:
        qde = zf.read("project.qde")
        root = ET.fromstring(qde)
        users = {u.get("guid"): u.get("name") for u in root.iter(NS + "User")}
        sources = []
        for src in root.iter():
            if not src.tag.endswith("Source") or src.tag == NS + "Sources":
                continue
            if src.tag != NS + "TextSource" or not src.get("plainTextPath"):
                fail(f"{qdpx}: source {src.get('name')!r} is a {src.tag[len(NS):]}; "
                     "qc 1.7.8 stops on sources that are not plain text")
            inner = src.get("plainTextPath").replace("internal://", "", 1)
            text = zf.read("sources/" + inner).decode("utf-8")
            sources.append({"guid": src.get("guid"), "name": src.get("name"), "text": text})
        files = {i.filename: zf.read(i) for i in zf.infolist()}

    def tree(parent):
        return sorted((c.get("name"), tree(c)) for c in parent if c.tag == NS + "Code")

    codes_el = root.find(f"{NS}CodeBook/{NS}Codes")
    code_tree = tree(codes_el) if codes_el is not None else []
    code_names = [c.get("name") for c in root.iter(NS + "Code")]
    return qde, files, users, sources, code_tree, code_names


def safe_names(sources):
    """A qc-proof, unique document name for each source."""
    taken, out = set(), {}
    for src in sources:
        base = re.sub(r"[^0-9A-Za-z _-]", "_", src["name"]).strip() or "source"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.lower())
        out[src["guid"]] = name
    return out


def renamed_copy(qde, files, safe, dest):
    """The .qdpx with only each TextSource's name attribute changed."""
    text = qde.decode("utf-8")

    def fix(m):
        tag = m.group(0)
        guid = re.search(r'\sguid="([^"]*)"', tag).group(1)
        return re.sub(r'(\sname=")[^"]*"', lambda n: n.group(1) + safe[guid] + '"', tag, count=1)

    text, count = re.subn(r"<TextSource\b[^>]*>", fix, text)
    if count != len(safe):
        fail(f"found {count} TextSource tags, expected {len(safe)}")
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in files.items():
            zout.writestr(name, text.encode("utf-8") if name == "project.qde" else data)


def run_qc(qdpx_copy, workdir):
    """Import with qc's own reader; return what qc holds, and its log."""
    try:
        import structlog.testing
        from qualitative_coding.corpus import QCCorpus
        from qualitative_coding.exceptions import QCError
        from qualitative_coding.refi_qda.reader import REFIQDAReader
    except ImportError as err:
        fail(f"qualitative-coding is not installed in {sys.executable} ({err})")

    sys.breakpointhook = lambda *a, **k: None  # qc 1.7.8 left a breakpoint() in its reader
    here = os.getcwd()
    os.chdir(workdir)  # QCCorpus.initialize() writes settings.yaml in the working directory
    try:
        with structlog.testing.capture_logs() as logs, contextlib.redirect_stdout(sys.stderr):
            try:
                REFIQDAReader(str(qdpx_copy)).unpack_project(workdir)
            except QCError as err:
                return None, logs, f"qc could not import the file: {err}"
            except Exception as err:
                return None, logs, f"qc failed while importing the file: {type(err).__name__}: {err}"
            corpus = QCCorpus(Path(workdir) / "settings.yaml")
            with corpus.session():
                held = {
                    "coders": sorted(c.name for c in corpus.get_all_coders()),
                    "documents": sorted(d.file_path for d in corpus.get_documents()),
                    "codings": [tuple(r) for r in corpus.get_coded_lines()],
                    "codebook": corpus.get_codebook(),
                }
                held["corpus_dir"] = Path(corpus.corpus_dir)
    finally:
        os.chdir(here)
    return held, logs, None


def main():
    if len(sys.argv) != 3:
        fail("usage: qc_import.py PROJECT.qdpx QUOTES.json")
    qdpx, quotes_path = Path(sys.argv[1]), Path(sys.argv[2])
    started = time.monotonic()
    try:
        quotes = json.loads(quotes_path.read_text(encoding="utf-8"))
        qde, files, users, sources, code_tree, code_names = read_file(qdpx)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, ET.ParseError) as err:
        fail(f"cannot read the input: {err}")
    if not isinstance(quotes, list):
        fail(f"{quotes_path}: expected a JSON list of quotes")

    safe = safe_names(sources)
    problems = []
    with tempfile.TemporaryDirectory(prefix="qc_import_") as tmp:
        copy = Path(tmp) / "project.qdpx"
        renamed_copy(qde, files, safe, copy)
        project = Path(tmp) / "qc"
        project.mkdir()
        held, logs, error = run_qc(copy, project)
        warnings = []
        for entry in logs:
            if entry.get("log_level") in ("warning", "error", "critical"):
                msg = str(entry.get("event", "")).replace(str(copy), str(qdpx))
                if msg not in warnings:
                    warnings.append(msg)
        for msg in warnings:
            print(f"qc warning: {msg}", file=sys.stderr)
        if error:
            fail(error.replace(str(copy), str(qdpx)), 1)

        # Documents: one per text source, same text.
        doc_of = {}  # quarry document name -> qc file path
        texts = {}   # quarry document name -> text qc holds
        for src in sources:
            path = safe[src["guid"]] + ".txt"
            doc_of[src["name"]] = path
            if path not in held["documents"]:
                problems.append(f"source {src['name']!r}: no qc document {path}")
                continue
            qc_text = (held["corpus_dir"] / path).read_text(encoding="utf-8")
            texts[src["name"]] = qc_text
            if qc_text != src["text"]:
                problems.append(f"source {src['name']!r}: qc's text differs from the file's")
        extra = set(held["documents"]) - set(doc_of.values())
        if extra:
            problems.append(f"qc has documents the file does not name: {sorted(extra)}")
        back = {v: k for k, v in doc_of.items()}

        # Coders.
        if sorted(set(users.values())) != held["coders"]:
            problems.append(f"coders: file has {sorted(set(users.values()))}, qc has {held['coders']}")

        # Code tree (names and nesting; qc writes children sorted).
        def qc_tree(node):
            return sorted((c.name, qc_tree(c)) for c in node.children)

        if qc_tree(held["codebook"]) != code_tree:
            problems.append("qc's code tree differs from the file's CodeBook")

        # Codings.
        lines_all_zero = all(line == 0 for _, _, line, _ in held["codings"])
        qc_codings = defaultdict(set)  # (document, coder) -> {(code, line)}
        for code, coder, line, path in held["codings"]:
            qc_codings[(back.get(path, path), coder)].add((code, line))
        used = set()
        # A quote lists every coder who accepted it (`coders`); each coded it in the file.
        accepted = [(q, c) for q in quotes if q.get("status", "accepted") == "accepted"
                    for c in (q.get("coders") or [q.get("coder")])]
        for q, coder in accepted:
            label = f"quote {q.get('document')!r} {q.get('code')!r} by {coder!r}"
            doc, code_id, text = q.get("document"), q.get("code"), q.get("text") or ""
            if doc not in texts:
                problems.append(f"{label}: qc has no such document")
                continue
            if text not in texts[doc]:
                problems.append(f"{label}: the quote's text is not in qc's document")
            parts = (code_id or "").split(".")
            fits = []
            for code, line in qc_codings.get((doc, coder), ()):
                if not part_fits(parts[-1], code):
                    continue
                chains = [n.ancestors() for n in held["codebook"].find(code)]
                if len(parts) > 1 and not any(
                    len(ch) == len(parts) and all(part_fits(p, n.name) for p, n in zip(parts[1:], ch[1:]))
                    for ch in chains
                ):
                    continue
                fits.append((code, line))
            if not fits:
                have = sorted(c for c, _ in qc_codings.get((doc, coder), ()))
                problems.append(f"{label}: qc has no fitting coding (qc codes there: {have})")
                continue
            used.update((doc, coder, c, l) for c, l in fits)
            if not lines_all_zero and text:
                lines = texts[doc].split("\n")
                head = text.split("\n")[0].strip()
                if not any(0 <= l < len(lines) and (head in lines[l] or lines[l].strip() in head and lines[l].strip())
                           for _, l in fits):
                    problems.append(f"{label}: qc put it on line(s) {sorted(l for _, l in fits)}, "
                                    "which do not hold the quote's start")
        for (doc, coder), found in sorted(qc_codings.items()):
            for code, line in sorted(found):
                if (doc, coder, code, line) not in used:
                    problems.append(f"qc coding {code!r} by {coder!r} in {doc!r} (line {line}) matches no quote")

    for p in problems:
        print(f"MISMATCH: {p}", file=sys.stderr)

    shared = len(code_names) - len(set(code_names))
    n_codings = sum(len(v) for v in qc_codings.values())
    place = ("no codings to place" if not n_codings else
             "places not checked: qc put every coding on line 0" if lines_all_zero else
             "places checked by line")
    summary = (f"qc {'agrees' if not problems else 'DISAGREES'}: {len(sources)} documents, "
               f"{len(set(code_names))} code names ({len(code_names)} codes, {shared} sharing a name), "
               f"{len(held['coders'])} coder(s), {n_codings} qc codings for {len(accepted)} accepted quotes; "
               f"{place}; {len(warnings)} qc warning(s); {len(problems)} mismatch(es); "
               f"{time.monotonic() - started:.1f}s")
    print(summary)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
