#!/usr/bin/env python3
"""Throughput of contrib/spark/quarry_match.py on Spark local[2] against `quarry match` in one
process and `quarry add` + `quarry suggest` on one machine, for the same posts, with the
matches checked equal (tests/spark/check_match.py's comparison).

    ../shared/bench/corpus.py --out /tmp/bench --size-mb 1500 --shape posts   # ~1M posts
    python benches/spark_match.py --quarry target/release/quarry \\
        --posts /tmp/bench/posts-1500mb.jsonl --work /tmp/bench/spark

Needs pyspark and Java 17 (as tests/spark/check_match.py).
"""

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "spark"))
import check_match as c  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quarry", required=True)
    ap.add_argument("--posts", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--master", default="local[2]")
    a = ap.parse_args()
    a.quarry = os.path.abspath(a.quarry)
    os.makedirs(a.work, exist_ok=True)
    n = sum(1 for _ in open(a.posts, "rb"))
    mb = os.path.getsize(a.posts) / 1e6
    print(f"{n} posts, {mb:.0f} MB; codebooks: {', '.join(os.path.basename(b) for b in c.BOOKS)}")
    books = " ".join(f"--codebook {b}" for b in c.BOOKS)
    t = time.time()
    subprocess.run(f"{a.quarry} match {books} < {a.posts} > /dev/null", shell=True, check=True)
    one = time.time() - t
    spark = c.spark_job(a, a.posts, os.path.join(a.work, "out"))
    expected, dups, local = c.local_suggest(a, a.posts, os.path.join(a.work, "project"))
    c.compare(expected, dups, c.spark_matches(os.path.join(a.work, "out")), "matches")
    for what, secs in [("quarry match, one process", one), ("quarry add + suggest", local),
                       ("Spark job, " + a.master, spark)]:
        print(f"{what:>28}: {secs:7.1f} s  {n / secs:9.0f} posts/s")


if __name__ == "__main__":
    main()
