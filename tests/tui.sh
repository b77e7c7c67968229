#!/usr/bin/env bash
# End-to-end check of the full-screen review view (`quarry review` in a terminal).
#
# Usage: tests/tui.sh path/to/quarry
#
# Makes a project from data/sample, runs `quarry review` in a detached 120x40 tmux session,
# presses a, r, c (types a filter, Enter), u and q, checks the screen after each key and the
# decisions stored, through `quarry status`, while the view runs and after it quits.
# Needs tmux. Exits non-zero with a message on the first failure.
set -euo pipefail

fail() {
  echo "tui.sh: FAIL: $*" >&2
  exit 1
}

[ $# -eq 1 ] || fail "usage: $0 path/to/quarry"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed (apt-get install -y tmux)"
[ -f "$1" ] && [ -x "$1" ] || fail "$1 is not an executable"
Q=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
unset TMUX # works from inside a tmux session too
REPO=$(cd "$(dirname "$0")/.." && pwd)
CODER=tui-test
TIMEOUT=${TUI_TIMEOUT:-20} # seconds to wait for each screen

WORK=$(mktemp -d)
SOCK="$WORK/tmux.sock" # a tmux server of our own, so no one else's sessions are touched
SESSION=review
cleanup() {
  tmux -S "$SOCK" kill-server >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- the project
cd "$WORK"
"$Q" init >/dev/null || fail "quarry init"
"$Q" add "$REPO/data/sample" >/dev/null 2>&1 || fail "quarry add $REPO/data/sample"
"$Q" suggest --codebook sm-uptake >/dev/null || fail "quarry suggest --codebook sm-uptake"
REVIEW=(review --coder "$CODER" --codebook sm-uptake --order document)

# What the first three items are, from the line loop: skips store nothing.
LINES=$(printf 's\ns\nq\n' | "$Q" "${REVIEW[@]}" --lines)
heads=$(printf '%s\n' "$LINES" | sed -n 's/^\[\([0-9]*\) of \([0-9]*\)\] \([^ :(]*\).*/\1 \2 \3/p')
[ "$(printf '%s\n' "$heads" | wc -l)" -ge 3 ] || fail "the sample gave fewer than 3 suggestions"
TOTAL=$(printf '%s\n' "$heads" | sed -n 1p | cut -d' ' -f2)
CODE1=$(printf '%s\n' "$heads" | sed -n 1p | cut -d' ' -f3)
CODE2=$(printf '%s\n' "$heads" | sed -n 2p | cut -d' ' -f3)
CODE3=$(printf '%s\n' "$heads" | sed -n 3p | cut -d' ' -f3)
# The first item's document, segment id and the start of its text (evidence marks removed).
place1=$(printf '%s\n' "$LINES" | sed -n '3p')
DOC1=${place1%% · *}
SEG1=${place1##*#}
TEXT1=$(printf '%s\n' "$LINES" | sed -n 's/^  | //p' | head -n1 | tr -d '[]' | cut -c1-30)
[ -n "$DOC1" ] && [ -n "$SEG1" ] && [ -n "$TEXT1" ] || fail "could not read the first item: $LINES"
# The third item is changed to another code, chosen by typing its id as the filter.
TARGET=$CODE2
[ "$TARGET" != "$CODE3" ] || TARGET=$CODE1
[ "$TARGET" != "$CODE3" ] || fail "the first three suggestions have one code; pick other data"

# ---------------------------------------------------------------- helpers
screen() { tmux -S "$SOCK" capture-pane -p -t "$SESSION"; }

# wait_for TEXT...: waits until the screen shows every TEXT, or fails showing the screen.
wait_for() {
  local end=$((SECONDS + TIMEOUT)) s t missing
  while :; do
    s=$(screen 2>/dev/null || true)
    missing=""
    for t in "$@"; do
      grep -qF -- "$t" <<<"$s" || { missing=$t; break; }
    done
    [ -z "$missing" ] && return 0
    if [ "$SECONDS" -ge "$end" ]; then
      printf '%s\n' "---- screen ----" "$s" "----------------" >&2
      fail "waited ${TIMEOUT}s for \"$missing\" on the screen"
    fi
    sleep 0.1
  done
}

keys() { tmux -S "$SOCK" send-keys -t "$SESSION" "$@"; }

# count CODE COLUMN: a column of `quarry status --format csv` for CODER on CODE (0 if none).
count() {
  "$Q" status --format csv | awk -F, -v coder="$CODER" -v code="$1" -v col="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["coder"] == coder && $at["code"] == code { n += $at[col] }
    END { print n + 0 }'
}

# total COLUMN: a column of `quarry status --format csv` summed over CODER's codes.
total() {
  "$Q" status --format csv | awk -F, -v coder="$CODER" -v col="$1" '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["coder"] == coder { n += $at[col] }
    END { print n + 0 }'
}

expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got $2, expected $3"
}

# ---------------------------------------------------------------- the session
# The pane keeps running a shell after quarry ends, so its summary and exit status can be read.
tmux -S "$SOCK" -f /dev/null new-session -d -s "$SESSION" -x 120 -y 40 \
  "cd '$WORK' && '$Q' ${REVIEW[*]}; echo \"quarry exited with status \$?\"; sleep 600"

FOOTER="a accept · r reject · c change · m memo · s skip · u undo · ? help · q quit"
wait_for " 1 of $TOTAL · 1 of" "$DOC1" "#$SEG1" "$CODE1" "$TEXT1" "Rules that fired" "$FOOTER"
echo "ok: first item on screen ($DOC1 #$SEG1, $CODE1)"

keys a
wait_for "accepted" " 2 of $TOTAL · " "$CODE2"
expect "accepted on $CODE1 right after a" "$(count "$CODE1" accepted)" 1
echo "ok: a accepted $CODE1"

keys r
wait_for "rejected" " 3 of $TOTAL · " "$CODE3"
expect "rejected on $CODE2 right after r" "$(count "$CODE2" rejected)" 1
echo "ok: r rejected $CODE2"

keys c
wait_for "Change to which code?" "Enter apply"
keys -l "$TARGET"
wait_for "code: $TARGET" "> $TARGET"
keys Enter
wait_for "changed to $TARGET" " 4 of $TOTAL · "
expect "changed to $TARGET right after c" "$(count "$TARGET" changed_to)" 1
echo "ok: c changed $CODE3 to $TARGET"

keys u
wait_for "undone: " " 3 of $TOTAL · " "$CODE3"
expect "changed to $TARGET after u" "$(count "$TARGET" changed_to)" 0
echo "ok: u undid the change and brought $CODE3 back"

keys q
wait_for "2 decided, 0 skipped, 1 undone; $((TOTAL - 2)) left." "quarry exited with status 0"
echo "ok: q quit with the summary"

# ---------------------------------------------------------------- what is stored
expect "accepted on $CODE1" "$(count "$CODE1" accepted)" 1
expect "rejected on $CODE2" "$(count "$CODE2" rejected)" 1
expect "accepted in all" "$(total accepted)" 1
expect "rejected in all" "$(total rejected)" 1
expect "changed in all" "$(total changed_to)" 0
echo "ok: stored for $CODER: 1 accepted, 1 rejected, the change undone"
echo "tui.sh: all checks passed"
