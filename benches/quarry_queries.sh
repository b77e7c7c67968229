#!/bin/sh
# The 20 queries of ../shared/bench/py/queries.tsv as `quarry search --count` processes, one
# per query (whole-process timing, like rg_queries.sh). Terms are stemmed words, AND is
# implicit, phrases are quoted. stdout: kind<TAB>query<TAB>count.
# usage: quarry_queries.sh PROJECT_DIR QUARRY_BINARY QUERIES_TSV
P="$1"; Q="$2"; T="$3"
[ -d "$P/.quarry" ] && [ -x "$Q" ] && [ -r "$T" ] || { echo "usage: quarry_queries.sh PROJECT_DIR QUARRY_BINARY QUERIES_TSV" >&2; exit 2; }
START=$(date +%s%N)
N=0
while IFS="$(printf '\t')" read -r kind query; do
  [ -n "$query" ] || continue
  printf '%s\t%s\t%s\n' "$kind" "$query" "$("$Q" --project "$P" search --count "$query")"
  N=$((N + 1))
done < "$T"
END=$(date +%s%N)
echo "tool=quarry_queries queries=$N secs=$(awk -v s="$START" -v e="$END" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')" >&2
