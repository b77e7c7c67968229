#!/usr/bin/env python3
"""Apply quarry codebooks to a corpus on Apache Spark: each partition is piped through
`quarry match` (the binary is shipped to the executors; nothing is installed there).

    python quarry_match.py --codebook tdf --input posts.parquet --output out/
    spark-submit quarry_match.py --codebook my.toml --input s3a://bucket/posts/ \\
        --input-format json --id-col tweet_id --text-col full_text --output s3a://bucket/out/

Writes to OUTPUT:
  matches/   Parquet, one row per (post, code): id, codebook, code, rule, term, evidence
             (code points in the post's text, with the word and which rule and term found it),
             score, time, platform, text_hash, group
  posts/     the matched posts with their matches, gzipped JSON lines: what
             `quarry import matches OUTPUT` samples from
  counts.csv per code: matches and distinct texts overall, per month, per platform and per
             group (--group-col)
  errors/    records not matched, with their id where known and why, and records matched
             with a note (`matched`: true), as JSON lines
  run.json   what ran: codebooks, options, records, matches, refused

A score is the sum over a match's evidence stems of ln(1 + N / n), N the records matched
and n those holding the stem: the whole corpus's counts, added up here from each
partition's. Matches are those `quarry suggest` stores for the same posts, except that a
post repeating an earlier post's text is matched too (one partition cannot see the others);
`text_hash` lets such repeats be counted once, and counts.csv does.
"""

import argparse
import datetime
import json
import os
import shutil
import stat
import subprocess
import sys
import threading


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--codebook", action="append", required=True, metavar="NAME|FILE",
                    help="a built-in codebook (tdf, kta, sm-uptake) or a TOML file; repeatable")
    ap.add_argument("--input", required=True, help="file or folder Spark can read (local, hdfs://, s3a://...)")
    ap.add_argument("--input-format", choices=["json", "parquet", "csv"],
                    help="default: from the input's extension (json for .jsonl/.ndjson)")
    ap.add_argument("--output", required=True, help="folder to write (must not exist)")
    ap.add_argument("--quarry", default=shutil.which("quarry") or "quarry",
                    help="the quarry binary to ship to the executors (Linux, same architecture)")
    ap.add_argument("--master", help="Spark master (default: spark-submit's, or local[*] under python)")
    ap.add_argument("--id-col", help="default: id (JSON lines: what `quarry add` finds)")
    ap.add_argument("--text-col", help="default: text (JSON lines: what `quarry add` finds; a dotted path)")
    ap.add_argument("--author-col", help="default: author, if the input has it")
    ap.add_argument("--time-col", help="default: created_at, if the input has it")
    ap.add_argument("--platform-col", help="default: platform, if the input has it")
    ap.add_argument("--platform", help="platform of every post (x, mastodon, reddit, other)")
    ap.add_argument("--role-col", help="a column saying interviewer/participant (interviewers are left out)")
    ap.add_argument("--group-col", help="a column to count matches by (an author group, a forum)")
    ap.add_argument("--include-reposts", action="store_true", help="also match reposts")
    ap.add_argument("--include-interviewer", action="store_true", help="also match interviewers' records")
    ap.add_argument("--partitions", type=int, help="repartition the input into this many parts first")
    return ap.parse_args(argv)


def quarry_args(opts, codebooks):
    """The `quarry match` command line an executor runs, with shipped codebook files."""
    from pyspark import SparkFiles
    args = ["match"]
    for cb in codebooks:
        args += ["--codebook", SparkFiles.get(cb[5:]) if cb.startswith("file:") else cb]
    return args + opts


def executable(name):
    """The shipped binary, made executable (addFile keeps no mode bits on some clusters)."""
    from pyspark import SparkFiles
    path = SparkFiles.get(name)
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        try:
            os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError:
            pass
    return path


def record_id(line):
    """A record's id, read as leniently as possible, for reporting it."""
    try:
        o = json.loads(line, strict=False)
    except ValueError:
        return None
    if isinstance(o, dict):
        for k in ("id_str", "id"):
            if o.get(k) is not None:
                return str(o[k])
    return None


