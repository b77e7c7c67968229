#!/usr/bin/env bash
# quarry side by side with the baselines of ../shared/bench, in one run, on one corpus:
#   1. `quarry init && quarry add` against the raw-tantivy `index` limit (ingest + index);
#   2. the 20 queries of queries.tsv as whole processes: `quarry search --count` against
#      ripgrep 15 (rg_queries.sh);
#   3. in-process search latency with quotes (benches/latency.rs), p50 / p95.
# Everything it builds or generates goes to $OUT. Ratios come from ab.py (alternating runs).
#
# usage: benches/compare.sh              SIZE_MB=100 by default; SIZE_MB=1000 for the 1 GB run
#        SIZE_MB=1000 RUNS=3 OUT=/tmp/qb benches/compare.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$(cd "$HERE/../shared/bench" 2>/dev/null && pwd || true)}
[ -n "$B" ] && [ -d "$B/limits" ] || { echo "needs ../shared/bench (set B=/path/to/shared/bench)" >&2; exit 2; }
OUT=${OUT:-/tmp/quarry-bench}
SIZE_MB=${SIZE_MB:-100}
RUNS=${RUNS:-3}
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*"; }

log "building quarry and the baselines"
(cd "$HERE" && cargo build --release --quiet)
QB="$HERE/target/release/quarry"
CARGO_TARGET_DIR="$OUT/limits-target" cargo build --release --quiet --locked --manifest-path "$B/limits/Cargo.toml"
L="$OUT/limits-target/release"
[ -x "$OUT/venv/bin/python" ] || { python3 -m venv "$OUT/venv" && "$OUT/venv/bin/pip" install -q PyStemmer; }
P="$OUT/venv/bin/python"
[ -x "$OUT/rg15/bin/rg" ] || cargo install -q ripgrep --root "$OUT/rg15"
RG="$OUT/rg15/bin/rg"

S="$OUT/segments-${SIZE_MB}mb.jsonl"
[ -s "$S" ] || { log "generating a ${SIZE_MB} MB corpus"; "$P" "$B/corpus.py" --out "$OUT" --size-mb "$SIZE_MB" --shape segments; }
echo "corpus: $S ($(wc -c < "$S") bytes, $(wc -l < "$S") segments)"

log "1. ingest + index: quarry add vs raw tantivy (2 threads), $RUNS rounds"
python3 "$B/ab.py" -r "$RUNS" -w 1 \
  "rm -rf $OUT/idx && mkdir $OUT/idx && $L/index $S $OUT/idx --threads 2 --budget-mb 256" \
  "rm -rf $OUT/q && mkdir $OUT/q && cd $OUT/q && $QB init >/dev/null && $QB --threads 2 add $S"
echo "(ratio_to_1 of cmd 2 is quarry's time over the baseline's: throughput ratio = 1 / that)"
/usr/bin/time -f "quarry add peak_rss_kb=%M wall_s=%e" sh -c "rm -rf $OUT/q && mkdir $OUT/q && cd $OUT/q && $QB init >/dev/null && $QB --threads 2 add $S >/dev/null"

log "2. 20 queries as whole processes: ripgrep 15 vs quarry search --count"
python3 "$B/ab.py" -r "$RUNS" -w 1 \
  "sh $B/py/rg_queries.sh $S $RG" \
  "sh $HERE/benches/quarry_queries.sh $OUT/q $QB $B/py/queries.tsv"
echo "(ratio_to_1 of cmd 2 is quarry's time over ripgrep's: quarry is 1 / that times faster per query)"
sh "$B/py/rg_queries.sh" "$S" "$RG" > "$OUT/rg_hits.tsv" 2>/dev/null
sh "$HERE/benches/quarry_queries.sh" "$OUT/q" "$QB" "$B/py/queries.tsv" > "$OUT/quarry_hits.tsv" 2>/dev/null
echo "hits per query (kind, query, ripgrep lines, quarry segments):"
paste "$OUT/rg_hits.tsv" "$OUT/quarry_hits.tsv" | cut -f1,2,3,6

log "3. in-process latency with quotes (top 20 in document order, text and highlights)"
(cd "$HERE" && cargo bench --quiet --bench latency -- "$OUT/q" "$B/py/queries.tsv" 50)
