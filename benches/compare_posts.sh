#!/usr/bin/env bash
# Post ingest side by side with the raw-tantivy baseline of ../shared/bench, in one run, on
# one corpus of X API v1.1 posts (corpus.py --shape posts): `quarry init && quarry add`
# against the `index` limit, alternating runs (ab.py), then posts/s, MB/s and peak memory.
#
# usage: benches/compare_posts.sh                  POSTS=1000000 by default
#        POSTS=100000 RUNS=3 OUT=/tmp/qb benches/compare_posts.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$(cd "$HERE/../shared/bench" 2>/dev/null && pwd || true)}
[ -n "$B" ] && [ -d "$B/limits" ] || { echo "needs ../shared/bench (set B=/path/to/shared/bench)" >&2; exit 2; }
OUT=${OUT:-/tmp/quarry-bench}
POSTS=${POSTS:-1000000}
RUNS=${RUNS:-3}
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*"; }

log "building quarry and the baseline"
(cd "$HERE" && cargo build --release --quiet)
QB="$HERE/target/release/quarry"
CARGO_TARGET_DIR="$OUT/limits-target" cargo build --release --quiet --locked --manifest-path "$B/limits/Cargo.toml"
L="$OUT/limits-target/release"

T="$OUT/posts-$POSTS.jsonl"
if [ ! -s "$T" ]; then
  # About 1.5 KB a post in this shape; generate a little more and keep the first POSTS.
  MB=$(( POSTS * 153 / 100000 + 10 ))
  log "generating $POSTS posts (~$MB MB)"
  python3 "$B/corpus.py" --out "$OUT/gen-posts" --size-mb "$MB" --shape posts
  head -n "$POSTS" "$OUT/gen-posts/posts-${MB}mb.jsonl" > "$T"
fi
BYTES=$(wc -c < "$T")
N=$(wc -l < "$T")
echo "corpus: $T ($BYTES bytes, $N posts)"

log "ingest + index: raw tantivy (2 threads) vs quarry add, $RUNS rounds"
python3 "$B/ab.py" -r "$RUNS" -w 1 \
  "rm -rf $OUT/idx && mkdir $OUT/idx && $L/index $T $OUT/idx --threads 2 --budget-mb 256" \
  "rm -rf $OUT/qp && mkdir $OUT/qp && cd $OUT/qp && $QB init >/dev/null && $QB --threads 2 add $T" \
  | tee "$OUT/posts-ab.txt"
echo "(ratio_to_1 of cmd 2 is quarry's time over the baseline's: throughput ratio = 1 / that)"

log "quarry add alone: wall time and peak memory"
rm -rf "$OUT/qp" && mkdir "$OUT/qp" && (cd "$OUT/qp" && "$QB" init >/dev/null)
/usr/bin/time -f "%e %M" -o "$OUT/posts-time.txt" sh -c "cd $OUT/qp && $QB --threads 2 add $T >/dev/null"
read -r SECS KB < "$OUT/posts-time.txt"
python3 - "$SECS" "$KB" "$BYTES" "$N" <<'PY'
import sys
secs, kb, size, n = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"quarry add: {n} posts in {secs:.1f} s = {n / secs:,.0f} posts/s, {size / 1e6 / secs:.1f} MB/s, peak RSS {kb / 1024:.0f} MB")
PY
echo "stored: $("$QB" --project "$OUT/qp" search is:post --count) posts"
