#!/usr/bin/env bash
# `quarry suggest` side by side with the codebook baselines of ../shared/bench, in one run, on
# one segments corpus (corpus.py --shape segments):
#   0. `quarry init && quarry --threads 2 add` once (timed on its own; not part of suggest);
#   1. the built-in codebooks (tdf, kta, sm-uptake): quarry suggest on 1 and 2 threads;
#   2. generated rule sets of 30 and 1000 rules (corpus.py --rules N, turned into codebooks by
#      benches/rules_to_codebook.py): quarry suggest on 1 and 2 threads against the `rules`
#      limit (memo mode, evidence written) on 1 and 2 threads and rules.py (PyStemmer).
# Every quarry run stores its suggestions and does the whole work (`--rerun` when this build
# has it). Before the timed rounds, quarry's per-code counts are compared with the limit's
# evidence lines (limit on frostem, quarry's stemmer); those runs are also the warm-up, so
# ab.py runs with -w 0. Everything it builds or generates goes to $OUT (a corpus already in
# /tmp/bench is reused); quarry is built in $CARGO_TARGET_DIR (default: target/).
#
# usage: benches/compare_suggest.sh              SIZE_MB=100, RUNS=3 by default
#        SIZE_MB=100 RUNS=5 OUT=/tmp/qb benches/compare_suggest.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$(cd "$HERE/../shared/bench" 2>/dev/null && pwd || true)}
[ -n "$B" ] && [ -d "$B/limits" ] || { echo "needs ../shared/bench (set B=/path/to/shared/bench)" >&2; exit 2; }
OUT=${OUT:-/tmp/quarry-bench}
SIZE_MB=${SIZE_MB:-100}
RUNS=${RUNS:-3}
RULE_SETS=${RULE_SETS:-"30 1000"}
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*"; }

log "building quarry and the baselines"
(cd "$HERE" && cargo build --release --quiet)
QB="${CARGO_TARGET_DIR:-$HERE/target}/release/quarry"
CARGO_TARGET_DIR="$OUT/limits-target" cargo build --release --quiet --locked --manifest-path "$B/limits/Cargo.toml"
L="$OUT/limits-target/release"
[ -x "$OUT/venv/bin/python" ] || { python3 -m venv "$OUT/venv" && "$OUT/venv/bin/pip" install -q PyStemmer; }
P="$OUT/venv/bin/python"

# The corpus is deterministic, so one made earlier (here or in shared/bench's default
# /tmp/bench) is reused as it is.
S=""
for d in "$OUT" /tmp/bench; do
  [ -s "$d/segments-${SIZE_MB}mb.jsonl" ] && { S="$d/segments-${SIZE_MB}mb.jsonl"; break; }
done
if [ -z "$S" ]; then
  log "generating a ${SIZE_MB} MB corpus"
  "$P" "$B/corpus.py" --out "$OUT" --size-mb "$SIZE_MB" --shape segments
  S="$OUT/segments-${SIZE_MB}mb.jsonl"
fi
BYTES=$(wc -c < "$S")
NSEG=$(grep -c . "$S")
echo "corpus: $S ($BYTES bytes, $NSEG segments)"

# Rule sets do not depend on the corpus size: make them next to a tiny corpus.
for n in $RULE_SETS; do
  if [ ! -s "$OUT/rules-$n.json" ]; then
    "$P" "$B/corpus.py" --out "$OUT/gen-rules" --size-mb 0.01 --shape segments --rules "$n"
    cp "$OUT/gen-rules/rules-$n.json" "$OUT/rules-$n.json"
  fi
  python3 "$HERE/benches/rules_to_codebook.py" "$OUT/rules-$n.json" -o "$OUT/rules-$n.toml" --id "gen$n"
done
# Rules per codebook set, for the table.
nrules() { "$QB" codebook check "$1" | sed -n 's/.*, \([0-9]*\) rules;.*/\1/p'; }
echo "builtin $(( $(nrules tdf) + $(nrules kta) + $(nrules sm-uptake) ))" > "$OUT/suggest-rules.txt"
for n in $RULE_SETS; do
  "$QB" codebook check "$OUT/rules-$n.toml"
  echo "gen$n $(nrules "$OUT/rules-$n.toml")" >> "$OUT/suggest-rules.txt"