def match_partition(index, lines, binary, args):
    """Feeds a partition's records (JSON text, a line each, with its group) to `quarry match`
    and yields its output as rows: each match, each matched record once (`post`, for
    import), each record left out, and the partition's counts. Records that hold U+FFFD
    (Spark reads bytes that are not UTF-8 so) are matched as read, and noted."""
    proc = subprocess.Popen([executable(binary)] + args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 20)
    # A post's key: partition, line, and its place among the posts of the line (a line may
    # hold a page of posts).
    base = index << 44
    # What was sent, by quarry's line number (from 1): (record, group). Held for the
    # partition, so that matched records can be written out with their matches.
    sent = [None]
    own = []
    failure = []

    def feed():
        try:
            for line, group in lines:
                if "\ufffd" in line:
                    # Spark reads bytes that are not UTF-8 as U+FFFD, and the character may
                    # also be in the text itself: matched as read, and said so.
                    own.append((record_id(line), "holds U+FFFD (bytes that are not UTF-8 read "
                                "as the replacement character, or the character itself): "
                                "matched as read"))
                sent.append((line, group))
                proc.stdin.write(line.encode("utf-8", "surrogatepass") + b"\n")
        except BrokenPipeError:
            pass
        except Exception as e:  # reported once quarry has stopped
            failure.append(e)
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    tail = []

    def drain():
        for line in proc.stderr:
            tail.append(line.decode("utf-8", "replace").rstrip())
            del tail[:-20]

    threads = [threading.Thread(target=feed, daemon=True), threading.Thread(target=drain, daemon=True)]
    for t in threads:
        t.start()
    last_line, on_line = 0, {}
    none = (None,) * 16
    for raw in proc.stdout:
        o = json.loads(raw)
        kind = o["kind"]
        if kind == "match":
            n = o["line"]
            record, group = sent[n]
            if n != last_line:
                last_line, on_line = n, {}
            if o["id"] not in on_line:
                on_line[o["id"]] = len(on_line)
                if len(on_line) == 1:
                    yield ("post", base + (n << 10), o["id"]) + none[:13] + (record,)
            key = base + (n << 10) + min(on_line[o["id"]], 1023)
            yield ("match", key, o["id"], o["codebook"], o["code"], o["rule"], o["term"],
                   [(e.get("start"), e.get("end"), e.get("word"), e["rule"], e["term"]) for e in o["evidence"]],
                   o["stems"], o.get("time"), o["platform"], o["text_hash"], group, None, None, None, None)
        elif kind == "refused":
            n = o.get("line")
            record = sent[n][0] if n is not None and 0 < n < len(sent) else ""
            rid = o.get("id") or record_id(record)
            yield ("refused", None, rid) + none[:10] + (o["reason"], None, None, record[:300])
        elif kind == "counts":
            yield ("counts",) + none[:13] + (o["records"], o["df"], None)
    for t in threads:
        t.join()
    code = proc.wait()
    if failure:
        raise failure[0]
    if code not in (0, 1):
        raise RuntimeError(f"quarry match exited with {code}: " + " | ".join(tail))
    for rid, reason in own:
        yield ("noted", None, rid) + none[:10] + (reason, None, None, None)


def input_lines(spark, a):
    """The input as (JSON text of one record, group) pairs, and the `quarry match` options
    that read it. JSON lines go as they are, so quarry reads them as `quarry add` does; other
    formats are read by Spark and written as records under the names quarry reads."""
    from pyspark.sql import functions as F
    fmt = a.input_format
    if not fmt:
        ext = a.input.rstrip("/").rsplit(".", 1)[-1].lower()
        fmt = {"jsonl": "json", "ndjson": "json", "json": "json", "csv": "csv", "tsv": "csv"}.get(ext, "parquet")
    opts = []
    if a.include_reposts:
        opts.append("--include-reposts")
    if a.include_interviewer:
        opts.append("--include-interviewer")
    if fmt == "json":
        for flag, v in [("--id-col", a.id_col), ("--author-col", a.author_col), ("--time-col", a.time_col),
                        ("--text-field", a.text_col), ("--platform", a.platform)]:
            if v:
                opts += [flag, v]
        text = spark.read.text(a.input).where(F.trim("value") != "")
        group = a.group_col

        def with_group(line):
            if not group:
                return (line, None)
            try:
                o = json.loads(line, strict=False)
                v = o
                for part in group.split("."):
                    v = v.get(part) if isinstance(v, dict) else None
                return (line, None if v is None else str(v))
            except ValueError:
                return (line, None)

        return text.rdd.map(lambda r: with_group(r[0])), opts
    if fmt == "csv":
        sep = "\t" if a.input.lower().endswith(".tsv") else ","
        df = (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
              .option("sep", sep).csv(a.input))
    else:
        df = spark.read.parquet(a.input)
    cols = set(df.columns)

    def pick(given, default):
        if given:
            if given.split(".")[0] not in cols:
                sys.exit(f"quarry_match: the input has no column `{given}` (it has: {', '.join(sorted(cols))})")
            return given
        return default if default in cols else None

    wanted = {
        "id": pick(a.id_col, "id"),
        "text": pick(a.text_col, "text"),
        "author": pick(a.author_col, "author"),
        "created_at": pick(a.time_col, "created_at"),
        "platform": pick(a.platform_col, "platform"),
        "role": pick(a.role_col, "role"),
        "is_reply": pick(None, "is_reply"),
        "is_repost": pick(None, "is_repost"),
        "is_quote": pick(None, "is_quote"),
        "reply_to": pick(None, "reply_to"),
    }
    if not wanted["text"]:
        sys.exit("quarry_match: the input has no `text` column (use --text-col)")
    out = [F.col(c).alias(name) for name, c in wanted.items() if c]
    if a.platform and not wanted["platform"]:
        out.append(F.lit(a.platform).alias("platform"))
    group = pick(a.group_col, None)
    out.append((F.col(group).cast("string") if group else F.lit(None).cast("string")).alias("_group"))
    flags = {"is_reply", "is_repost", "is_quote"}

    def as_line(r):
        d = r.asDict()
        g = d.pop("_group")
        rec = {}
        for k, v in d.items():
            if v is None:
                continue
            if k in flags:
                rec[k] = str(v).strip().lower() in ("true", "1", "yes")
            else:
                rec[k] = v if isinstance(v, str) else str(v)
        return (json.dumps(rec, ensure_ascii=False), g)

    return df.select(*out).rdd.map(as_line), opts


