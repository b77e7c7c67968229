#!/usr/bin/env python3
"""Draw the seeded samples of suggestions that benches/codebook_review reads by hand, and
print them for reading.

  sample.py draw --codebook tdf --seed 15 --out tdf_before.csv
  sample.py show tdf_before.csv
  sample.py mark tdf_before.csv --codebook tdf-r15

`draw` reads `quarry list suggestions` and `quarry list segments` (JSON lines) of the scratch
projects named in STRATA, keeps the suggestions of one codebook that wait for review (state
open, not the domains kept as covered), and draws from each project its quota: the
suggestions with the smallest SHA-256 of (seed, codebook, corpus, segment, code), a uniform
random draw that the same projects and seed always repeat. The CSV holds ids and offsets
only, never text from the corpora; the verdict and reason columns are left empty for the
reader. `show` prints each row's
evidence in its context on the terminal (nothing is written). `mark` adds a column to a
sample of the original saying whether the edited codebook still suggests each row.

Standard library only.
"""
import argparse
import csv
import json
import os
import hashlib
import subprocess
import sys

# Scratch project (a folder under --scratch) and how many suggestions to draw from it.
STRATA = [("interviews", 25), ("meetings", 10), ("usability", 5), ("tweets", 10)]
FIELDS = ["corpus", "segment", "document", "code", "rule", "evidence", "verdict", "reason"]
KEPT = "kept_by"


def jsonl(quarry, project, what):
    out = subprocess.run(
        [quarry, "--project", project, "list", what, "--format", "jsonl"],
        check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.split("\n") if line.strip()]


def draw(args):
    pools = {}
    for corpus, _ in STRATA:
        project = os.path.join(args.scratch, corpus)
        segs = {s["segment"]: s["document"] for s in jsonl(args.quarry, project, "segments")}
        sugg = [s for s in jsonl(args.quarry, project, "suggestions")
                if s["codebook"] == args.codebook and s["state"] == "open"]
        sugg.sort(key=lambda s: (s["segment"], s["code"]))
        pools[corpus] = (segs, sugg)
    # A corpus with fewer suggestions than its quota gives the rest to the first corpora
    # (in STRATA order) that have more, so the sample keeps its size.
    quotas = {c: min(q, len(pools[c][1])) for c, q in STRATA}
    short = sum(q for _, q in STRATA) - sum(quotas.values())
    for c, _ in STRATA:
        extra = min(short, len(pools[c][1]) - quotas[c])
        quotas[c] += extra
        short -= extra
    rows = []
    for corpus, _ in STRATA:
        segs, sugg = pools[corpus]
        # Each suggestion's place in the draw is a hash of the seed, the codebook and the
        # suggestion, so editing a few rules changes only the draws of the suggestions
        # that came or went, and a redraw of the same codebook gives the same rows.
        def rank(s):
            key = "%s/%s/%s/%s/%s" % (args.seed, args.codebook, corpus, s["segment"], s["code"])
            return hashlib.sha256(key.encode()).hexdigest()
        for s in sorted(sorted(sugg, key=rank)[:quotas[corpus]],
                        key=lambda s: (s["segment"], s["code"])):
            rows.append({
                "corpus": corpus, "segment": s["segment"], "document": segs[s["segment"]],
                "code": s["code"], "rule": " | ".join(s["rules"]),
                "evidence": " ".join("%d-%d" % (a, b) for a, b in s["evidence"]),
                "verdict": "", "reason": ""})
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    print("wrote %d rows to %s" % (len(rows), args.out))


def show(args):
    texts = {}
    with open(args.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows, 1):
        if args.pending and r["verdict"]:
            continue
        key = r["corpus"]
        if key not in texts:
            project = os.path.join(args.scratch, key)
            texts[key] = {s["segment"]: s for s in jsonl(args.quarry, project, "segments")}
        seg = texts[key][int(r["segment"])]
        text, base = seg["text"], seg["char_start"]
        marks = [tuple(int(x) - base for x in ev.split("-")) for ev in r["evidence"].split()]
        lo = max(0, min(a for a, _ in marks) - args.context)
        hi = min(len(text), max(b for _, b in marks) + args.context)
        out, pos = [], lo
        for a, b in sorted(marks):
            if a < pos:
                continue
            out.append(text[pos:a] + "«" + text[a:b] + "»")
            pos = b
        out.append(text[pos:hi])
        print("%d. [%s #%s %s] %s  ::  %s" % (i, r["corpus"], r["segment"], r["document"],
                                              r["code"], r["rule"]))
        print("   " + " ".join("".join(out).split()))
        print()


def mark(args):
    """Add a column saying whether each row's (segment, code) is still suggested, waiting
    for review, by another codebook (the edited version) in the same projects."""
    with open(args.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    open_by = {}
    for corpus in sorted({r["corpus"] for r in rows}):
        project = os.path.join(args.scratch, corpus)
        open_by[corpus] = {(s["segment"], s["code"])
                           for s in jsonl(args.quarry, project, "suggestions")
                           if s["codebook"] == args.codebook and s["state"] == "open"}
    column = "%s %s" % (KEPT, args.codebook)
    for r in rows:
        r[column] = "yes" if (int(r["segment"]), r["code"]) in open_by[r["corpus"]] else "no"
    fields = [k for k in rows[0].keys() if not k.startswith(KEPT)] + [column]
    with open(args.csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    kept = sum(r[column] == "yes" for r in rows)
    print("%s: %d of %d rows still suggested by %s" % (args.csv, kept, len(rows), args.codebook))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quarry", default=os.environ.get("QUARRY", "quarry"))
    p.add_argument("--scratch", default=os.environ.get("SCRATCH", "."))
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--codebook", required=True)
    d.add_argument("--seed", required=True)
    d.add_argument("--out", required=True)
    s = sub.add_parser("show")
    s.add_argument("csv")
    s.add_argument("--context", type=int, default=300)
    s.add_argument("--pending", action="store_true", help="only rows without a verdict")
    m = sub.add_parser("mark")
    m.add_argument("csv")
    m.add_argument("--codebook", required=True, help="the edited codebook's id")
    args = p.parse_args()
    {"draw": draw, "show": show, "mark": mark}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
