#!/usr/bin/env python3
"""The review loop measured on a labelled corpus: what tuning a codebook from a reviewed sample
gains over the untuned rules and over literal substring matching of the same terms.

Steps (every quarry step runs the real binary on a fresh project in OUT):
 1. each labelled text becomes one document (JSON lines `{"doc": id, "speaker", "text"}`);
    `quarry suggest` applies the codebook;
 2. a seeded random SAMPLE share of the texts is "reviewed": the labels act as the reviewer,
    accepting a suggestion when its code is the text's label and rejecting it otherwise
    (`quarry review export` / `review import`, as a person with a spreadsheet would);
 3. `quarry codebook tune --below B --confidence C` writes the tuned codebook, and
    `quarry suggest` applies it to the same project (decisions stay);
 4. on the other texts only, each method's (text, code) predictions are scored against the
    labels: a prediction is right when its code is the text's label; recall is over the
    texts whose label has a code in the codebook. Micro precision, recall and F1.

Then, from the same reviewed sample: the ranker (`quarry list suggestions` gives each open
suggestion's `likely`), keeping suggestions at the threshold with the best F1 on the sample;
`codebook propose` after the reviewer also codes the sample's texts no rule reached; and all
together (tuned, proposed, ranked). The ranked queue of the held-out texts is also scored:
precision of its top 20% in `--order likely` against the score order, and the decisions a
person needs to confirm 80% of its right suggestions in each order.

Literal matching reads the codebook's rules as plain text, as the auto-coding of open QDA
tools does: a word, `exact:` word or quoted phrase is a case-insensitive substring, a
`prefix*` a substring of its prefix, NEAR/BEFORE pairs need both words anywhere, AND / OR /
NOT / `-` keep their meaning, and `@code` references are expanded.

usage: benches/learn.py CORPUS.csv CODEBOOK.toml [--id-col row_index] [--text-col feedback]
         [--label-col code] [--sample 0.1] [--seed 1] [--below 0.2] [--confidence 0.95 ...]
         [--per-term] [--out DIR] [--quarry PATH] [--json] [--check]
Defaults fit ../shared/data/labelled_nhs_phase1/text_data.csv with benches/nhs_blind.toml:
    python3 benches/learn.py ../shared/data/labelled_nhs_phase1/text_data.csv benches/nhs_blind.toml
Several --confidence values give one tuned row each (the first is the headline). --per-term
adds two rows: the same number of decisions drawn with `review --sample N --per-term`, tuned,
and scored with the untuned rules on the texts that sample did not touch."""
import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(quarry, cwd, *args):
    """Runs quarry in cwd; returns stdout, or exits with its stderr."""
    p = subprocess.run([quarry, *args], cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"quarry {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout


def sheet_rows(path):
    """The rows of a `review export` CSV as dicts (the BOM removed)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def suggestions(quarry, project, codebook):
    """Every open suggestion of the codebook as a set of (document, code), read through a
    coder who decided nothing."""
    out = os.path.join(project, "probe.csv")
    if os.path.exists(out):
        os.remove(out)
    run(quarry, project, "review", "export", "--coder", "probe", "--codebook", codebook,
        "--out", out)
    return {(r["document"], r["code"]) for r in sheet_rows(out)}


# ---------------------------------------------------------------- literal matching

TOKEN = re.compile(r'\s*(?:(\()|(\))|(["\u201c\u201d])(.*?)["\u201c\u201d]|(-)(?=\S)|([^\s()"\u201c\u201d]+))')


def tokens(rule):
    out, i = [], 0
    while i < len(rule):
        m = TOKEN.match(rule, i)
        if not m or m.end() == i:
            if rule[i:].strip() == "":
                break
            raise ValueError(f"cannot read rule {rule!r} at {i}")
        i = m.end()
        if m.group(1):
            out.append(("(", None))
        elif m.group(2):
            out.append((")", None))
        elif m.group(3):
            out.append(("text", m.group(4).lower()))
        elif m.group(5):
            out.append(("not", None))
        elif m.group(6):
            w = m.group(6)
            if w in ("AND", "&&"):
                out.append(("and", None))
            elif w in ("OR", "||"):
                out.append(("or", None))
            elif w == "NOT":
                out.append(("not", None))
            elif re.fullmatch(r"(NEAR|BEFORE)(/\d+)?", w):
                out.append(("near", None))
            elif w.startswith("@"):
                out.append(("ref", w[1:]))
            else:
                w = w.lower()
                if w.startswith("exact:"):
                    w = w[len("exact:"):]
                out.append(("text", w.rstrip("*")))
    return out


class Literal:
    """A rule read as substring tests: parse once, then `matches(text)`."""

    def __init__(self, rule, refs, depth=0):
        self.toks = tokens(rule)
        self.pos = 0
        self.refs = refs
        self.depth = depth
        self.tree = self.or_() if self.toks else ("or", [])

    def peek(self):
        return self.toks[self.pos][0] if self.pos < len(self.toks) else None

    def or_(self):
        parts = [self.and_()]
        while self.peek() == "or":
            self.pos += 1
            parts.append(self.and_())
        return ("or", parts)

    def and_(self):
        parts = [self.unary()]
        while self.peek() not in (None, "or", ")"):
            if self.peek() == "and":
                self.pos += 1
            parts.append(self.unary())
        return ("and", parts)

    def unary(self):
        if self.peek() == "not":
            self.pos += 1
            return ("not", self.unary())
        left = self.atom()
        while self.peek() == "near":  # a NEAR b: both anywhere
            self.pos += 1
            left = ("and", [left, self.atom()])
        return left

    def atom(self):
        kind, value = self.toks[self.pos]
        self.pos += 1
        if kind == "(":
            inner = self.or_()
            if self.peek() == ")":
                self.pos += 1
            return inner
        if kind == "ref":
            if self.depth > 10:
                return ("or", [])
            return ("or", [Literal(r, self.refs, self.depth + 1).tree
                           for r in self.refs.get(value, [])])
        return ("text", value)

    def matches(self, text, node=None):
        node = self.tree if node is None else node
        kind, value = node
        if kind == "text":
            return value in text
        if kind == "not":
            return not self.matches(text, value)
        if kind == "and":
            return all(self.matches(text, n) for n in value)
        return any(self.matches(text, n) for n in value)


def literal_predictions(codebook_path, texts):
    """(document, code) for every text a code's rules match literally."""
    with open(codebook_path, "rb") as f:
        book = tomllib.load(f)
    codes = book.get("code", [])
    refs = {c["id"]: c.get("rules", []) for c in codes}
    rules = [(c["id"], Literal(r, refs)) for c in codes for r in c.get("rules", [])]
    out = set()
    for doc, text in texts.items():
        low = text.lower()
        for code, lit in rules:
            if (doc, code) not in out and lit.matches(low):
                out.add((doc, code))
    return out


# ---------------------------------------------------------------- scoring

def score(predicted, labels, docs, codes):
    """Micro precision, recall and F1 of (document, code) predictions over `docs`."""
    tp = fp = 0
    for doc, code in predicted:
        if doc not in docs:
            continue
        if labels[doc] == code:
            tp += 1
        else:
            fp += 1
    positives = sum(1 for d in docs if labels[d] in codes)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / positives if positives else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "positives": positives,
            "predictions": tp + fp}


