#!/usr/bin/env python3
"""Checks contrib/spark/quarry_match.py on Spark in local mode against `quarry suggest`:

1. a generated corpus of posts (from the sample interviews in data/): every match the
   job writes equals what suggest stores for the same posts in a project (code, rules,
   evidence offsets and words, score), posts that repeat an earlier post's text aside
   (suggest leaves those out; the job matches them and says so with text_hash);
2. the shared COVID-vaccine tweets (CSV read by Spark), when ../shared/data is there;
3. a partition of hostile records (bytes that are not UTF-8, a raw NUL, a 50 MB line): the
   job names the bad ones by id in errors/ (bytes that are not UTF-8 are matched as Spark
   reads them, U+FFFD, and noted) and matches the rest.

    python tests/spark/check_match.py --quarry target/release/quarry --work /tmp/spark-check

Needs pyspark and Java 17. Exits non-zero on the first difference.
"""

import argparse
import gzip
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
JOB = os.path.join(REPO, "contrib", "spark", "quarry_match.py")
BOOKS = ["tdf", "kta", "sm-uptake", os.path.join(REPO, "tests", "fixtures", "codebooks", "study.toml")]


def fail(msg):
    print(f"FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def sentences():
    """Sentences of the sample interviews' turns, as the corpus is made of."""
    out = []
    for path in sorted(glob.glob(os.path.join(REPO, "data", "sample", "P0*_interview.txt"))):
        text = open(path, "rb").read().decode("utf-8", "replace")
        for para in text.split("\n\n"):
            body = para.split(": ", 1)[1] if ": " in para[:40] else para
            out += [s.strip() for s in re.split(r"(?<=[.?!])\s+", body) if len(s.strip()) > 3]
    return out


def generate(path, n, seed=7):
    """n posts of 1-4 sample sentences each, with authors, times, platforms, replies,
    reposts and hashtags; some texts repeat (as on a real platform)."""
    rng = random.Random(seed)
    pool = sentences()
    authors = [f"user{i}" for i in range(500)] + ["Dr Ana Silva", "@medtwit"]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            text = " ".join(rng.choice(pool) for _ in range(rng.randint(1, 4)))
            if rng.random() < 0.08:
                text += " #MedEd"
            if rng.random() < 0.05:
                text = f"RT @{rng.choice(authors[:500])}: {text}"
            rec = {"id": f"g{i}", "text": text, "author": rng.choice(authors),
                   "created_at": f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00Z"}
            if rng.random() < 0.2:
                rec["is_reply"] = True
            if rng.random() < 0.3:
                rec["platform"] = rng.choice(["x", "reddit", "mastodon"])
            f.write(json.dumps(rec) + "\n")


def run(cmd, allow=(0,)):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in allow:
        fail(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return p, time.time() - t


def spark_job(a, input_path, out, extra=(), books=BOOKS):
    if os.path.exists(out):
        shutil.rmtree(out)
    cmd = [sys.executable, JOB, "--input", input_path, "--output", out, "--quarry", a.quarry,
           "--master", a.master] + [x for b in books for x in ("--codebook", b)] + list(extra)
    p, secs = run(cmd, allow=(0, 1))
    if p.returncode != 0:
        fail(f"the Spark job failed:\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    print(f"  Spark job: {secs:.1f} s; {p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ''}")
    return secs


def local_suggest(a, jsonl, project, books=BOOKS):
    """(expected matches by (id, codebook, code), ids of posts add found to repeat an
    earlier one, seconds of add + suggest)."""
    if os.path.exists(project):
        shutil.rmtree(project)
    os.makedirs(project)
    q = [a.quarry, "--project", project]
    run([a.quarry, "init", project])
    t = time.time()
    # 1: some records were left out (named on stderr), as the job leaves them out.
    p, _ = run(q + ["add", jsonl], allow=(0, 1))
    p, _ = run(q + ["suggest"] + [x for b in books for x in ("--codebook", b)])
    secs = time.time() - t
    segs = {}
    p, _ = run(q + ["list", "segments", "--format", "jsonl"])
    dups = set()
    for line in p.stdout.split("\n"):
        if not line:
            continue
        s = json.loads(line)
        segs[s["segment"]] = (s["post"]["id"], s["char_start"])
        if s["post"]["is_duplicate"]:
            dups.add(s["post"]["id"])
    p, _ = run(q + ["list", "suggestions", "--format", "jsonl"])
    expected = {}
    for line in p.stdout.split("\n"):
        if not line:
            continue
        r = json.loads(line)
        pid, base = segs[r["segment"]]
        key = (pid, r["codebook"], r["code"])
        expected[key] = (frozenset(r["rules"]), frozenset((s - base, e - base) for s, e in r["evidence"]),
                         frozenset(r["words"]), r["score"])
    return expected, dups, secs


def spark_matches(out):
    """The job's matches by (id, codebook, code), read with Spark."""
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.master("local[1]").appName("check").getOrCreate()
    got = {}
    for r in spark.read.parquet(out + "/matches").toLocalIterator():
        key = (r["id"], r["codebook"], r["code"])
        if key in got:
            fail(f"two rows for {key}")
        ev = [e for e in r["evidence"] if e["start"] is not None]
        got[key] = (frozenset(r["rule"]), frozenset((e["start"], e["end"]) for e in ev),
                    frozenset(e["word"] for e in ev), r["score"])
    return got


def compare(expected, dups, got, what):
    extra = {k for k in got if k not in expected}
    repeats = {k for k in extra if k[0] in dups}
    if extra - repeats:
        fail(f"{what}: {len(extra - repeats)} matches suggest did not store, e.g. {sorted(extra - repeats)[:3]}")
    missing = [k for k in expected if k not in got]
    if missing:
        fail(f"{what}: {len(missing)} stored suggestions the job did not find, e.g. {missing[:3]}")
    for k, (rules, ev, words, score) in expected.items():
        g = got[k]
        if (rules, ev, words) != g[:3]:
            fail(f"{what}: {k} differs:\n  suggest {rules, sorted(ev), words}\n  spark   {g[0], sorted(g[1]), g[2]}")
        if abs(score - g[3]) > 1e-9 * max(1.0, score):
            fail(f"{what}: {k} score {score} vs {g[3]}")
    print(f"  {what}: {len(expected)} suggestions equal; {len(repeats)} more matches on posts that repeat "
          f"an earlier post's text ({len(dups)} such posts), which suggest leaves out")


def loop(a, posts, out):
    """Import a sample of the run, review it in line mode, tune the codebook, run the tuned
    one on Spark again: its matches equal a local suggest with it."""
    project = os.path.join(a.work, "loop-project")
    if os.path.exists(project):
        shutil.rmtree(project)
    run([a.quarry, "init", project])
    q = [a.quarry, "--project", project]
    study = BOOKS[3]
    p, _ = run(q + ["import", "matches", out, "--sample", "30", "--per-term", "--codebook", study])
    # The reviewer rejects the first 150 suggestions and stops: the terms seen often enough
    # fall below 0.2 and are dropped, the others stay.
    p = subprocess.run(q + ["review", "--lines", "--codebook", "study", "--coder", "ci"], input="r\n" * 150 + "q\n",
                       capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"review: {p.stderr[-2000:]}")
    report = os.path.join(a.work, "loop-report.json")
    run(q + ["report", "--out", report])
    est = json.load(open(report))["samples"][0]["codes"]
    decided = sum(c["decided"] for c in est)
    if decided == 0 or any(c["estimate"] and c["estimate"][0] > 0 for c in est):
        fail(f"loop: the report's estimates do not follow the rejections: {est}")
    tuned = os.path.join(a.work, "tuned.toml")
    p, _ = run(q + ["codebook", "tune", "study", "--out", tuned, "--force"])
    original = open(study, encoding="utf-8").read()
    if open(tuned, encoding="utf-8").read() == original:
        fail("loop: tune changed nothing")
    if "rules" not in open(tuned, encoding="utf-8").read():
        fail("loop: tune left no rule")
    tuned_out = os.path.join(a.work, "tuned-out")
    spark_job(a, posts, tuned_out, books=[tuned])
    expected, dups, _ = local_suggest(a, posts, os.path.join(a.work, "tuned-project"), books=[tuned])
    if not expected:
        fail("loop: the tuned codebook matches nothing")
    compare(expected, dups, spark_matches(tuned_out), "tuned codebook after a reviewed sample")
    print(f"  loop: {decided} sampled suggestions decided in line mode; the tuned codebook "
          f"ran again on Spark")


def hostile(a):
    path = os.path.join(a.work, "hostile.jsonl")
    good = lambda i: json.dumps({"id": f"ok{i}", "text": "I don't trust the evidence on social media."})
    with open(path, "wb") as f:
        for i in range(50):
            f.write(good(i).encode() + b"\n")
        f.write(b'{"id": "bad-utf8", "text": "caf\xe9 and the evidence"}\n')
        f.write(b'{"id": "raw-nul", "text": "a raw \x00 byte and the evidence"}\n')
        f.write(json.dumps({"id": "escaped-nul", "text": "the evidence\u0000 again"}).encode() + b"\n")
        big = "word " * (10 << 20) + "the evidence"
        f.write(json.dumps({"id": "big", "text": big}).encode() + b"\n")
        f.write(b"[1, 2]\n")
        for i in range(50, 100):
            f.write(good(i).encode() + b"\n")
    out = os.path.join(a.work, "hostile-out")
    spark_job(a, path, out)
    errors = [json.loads(l) for f in glob.glob(out + "/errors/*.json") for l in open(f, encoding="utf-8")]
    refused = {e.get("id") for e in errors if not e["matched"]}
    noted = {e.get("id") for e in errors if e["matched"]}
    # Not JSON (a raw NUL in a string, an array): refused, by id where it can be read; bytes
    # that are not UTF-8: matched as Spark reads them, and noted.
    if refused != {"raw-nul", None} or noted != {"bad-utf8"}:
        fail(f"hostile: expected raw-nul and the array refused, bad-utf8 noted: {errors}")
    run_info = json.load(open(out + "/run.json"))
    matched = {json.loads(l)["record"] and json.loads(json.loads(l)["record"])["id"]
               for f in glob.glob(out + "/posts/*.gz") for l in gzip.open(f, "rt", encoding="utf-8")}
    want = {f"ok{i}" for i in range(100)} | {"escaped-nul", "big", "bad-utf8"}
    if matched != want:
        fail(f"hostile: matched {sorted(matched ^ want)[:5]} differ")
    print(f"  hostile partition: {run_info['refused']} records refused and {run_info['noted']} noted "
          f"in errors/, {len(matched)} matched, including a 50 MB post")


def shared_tweets(a):
    csv_path = os.path.join(a.shared, "tweets_covid_vaccine_pfizer", "vaccination_tweets_part.csv")
    if not os.path.exists(csv_path):
        print(f"skipped: {csv_path} not found")
        return
    import csv
    jsonl = os.path.join(a.work, "vaccination.jsonl")
    with open(csv_path, newline="", encoding="utf-8") as f, open(jsonl, "w", encoding="utf-8") as w:
        for r in csv.DictReader(f):
            w.write(json.dumps({"id": r["id"], "text": r["text"], "author": r["user_name"],
                                "created_at": r["date"], "platform": "x"}) + "\n")
    out = os.path.join(a.work, "vaccination-out")
    spark_job(a, csv_path, out, ["--input-format", "csv", "--id-col", "id", "--text-col", "text",
                                 "--author-col", "user_name", "--time-col", "date", "--platform", "x"])
    expected, dups, _ = local_suggest(a, jsonl, os.path.join(a.work, "vaccination-project"))
    compare(expected, dups, spark_matches(out), "COVID-vaccine tweets (CSV through Spark)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quarry", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--posts", type=int, default=20000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared", "data"))
    a = ap.parse_args()
    a.quarry = os.path.abspath(a.quarry)
    os.makedirs(a.work, exist_ok=True)
    print(f"generated corpus: {a.posts} posts")
    posts = os.path.join(a.work, "posts.jsonl")
    generate(posts, a.posts)
    out = os.path.join(a.work, "posts-out")
    spark_secs = spark_job(a, posts, out)
    expected, dups, local_secs = local_suggest(a, posts, os.path.join(a.work, "posts-project"))
    compare(expected, dups, spark_matches(out), "generated posts")
    print(f"  quarry add + suggest on one machine: {local_secs:.1f} s; the Spark job: {spark_secs:.1f} s")
    loop(a, posts, out)
    hostile(a)
    shared_tweets(a)
    print("spark checks passed")


if __name__ == "__main__":
    main()
