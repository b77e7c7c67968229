#!/usr/bin/env python3
"""Recompute the figures of benches/codebook_review from its CSVs: per codebook and
version, the suggestions read, accepted, and the precision with its 95% Wilson interval
(overall and per corpus); for a sample of the original with a `kept_by` column (sample.py
mark), how many of its accepted and rejected rows the edited codebook still suggests.

  python3 figures.py            # every *_before.csv / *_after.csv in this folder
  python3 figures.py tdf_after.csv

Standard library only.
"""
import csv
import glob
import math
import os
import sys

Z = 1.959963984540054  # two-sided 95%


def wilson(k, n):
    """The Wilson score interval for k successes out of n."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    d = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / d
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return (max(0.0, centre - half), min(1.0, centre + half))


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    bad = [i + 2 for i, r in enumerate(rows) if r["verdict"] not in ("accept", "reject")]
    if bad:
        sys.exit("%s: line(s) %s have no verdict (accept or reject)" % (path, bad))
    return rows


def line(label, rows):
    n = len(rows)
    k = sum(r["verdict"] == "accept" for r in rows)
    lo, hi = wilson(k, n)
    return "%-28s %3d / %3d  %5.1f%%  [%5.1f%%, %5.1f%%]" % (
        label, k, n, 100 * k / n if n else float("nan"), 100 * lo, 100 * hi)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(here, "*_before.csv")) +
                                   glob.glob(os.path.join(here, "*_after.csv")))
    print("%-28s %-9s  %6s  %s" % ("sample", "accepted", "prec.", "95% Wilson"))
    for path in paths:
        rows = read(path)
        name = os.path.basename(path)[:-4]
        print(line(name, rows))
        for corpus in sorted({r["corpus"] for r in rows}):
            print(line("  " + corpus, [r for r in rows if r["corpus"] == corpus]))
        kept = [k for k in rows[0] if k.startswith("kept_by ")]
        if kept:
            acc = [r for r in rows if r["verdict"] == "accept"]
            rej = [r for r in rows if r["verdict"] == "reject"]
            print("  %s: keeps %d of %d accepted, drops %d of %d rejected" % (
                kept[0], sum(r[kept[0]] == "yes" for r in acc), len(acc),
                sum(r[kept[0]] == "no" for r in rej), len(rej)))


if __name__ == "__main__":
    main()
