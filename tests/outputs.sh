#!/usr/bin/env bash
# Records what every README command prints on the sample study, to compare two builds.
#
# Usage: tests/outputs.sh path/to/quarry OUTDIR
#
# Makes a project from data/sample in a new temporary folder and runs the README's commands
# on it (every row of its command table, in the formats it names), writing each one's
# stdout, stderr and exit code to OUTDIR/NN-name.txt, and the files the commands write
# beside them. The temporary folder's path is replaced by $STUDY and dates by DATE, so two
# runs of one build give identical folders: `diff -r before after` then shows what a change
# altered. Used to check that a refactor (issue 16) leaves the CLI's output byte for byte.
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 path/to/quarry OUTDIR" >&2; exit 2; }
Q=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
REPO=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$2" && OUT=$(cd "$2" && pwd)
rm -f "$OUT"/*
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STUDY="$WORK/study"
mkdir -p "$STUDY"
cd "$STUDY"
export QUARRY_CODER=ana NO_COLOR=1 QUARRY_CONFIG="$WORK/config"
unset QUARRY_PROJECT
n=0

# Replaces what differs between two runs of one build: the folder, today's date and times.
normalise() {
  sed -e "s#$WORK#\$WORK#g" -e "s#$REPO#\$REPO#g" \
    -e 's/[0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}[T ][0-9:.]\{8,\}Z\?/DATETIME/g' \
    -e "s/$(date -u +%Y-%m-%d)/DATE/g" \
    -e 's/\b[0-9.]\+ \?\(ms\|s\)\b/TIME/g' \
    -e 's/[0-9.]\+ \(docs\|segments\|posts\|MB\)\/s/RATE/g' \
    -e 's/&quot;at&quot;:[0-9]\+/\&quot;at\&quot;:MS/g' -e 's/"at":[0-9]\+/"at":MS/g'
}

# run NAME ARGS...: runs quarry with ARGS (stdin from $IN if set) and records the outcome.
run() {
  local name=$1
  shift
  n=$((n + 1))
  local f
  f=$(printf '%s/%02d-%s.txt' "$OUT" "$n" "$name")
  {
    echo "\$ quarry $*"
    if [ -n "${IN-}" ]; then
      printf '%b' "$IN" | "$Q" "$@" >"$WORK/o" 2>"$WORK/e"
    else
      "$Q" "$@" </dev/null >"$WORK/o" 2>"$WORK/e"
    fi
    echo "exit $?"
    echo "--- stdout"
    cat "$WORK/o"
    echo "--- stderr"
    cat "$WORK/e"
  } | normalise >"$f"
}

# keep FILE...: copies files a command wrote into OUTDIR (zip files as their listing).
keep() {
  local p
  for p in "$@"; do
    if [ ! -e "$p" ]; then
      echo "missing" >"$OUT/file-$(basename "$p")"
    elif [[ $p == *.qdpx || $p == *.xlsx ]]; then
      unzip -p "$p" | normalise >"$OUT/file-$(basename "$p")"
    else
      normalise <"$p" >"$OUT/file-$(basename "$p")"
    fi
  done
}

run init init
run add add "$REPO/data/sample"
run add-again add "$REPO/data/sample"
run list-documents list documents
run list-segments list segments --document P06_interview
run list-speakers list speakers
run list-speakers-json list speakers --format json
run search search 'misinformation OR "fake news"' --limit 3
run search-context search 'hierarch* role:participant' --context 1
run search-csv search 'trust' --format csv
run search-json search 'trust NEAR/5 tweets' --format json
run search-jsonl search 'evidence' --format jsonl --limit 5
run search-count search --count -- '-twitter trust'
run search-rank search 'twitter' --rank --limit 5
run search-posts search 'trust hashtag:meded is:original'
run search-bad search 'trust AND ('
run show show P06_interview
run show-segment show '#5' --context 1
run show-missing show P99
run speakers-set speakers set 'Lena Marsh' --role interviewer
run attrs-import attrs import "$REPO/data/sample/participants.csv"
run codebook-list codebook list
run codebook-show codebook show sm-uptake
run codebook-explain codebook explain tdf --code tdf.knowledge
run codebook-check codebook check kta
run codebook-new codebook new mine
keep "$STUDY/mine.toml"
run codebook-export codebook export sm-uptake --format qdc --out "$WORK/sm.qdc"
keep "$WORK/sm.qdc"
run codebook-import codebook import "$WORK/sm.qdc" --out "$WORK/sm-imported.toml"
keep "$WORK/sm-imported.toml"
run suggest-dry suggest --codebook tdf --dry-run
run suggest suggest --codebook sm-uptake --codebook kta
run list-suggestions list suggestions
run triage triage --codebook sm-uptake
run triage-json triage --codebook sm-uptake --format json
run review-lines review --lines --codebook sm-uptake --order document --coder ana
IN='a\na\nr\ns\nq\n' run review-decide review --lines --codebook sm-uptake --order document --coder ana
run review-export review export --coder bo --codebook sm-uptake --out "$WORK/review.csv"
keep "$WORK/review.csv"
sed -i '2,6s/,,/,yes,/' "$WORK/review.csv" 2>/dev/null
run review-import review import "$WORK/review.csv" --coder bo
run code code 5 smu.barriers --codebook sm-uptake --memo 'by hand'
run code-hits search 'hierarch*' --codebook sm-uptake --code-hits smu.barriers
run undo undo
run status status
run status-json status --format json
run rules rules --codebook sm-uptake
run rules-worst rules --codebook sm-uptake --worst
run agreement agreement --coders ana,bo --codebook sm-uptake
run tune codebook tune sm-uptake --below 0.9 --out "$WORK/tuned.toml"
keep "$WORK/tuned.toml"
run config config coder ana
run export-quotes-csv export quotes --codebook sm-uptake --status all --out "$WORK/q.csv"
run export-quotes-md export quotes --codebook sm-uptake --cite role --out "$WORK/q.md"
run export-quotes-json export quotes --status all --unit sentence --out "$WORK/q.json"
keep "$WORK/q.csv" "$WORK/q.md" "$WORK/q.json"
run export-refi export refi --out "$WORK/study.qdpx"
keep "$WORK/study.qdpx"
run report-md report --out "$WORK/report.md"
run report-json report --out "$WORK/report.json"
run report-html report --codebook sm-uptake --out "$WORK/report.html"
keep "$WORK/report.md" "$WORK/report.json" "$WORK/report.html"
run check check
run backup backup "$WORK/backup"
run restore restore "$WORK/backup" --to "$WORK/restored"
run reindex reindex
run remove-refused remove P06_interview
run unlabelled speakers unlabelled fieldnotes 'Field worker'
run remove remove fieldnotes
mkdir -p "$WORK/other" && cd "$WORK/other"
run init-other init
run import-refi import refi "$WORK/study.qdpx"
run other-status status
cd "$WORK"
run demo demo --out "$WORK/demo"
echo "$n commands recorded in $OUT"