done

log "0. project: quarry init && quarry --threads 2 add (not part of the suggest figures)"
Q="$OUT/qs"
rm -rf "$Q" && mkdir "$Q" && (cd "$Q" && "$QB" init >/dev/null)
/usr/bin/time -f "%e %M" -o "$OUT/suggest-add-time.txt" "$QB" --project "$Q" --threads 2 add "$S" >/dev/null
read -r SECS KB < "$OUT/suggest-add-time.txt"
echo "quarry add: $SECS s, peak RSS $((KB / 1024)) MB"

SUGGEST=suggest
if "$QB" suggest --help | grep -q -- '--rerun'; then SUGGEST="suggest --rerun"; fi
echo "timed command: quarry $SUGGEST (every run stores its suggestions)"
SUG="$QB --project $Q"

# check_counts NAME CODEBOOK_ARGS [RULES_JSON]: one quarry run on 2 threads (its summary:
# per-code segments, suggestions stored; peak memory) and, for a generated set, the limit's
# evidence lines per rule, on frostem as quarry (both as the limit gives them and with the
# phrases quarry does not match across a clause break or sentence end taken out:
# benches/limit_matches.py).
check_counts() {
  local name=$1 books=$2 rules=${3:-}
  /usr/bin/time -f "%e %M" -o "$OUT/suggest-$name-time.txt" \
    $SUG --threads 2 $SUGGEST $books > "$OUT/suggest-$name.txt"
  read -r SECS KB < "$OUT/suggest-$name-time.txt"
  if [ -n "$rules" ]; then
    "$L/rules" "$S" "$rules" --threads 2 --mode memo --stemmer frostem --emit 2>/dev/null \
      | python3 "$HERE/benches/limit_matches.py" > "$OUT/suggest-$name-limit.json"
  fi
  python3 - "$name" "$OUT/suggest-$name.txt" "${rules:+$OUT/suggest-$name-limit.json}" "$KB" "$SECS" <<'PY'
import json, re, sys
name, qpath, lpath, kb, secs = sys.argv[1:6]
lines = open(qpath, encoding="utf-8").read().splitlines()
# The table: "SEGMENTS SHARE%  CODE  TERMS" per code, then "Read N of M segments ..." and
# "K suggestions waiting for review ...".
segs = {}
for l in lines:
    f = l.split()
    if len(f) >= 3 and f[0].isdigit():
        segs[f[2]] = int(f[0])
text = "\n".join(lines)
stored = re.search(r"(\d+) suggestions waiting for review", text).group(1)
read = re.search(r"Read (\d+) of", text).group(1)
print(f"{name}: {len(segs)} codes; quarry stored {stored} suggestions, reading {read} segments;"
      f" counting run {float(secs):.1f} s, peak RSS {int(kb) // 1024} MB")
if lpath:
    both = json.load(open(lpath))
    raw, lim = both["raw"], both["phrases_within_clauses"]
    print(f"  the limit's own (segment, rule) matches: {sum(raw.values())}; without phrases across a"
          f" clause break: {sum(lim.values())}")
    # A generated codebook: CODEBOOK.DOMAIN.RULE; rules are the codes of depth 3.
    q = {c.split(".")[2].upper(): n for c, n in segs.items() if c.count(".") == 2}
    qtotal, ltotal = sum(q.values()), sum(lim.values())
    diff = sorted(((q.get(r, 0) - lim.get(r, 0), r) for r in set(lim) | set(q)), key=lambda x: -abs(x[0]))
    bad = [d for d in diff if d[0]]
    print(f"  (segment, rule) matches: quarry {qtotal}, limit on frostem (phrases within clauses) {ltotal}: quarry - limit = "
          f"{qtotal - ltotal:+d} ({(qtotal - ltotal) / max(ltotal, 1) * 100:+.3f} %); rules that differ: {len(bad)}"
          + (f"; largest: {', '.join(f'{r} {d:+d}' for d, r in bad[:5])}" if bad else ""))
PY
}

