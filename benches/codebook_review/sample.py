#!/usr/bin/env python3
"""Draw the seeded samples of suggestions that benches/codebook_review reads by hand, and
print them for reading.

  sample.py draw --codebook tdf --label before --seed 15 --out tdf_before.csv
  sample.py show tdf_before.csv

`draw` reads `quarry list suggestions` and `quarry list segments` (JSON lines) of the scratch
projects named in STRATA, keeps the suggestions of one codebook that wait for review (state open, not the
domains kept as covered), and draws from each project
its quota with random.Random(seed) after sorting by (segment, code), so the same projects and
seed give the same sample. The CSV holds ids and offsets only, never text from the corpora;
the verdict and reason columns are left empty for the reader. `show` prints each row's
evidence in its context on the terminal (nothing is written).

Standard library only.
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys

# Scratch project (a folder under --scratch) and how many suggestions to draw from it.
STRATA = [("interviews", 25), ("meetings", 10), ("usability", 5), ("tweets", 10)]
FIELDS = ["corpus", "segment", "document", "code", "rule", "evidence", "verdict", "reason"]


def jsonl(quarry, project, what):
    out = subprocess.run(
        [quarry, "--project", project, "list", what, "--format", "jsonl"],
        check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.split("\n") if line.strip()]


def draw(args):
    rows = []
    for corpus, quota in STRATA:
        project = os.path.join(args.scratch, corpus)
        segs = {s["segment"]: s["document"] for s in jsonl(args.quarry, project, "segments")}
        sugg = [s for s in jsonl(args.quarry, project, "suggestions")
                if s["codebook"] == args.codebook and s["state"] == "open"]
        sugg.sort(key=lambda s: (s["segment"], s["code"]))
        rng = random.Random("%s/%s/%s" % (args.seed, corpus, args.codebook))
        for s in sorted(rng.sample(sugg, min(quota, len(sugg))),
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quarry", default=os.environ.get("QUARRY", "quarry"))
    p.add_argument("--scratch", default=os.environ.get("SCRATCH", "."))
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--codebook", required=True)
    d.add_argument("--label", required=True)
    d.add_argument("--seed", required=True)
    d.add_argument("--out", required=True)
    s = sub.add_parser("show")
    s.add_argument("csv")
    s.add_argument("--context", type=int, default=300)
    s.add_argument("--pending", action="store_true", help="only rows without a verdict")
    args = p.parse_args()
    {"draw": draw, "show": show}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