def main(argv=None):
    a = parse_args(argv)
    from pyspark.sql import SparkSession, functions as F, types as T

    builder = SparkSession.builder.appName("quarry match").config(
        "spark.sql.autoBroadcastJoinThreshold", "-1")
    if a.master:
        builder = builder.master(a.master)
    elif "SPARK_ENV_LOADED" not in os.environ and "spark.master" not in os.environ.get("SPARK_CONF", ""):
        builder = builder.master(os.environ.get("QUARRY_SPARK_MASTER", "local[*]"))
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    binary = os.path.abspath(a.quarry) if os.path.exists(a.quarry) else shutil.which(a.quarry)
    if not binary:
        sys.exit(f"quarry_match: no quarry binary at `{a.quarry}` (use --quarry)")
    sc.addFile(binary)
    codebooks = []
    for cb in a.codebook:
        if os.path.exists(cb):
            sc.addFile(os.path.abspath(cb))
            codebooks.append("file:" + os.path.basename(cb))
        else:
            codebooks.append(cb)
    # Fail early, on the driver, on a codebook quarry cannot read.
    check = subprocess.run([binary, "match"] + sum((["--codebook", c] for c in a.codebook), []),
                           input=b"", capture_output=True)
    if check.returncode == 2:
        sys.exit("quarry_match: " + check.stderr.decode("utf-8", "replace").strip())

    lines, opts = input_lines(spark, a)
    if a.partitions:
        lines = lines.repartition(a.partitions)
    out = a.output.rstrip("/")
    name = os.path.basename(binary)
    evidence = T.ArrayType(T.StructType([
        T.StructField("start", T.LongType()), T.StructField("end", T.LongType()),
        T.StructField("word", T.StringType()), T.StructField("rule", T.IntegerType()),
        T.StructField("term", T.IntegerType())]))
    schema = T.StructType([
        T.StructField("kind", T.StringType()), T.StructField("key", T.LongType()),
        T.StructField("id", T.StringType()), T.StructField("codebook", T.StringType()),
        T.StructField("code", T.StringType()), T.StructField("rule", T.ArrayType(T.StringType())),
        T.StructField("term", T.ArrayType(T.StringType())), T.StructField("evidence", evidence),
        T.StructField("stems", T.ArrayType(T.StringType())), T.StructField("time", T.StringType()),
        T.StructField("platform", T.StringType()), T.StructField("text_hash", T.StringType()),
        T.StructField("group", T.StringType()), T.StructField("reason", T.StringType()),
        T.StructField("records", T.LongType()), T.StructField("df", T.MapType(T.StringType(), T.LongType())),
        T.StructField("record", T.StringType()),
    ])

    def run(index, part):
        return match_partition(index, part, name, quarry_args(opts, codebooks))

    stream = spark.createDataFrame(lines.mapPartitionsWithIndex(run), schema)
    # Written once: everything after reads it back instead of running quarry again.
    stream.write.parquet(out + "/_stream")
    stream = spark.read.parquet(out + "/_stream")

    n = stream.where("kind = 'counts'").agg(F.sum("records").alias("n")).collect()[0]["n"] or 0
    df_counts = (stream.where("kind = 'counts'").select(F.explode("df").alias("stem", "n"))
                 .groupBy("stem").agg(F.sum("n").alias("df")))
    matches = stream.where("kind = 'match'")
    scores = (matches.select("key", "codebook", "code", F.explode("stems").alias("stem"))
              .join(F.broadcast(df_counts), "stem")
              .groupBy("key", "codebook", "code")
              .agg(F.sum(F.log(1.0 + F.lit(float(n)) / F.col("df"))).alias("score")))
    # The big joins are sort-merge joins: Spark's size guesses would broadcast whole
    # tables of posts into memory.
    scored = (matches.join(scores.hint("merge"), ["key", "codebook", "code"], "left")
              .withColumn("score", F.coalesce("score", F.lit(0.0))))
    (scored.select("id", "codebook", "code", "rule", "term", "evidence", "score", "time", "platform",
                   "text_hash", "group", "key")
     .write.parquet(out + "/matches"))
    matched = spark.read.parquet(out + "/matches")

    # The matched records with their matches, for `quarry import matches`.
    per_post = matched.groupBy("key").agg(
        F.collect_list(F.struct("codebook", "code", "term")).alias("matches"))
    posts = stream.where("kind = 'post'").select("key", "record").join(per_post.hint("merge"), "key")
    posts.drop("key").write.option("compression", "gzip").json(out + "/posts")

    # Records not matched, with why; and records matched with a note.
    (stream.where("kind in ('refused', 'noted')")
     .select("id", (F.col("kind") == "noted").alias("matched"), "reason", "record")
     .write.json(out + "/errors"))
    errors = spark.read.schema("id string, matched boolean, reason string, record string").json(
        out + "/errors")
    n_errors = errors.where(~F.col("matched")).count()
    n_noted = errors.where(F.col("matched")).count()

    write_counts(matched, out)
    n_matches = matched.count()
    run_info = {
        "codebooks": a.codebook,
        "input": a.input,
        "options": {k: v for k, v in vars(a).items() if k not in ("codebook", "input", "output")},
        # How quarry match read the records: `quarry import matches` adds them the same way.
        "match_args": opts,
        "records": n,
        "matches": n_matches,
        "refused": n_errors,
        "noted": n_noted,
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quarry": subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip(),
    }
    write_text(out + "/run.json", json.dumps(run_info, indent=2) + "\n", spark)
    print(f"quarry_match: {n} records, {n_matches} matches, {n_errors} records not matched, "
          f"{n_noted} matched with a note; written to {out}")
    for r in errors.limit(10).collect():
        what = "noted" if r["matched"] else "not matched"
        print(f"  {what}: id {r['id']}: {r['reason']}" + (f" ({r['record'][:80]!r})" if r["record"] else ""))
    spark.stop()
    return 0


