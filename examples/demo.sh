#!/usr/bin/env bash
# The main job for now: the CLI's fixed forms on the dates that matter around National Day 2026.
# Usage: examples/demo.sh path/to/dueday
set -euo pipefail
dueday=${1:-dueday}
run() { echo "\$ dueday $*"; "$dueday" "$@"; echo; }
run coverage
run day 2026-10-10
run day 2026-10-11
run add 2026-09-30 2
run between 2026-09-30 2026-10-12
run deadline 2026-09-30T10:00:00+08:00 2 --explain
run deadline 2026-09-30T10:00:00+08:00 2 --rule hours
run deadline 2026-12-28T10:00:00+08:00 5 --provisional
echo "\$ dueday add 2026-12-28 5    # past the published notices: exit 2"
"$dueday" add 2026-12-28 5 || echo "(exit $?)"