# time_set NAME CODEBOOK_ARGS [RULES_JSON]: alternating rounds (ab.py) of quarry on 2 and 1
# threads, and for a generated set the limit on 2 and 1 threads and rules.py.
time_set() {
  local name=$1 books=$2 rules=${3:-}
  local cmds=("$SUG --threads 2 $SUGGEST $books" "$SUG --threads 1 $SUGGEST $books")
  if [ -n "$rules" ]; then
    cmds+=("$L/rules $S $rules --threads 2 --mode memo --emit"
           "$L/rules $S $rules --threads 1 --mode memo --emit"
           "$P $B/py/rules.py $S $rules --emit")
  fi
  python3 "$B/ab.py" -r "$RUNS" -w 0 "${cmds[@]}" | tee "$OUT/suggest-ab-$name.txt"
}

log "1. built-in codebooks (tdf, kta, sm-uptake; their default scope), $RUNS rounds"
BUILTIN="--codebook tdf --codebook kta --codebook sm-uptake"
check_counts builtin "$BUILTIN"
time_set builtin "$BUILTIN"

for n in $RULE_SETS; do
  log "2. generated $n rules: quarry vs the rules limit vs rules.py, $RUNS rounds"
  check_counts "gen$n" "--codebook $OUT/rules-$n.toml" "$OUT/rules-$n.json"
  time_set "gen$n" "--codebook $OUT/rules-$n.toml" "$OUT/rules-$n.json"
done

log "summary (whole-process medians; MB = 10^6 bytes of the JSONL corpus)"
python3 - "$OUT" "$BYTES" "$NSEG" "$RULE_SETS" <<'PY'
import re, sys
out, size, nseg, sets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
names = ["builtin"] + [f"gen{n}" for n in sets]
nrules = dict(l.split() for l in open(f"{out}/suggest-rules.txt"))
labels = ["quarry", "quarry", "limit", "limit", "rules.py"]
threads = [2, 1, 2, 1, 1]
med, pair = {}, {}
for name in names:
    for line in open(f"{out}/suggest-ab-{name}.txt"):
        m = re.match(r"cmd=(\d+) median_s=([\d.]+) .*ratio_to_1=([\d.]+)", line)
        if m:
            i = int(m.group(1)) - 1
            med[name, i] = float(m.group(2))
            pair[name, i] = float(m.group(3))
print(f"{'codebook':>8} {'rules':>5} {'program':>9} {'thr':>3} {'median s':>9} {'MB/s':>7} {'segments/s':>11}")
for name in names:
    for i in range(5):
        if (name, i) in med:
            t = med[name, i]
            print(f"{name:>8} {nrules[name]:>5} {labels[i]:>9} {threads[i]:>3} {t:9.2f} {size / 1e6 / t:7.1f} {nseg / t:11,.0f}")
print()
def goal(label, v, ok):
    print(f"  {label:62} {v:6.2f}x  {'meets' if ok(v) else 'misses'} the goal")
for name in names[1:]:
    if (name, 2) not in med:
        continue
    print(f"{name}:")
    # ab.py's ratio_to_1 for quarry (cmd 1) is 1; the limit at 2 threads is cmd 3 with
    # ratio t_limit / t_quarry per round, i.e. quarry's throughput over the limit's.
    goal("quarry 2 thr vs limit 2 thr (throughput; goal >= 0.5x)", med[name, 2] / med[name, 0], lambda v: v >= 0.5)
    print(f"  {'  (median of per-round ratios)':62} {pair[name, 2]:6.2f}x")
    goal("quarry 2 thr vs rules.py (goal >= 8x)", med[name, 4] / med[name, 0], lambda v: v >= 8)
for name in names:
    if (name, 1) in med:
        goal(f"{name}: quarry 2 threads vs 1 thread speedup (goal >= 1.8x)", med[name, 1] / med[name, 0], lambda v: v >= 1.8)
    if (name, 3) in med:
        print(f"  {name + ': limit 2 threads vs 1 thread (for reference)':62} {med[name, 3] / med[name, 2]:6.2f}x")
gens = [n for n in names[1:] if (n, 0) in med]
if len(gens) >= 2:
    a, b = gens[0], gens[-1]
    for i, thr in ((0, 2), (1, 1)):
        goal(f"quarry {b} cost vs {a} cost, {thr} thr (goal <= 1.5x)", med[b, i] / med[a, i], lambda v: v <= 1.5)
    print(f"  {f'limit {b} vs {a}, 2 thr (for reference)':62} {med[b, 2] / med[a, 2]:6.2f}x")
PY