def write_counts(matched, out):
    """counts.csv: per (codebook, code) and breakdown, matches and distinct texts."""
    from pyspark.sql import functions as F
    import csv
    import io
    rows = []
    breakdowns = [("all", F.lit("")), ("month", F.substring("time", 1, 7)),
                  ("platform", F.col("platform")), ("group", F.col("group"))]
    for by, value in breakdowns:
        got = (matched.withColumn("value", F.coalesce(value, F.lit("")))
               .groupBy("codebook", "code", "value")
               .agg(F.count("*").alias("matches"), F.countDistinct("text_hash").alias("distinct_texts"))
               .collect())
        if by == "group" and all(r["value"] == "" for r in got):
            continue
        rows += [(r["codebook"], r["code"], by, r["value"], r["matches"], r["distinct_texts"]) for r in got]
    rows.sort()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["codebook", "code", "by", "value", "matches", "distinct_texts"])
    w.writerows(rows)
    write_text(out + "/counts.csv", buf.getvalue(), matched.sparkSession)


def write_text(path, text, spark):
    """A small file next to Spark's output, wherever that is (local or a Hadoop file system)."""
    if "://" not in path or path.startswith("file://"):
        local = path[7:] if path.startswith("file://") else path
        with open(local, "w", encoding="utf-8") as f:
            f.write(text)
        return
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    p = jvm.org.apache.hadoop.fs.Path(path)
    stream = p.getFileSystem(conf).create(p, True)
    stream.write(bytearray(text.encode("utf-8")))
    stream.close()


if __name__ == "__main__":
    sys.exit(main())
