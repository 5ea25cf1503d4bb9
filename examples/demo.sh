#!/usr/bin/env bash
# The main job: replay the October 2026 month of water-connection cases through the SLA engine
# and print its summary; write the October circular (通报) as HTML next to the events file and print
# the headline of its text form; then the calendar's answers on the dates that matter around
# National Day.
# Usage: examples/demo.sh path/to/dueday [events.jsonl]
set -euo pipefail
dueday=${1:-dueday}
events=${2:-october-2026-events.jsonl}
here=$(dirname "$0")
echo "\$ dueday replay --input examples/october-2026/commands.jsonl --output $events --summary"
"$dueday" replay --input "$here/october-2026/commands.jsonl" --output "$events" --summary 2>&1
echo
echo "first events of $events:"
head -n 4 "$events"
echo
circular="${events%.jsonl}"
circular="${circular%-events}-circular.html"
echo "\$ dueday report --month 2026-10 --events $events --format html -o $circular"
"$dueday" report --month 2026-10 --events "$events" --format html -o "$circular"
echo "wrote $circular (A4, open it in a browser or print it)"
echo
echo "\$ dueday report --month 2026-10 --events $events    # the text form's headline: title, part 一, part 五"
# awk reads to the end (no early exit): under pipefail, a report cut off by SIGPIPE would fail the job.
"$dueday" report --month 2026-10 --events "$events" | awk '
  NR <= 2 || /^一、/ { print; if (/^一、/) { getline; print } next }
  /^五、/ && !done { named = 1 }
  named && /^$/ { named = 0; done = 1 }
  named { print }'
echo
run() { echo "\$ dueday $*"; "$dueday" "$@"; echo; }
run day 2026-10-10
run add 2026-09-30 2
run deadline 2026-09-30T10:00:00+08:00 2 --explain
run deadline 2026-12-28T10:00:00+08:00 5 --provisional