def code_unsuggested(quarry, project, book_id, labels, reviewed, code_ids):
    """Codes by hand (coder `labels`) each reviewed text that got no suggestion of its
    label's code, when the label is a code of the codebook; returns how many."""
    seg_of = {}
    for line in run(quarry, project, "list", "segments", "--format", "jsonl").splitlines():
        s = json.loads(line)
        seg_of.setdefault(s["document"], s["segment"])
    have = set()
    for line in run(quarry, project, "list", "suggestions", "--format", "jsonl").splitlines():
        r = json.loads(line)
        if r["codebook"] == book_id:
            have.add((r["segment"], r["code"]))
    n = 0
    for d in sorted(reviewed):
        code = labels[d]
        if code in code_ids and d in seg_of and (seg_of[d], code) not in have:
            run(quarry, project, "code", str(seg_of[d]), code, "--coder", "labels")
            n += 1
    return n


def ranker_rows(quarry, project, book_id, labels, reviewed, held_out, code_ids):
    """Rules + ranker scored on the held-out texts, and the ranked queue's figures."""
    doc_of = {}
    for line in run(quarry, project, "list", "segments", "--format", "jsonl").splitlines():
        s = json.loads(line)
        doc_of[s["segment"]] = s["document"]
    rows = []
    for line in run(quarry, project, "list", "suggestions", "--format", "jsonl").splitlines():
        r = json.loads(line)
        if r["codebook"] == book_id and r["state"] == "open":
            rows.append((doc_of[r["segment"]], r["code"], r["likely"], r["score"]))

    def kept(docs, t):
        return {(d, c) for d, c, l, _ in rows if d in docs and (l is None or l >= t)}

    # The threshold with the best F1 on the reviewed sample.
    best = (-1.0, 0.0)
    for k in range(0, 100):
        t = k / 100
        f1 = score(kept(reviewed, t), labels, reviewed, code_ids)["f1"]
        if f1 > best[0]:
            best = (f1, t)
    t = best[1]
    out = [(f"quarry rules + ranker (likely >= {t:.2f})",
            score(kept(held_out, t), labels, held_out, code_ids), None)]
    # The held-out queue, ranked two ways: by likely (codes without a prediction after, by
    # score, as `review --order likely` does) and by score (today's default).
    queue = [(d, c, l, sc) for d, c, l, sc in rows if d in held_out]
    right = [labels[d] == c for d, c, _, _ in queue]

    def order(key):
        idx = sorted(range(len(queue)), key=key)
        return [right[i] for i in idx]

    by_likely = order(lambda i: (queue[i][2] is None, -(queue[i][2] or 0.0), -queue[i][3]))
    by_score = order(lambda i: -queue[i][3])
    true = sum(right)

    def top20(r):
        n = max(1, len(r) // 5)
        return sum(r[:n]) / n

    def to80(r):
        need, seen = 0.8 * true, 0
        for k, x in enumerate(r, 1):
            seen += x
            if seen >= need:
                return k
        return len(r)

    return {"rows": out, "threshold": t,
            "queue": {"suggestions": len(queue), "true": true,
                      "top20_likely": top20(by_likely), "top20_score": top20(by_score),
                      "to80_likely": to80(by_likely), "to80_score": to80(by_score)}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("codebook")
    ap.add_argument("--id-col", default="row_index")
    ap.add_argument("--text-col", default="feedback")
    ap.add_argument("--label-col", default="code")
    ap.add_argument("--sample", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--below", type=float, default=0.2)
    ap.add_argument("--confidence", type=float, action="append")
    ap.add_argument("--out", default="/tmp/quarry-learn")
    ap.add_argument("--quarry", default=None)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless the first tuned row's F1 beats the untuned rules' (for CI)")
    ap.add_argument("--per-term", action="store_true",
                    help="also tune from a per-term sample of as many decisions")
    ap.add_argument("--min-fired", type=int, default=None,
                    help="with --per-term: review --min-fired (default: quarry's)")
    a = ap.parse_args()
    if tomllib is None:
        sys.exit("needs Python 3.11 or later (tomllib)")
    confidences = a.confidence or [0.95]
    quarry = os.path.abspath(a.quarry) if a.quarry else os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "target")),
                                      "release", "quarry")
    if a.quarry is None:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=HERE, check=True)
    codebook = os.path.abspath(a.codebook)
    with open(codebook, "rb") as f:
        book = tomllib.load(f)
    book_id = book["codebook"]["id"]
    code_ids = {c["id"] for c in book.get("code", [])}

    # The labelled texts; the label is a code id once prefixed with the codebook's id.
    texts, labels = {}, {}
    skipped = 0
    with open(a.corpus, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            doc, text, label = row[a.id_col].strip(), row[a.text_col], row[a.label_col].strip()
            if not doc or not text.strip() or not label or doc in texts:
                skipped += 1
                continue
            texts[doc] = text
            labels[doc] = f"{book_id}.{label}"
    docs = sorted(texts)
    rng = random.Random(a.seed)
    reviewed = set(rng.sample(docs, round(a.sample * len(docs))))
    held_out = set(docs) - reviewed
    unlabelled = sum(1 for d in docs if labels[d] not in code_ids)
    print(f"corpus: {len(docs)} texts ({skipped} rows skipped: blank or repeated id), "
          f"{len(code_ids)} codes, {unlabelled} texts whose label no code has; "
          f"reviewed sample {len(reviewed)} (seed {a.seed}), scored on the other {len(held_out)}")

    # 1. One project, every text a document.
    shutil.rmtree(a.out, ignore_errors=True)
    project = os.path.join(a.out, "project")
    os.makedirs(project)
    jsonl = os.path.join(a.out, "texts.jsonl")
    with open(jsonl, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({"doc": d, "speaker": "respondent", "text": texts[d]}) + "\n")
    run(quarry, project, "init")
    t0 = time.time()
    run(quarry, project, "add", jsonl)
    t_add = time.time() - t0
    t0 = time.time()
    run(quarry, project, "suggest", "--codebook", codebook)
    t_suggest = time.time() - t0
    untuned = suggestions(quarry, project, book_id)

    # 2. The labels review the sample's suggestions.
    sheet = os.path.join(project, "review.csv")
    run(quarry, project, "review", "export", "--coder", "labels", "--codebook", book_id,
        "--out", sheet)
    rows = sheet_rows(sheet)
    decided = 0
    for r in rows:
        if r["document"] in reviewed:
            r["decision"] = "accept" if labels[r["document"]] == r["code"] else "reject"
            decided += 1
    filled = os.path.join(project, "filled.csv")
    with open(filled, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["segment"])
        w.writeheader()
        w.writerows(rows)
    run(quarry, project, "review", "import", filled, "--coder", "labels")
    accepted = sum(1 for r in rows if r.get("decision") == "accept")
    print(f"review: {decided} suggestions on the sample decided from the labels "
          f"({accepted} accepted)")

    # 3. Tune at each confidence and apply; the decisions stay in the one project, so each
    # confidence runs on its own copy of it.
    results = [("literal substring matching", score(literal_predictions(codebook, texts), labels,
                                                      held_out, code_ids), None),
               ("quarry rules, untuned", score(untuned, labels, held_out, code_ids), None)]
    base = os.path.join(a.out, "reviewed")
    shutil.copytree(project, base)
    for c in confidences:
        p = os.path.join(a.out, f"tuned-{c}")
        shutil.copytree(base, p)
        tuned_file = os.path.join(a.out, f"tuned-{c}.toml")
        t0 = time.time()
        report = json.loads(run(quarry, p, "codebook", "tune", book_id, "--below", str(a.below),
                                "--confidence", str(c), "--out", tuned_file, "--force",
                                "--format", "json"))
        t_tune = time.time() - t0
        kinds = {}
        for ch in report["changes"]:
            kinds[ch["action"]["kind"]] = kinds.get(ch["action"]["kind"], 0) + 1
        if report["written"]:
            run(quarry, p, "suggest", "--codebook", tuned_file)
            tuned = suggestions(quarry, p, book_id)
        else:
            tuned = untuned
        results.append((f"quarry rules, tuned (below {a.below} at {c:g})",
                        score(tuned, labels, held_out, code_ids),
                        {"changes": kinds, "tune_secs": round(t_tune, 2),
                         "terms": [(ch["code"], ch["term"], ch["action"]["kind"],
                                    ch["accepted"], ch["decided"]) for ch in report["changes"]]}))

    # 4. The ranker learned from the same decisions (`quarry list suggestions` carries each
    # open suggestion's `likely`): rules + ranker keeps a suggestion when its code has no
    # prediction or its prediction reaches the threshold that gives the best F1 on the
    # reviewed sample (the held-out texts are not looked at to choose it).
    ranked = ranker_rows(quarry, base, book_id, labels, reviewed, held_out, code_ids)
    results.extend(ranked["rows"])

    # 4b. Proposed terms: the reviewer also codes the sample's texts no rule reached (as
    # `review --unsuggested` would), `codebook propose` learns terms from every confirmed
    # text, and the new version is applied. Then all together: the same on the tuned
    # codebook, with the ranker's threshold.
    c = confidences[0]
    for name, start, book_file, with_ranker in (
            ("quarry rules + proposed terms", base, codebook, False),
            (f"tuned + proposed + ranker (at {c:g})", os.path.join(a.out, f"tuned-{c}"),
             os.path.join(a.out, f"tuned-{c}.toml"), True)):
        p = start + "-proposed"
        shutil.copytree(start, p)
        coded = code_unsuggested(quarry, p, book_id, labels, reviewed, code_ids)
        if not os.path.exists(book_file):
            book_file = codebook
        out_file = p + ".toml"
        report = json.loads(run(quarry, p, "codebook", "propose", book_file, "--out", out_file,
                                "--force", "--format", "json"))
        if report["proposals"]:
            run(quarry, p, "suggest", "--codebook", out_file)
        extra = {"changes": {"proposed": len(report["proposals"]), "hand_coded": coded},
                 "tune_secs": 0,
                 "terms": [(x["code"], x["rule"], "proposed", x["confirmed"], x["decided"])
                           for x in report["proposals"]]}
        if with_ranker:
            r = ranker_rows(quarry, p, book_id, labels, reviewed, held_out, code_ids)
            row = r["rows"][0]
            results.append((f"{name}, likely >= {r['threshold']:.2f}", row[1], extra))
        else:
            results.append((name, score(suggestions(quarry, p, book_id), labels, held_out,
                                        code_ids), extra))

    # 5. With --per-term: the same number of decisions drawn by `review --sample N --per-term`
    # instead, scored on the texts it did not touch (so against the untuned rules again).
    if a.per_term:
        p = os.path.join(a.out, "per-term")
        # A fresh project: `project` holds the random sample's decisions.
        os.makedirs(p)
        run(quarry, p, "init")
        run(quarry, p, "add", jsonl)
        run(quarry, p, "suggest", "--codebook", codebook)
        sheet = os.path.join(p, "review.csv")
        run(quarry, p, "review", "export", "--coder", "labels", "--codebook", book_id, "--out",
            sheet, "--sample", str(decided), "--per-term", "--seed", str(a.seed),
            *(["--min-fired", str(a.min_fired)] if a.min_fired else []))
        rows = sheet_rows(sheet)
        for r in rows:
            r["decision"] = "accept" if labels[r["document"]] == r["code"] else "reject"
        with open(filled, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
        run(quarry, p, "review", "import", filled, "--coder", "labels")
        touched = {r["document"] for r in rows}
        rest = set(docs) - touched
        c = confidences[0]
        tuned_file = os.path.join(a.out, "tuned-per-term.toml")
        report = json.loads(run(quarry, p, "codebook", "tune", book_id, "--below", str(a.below),
                                "--confidence", str(c), "--out", tuned_file, "--force",
                                "--format", "json"))
        if report["written"]:
            run(quarry, p, "suggest", "--codebook", tuned_file)
        kinds = {}
        for ch in report["changes"]:
            kinds[ch["action"]["kind"]] = kinds.get(ch["action"]["kind"], 0) + 1
        print(f"\nper-term sample: {len(rows)} decisions on {len(touched)} texts; scored on the "
              f"other {len(rest)}")
        results.append(("untuned, on the per-term held-out texts",
                        score(untuned, labels, rest, code_ids), None))
        results.append((f"tuned from a per-term sample (at {c:g})",
                        score(suggestions(quarry, p, book_id), labels, rest, code_ids),
                        {"changes": kinds, "tune_secs": 0,
                         "terms": [(ch["code"], ch["term"], ch["action"]["kind"],
                                    ch["accepted"], ch["decided"]) for ch in report["changes"]]}))

    print(f"\nheld-out texts: {len(held_out)}; add {t_add:.1f} s, suggest {t_suggest:.1f} s")
    print(f"{'method':44} {'precision':>9} {'recall':>7} {'F1':>6} {'right':>6} {'wrong':>6}")
    for name, s, _ in results:
        print(f"{name:44} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f} "
              f"{s['tp']:6d} {s['fp']:6d}")
    for name, _, extra in results:
        if extra:
            print(f"\n{name}: {extra['changes']} in {extra['tune_secs']} s")
            for code, term, kind, acc, dec in extra["terms"]:
                print(f"  {kind:10} {term:24} {acc:3d}/{dec:<3d} {code}")
    q = ranked["queue"]
    print(f"\nranked queue of the held-out texts ({q['suggestions']} suggestions, "
          f"{q['true']} right; threshold {ranked['threshold']:.2f} chosen on the sample): "
          f"precision of the top 20% {q['top20_likely']:.3f} in `--order likely` against "
          f"{q['top20_score']:.3f} by score; decisions to confirm 80% of the right ones "
          f"{q['to80_likely']} against {q['to80_score']} by score")
    if a.json:
        print(json.dumps({"rows": [{"method": n, **s, **(e or {})} for n, s, e in results],
                          "queue": q, "threshold": ranked["threshold"]}, indent=1))
    if a.check and not results[2][1]["f1"] > results[1][1]["f1"]:
        sys.exit(f"check failed: tuned F1 {results[2][1]['f1']:.3f} does not beat untuned "
                 f"{results[1][1]['f1']:.3f}")


if __name__ == "__main__":
    main()
