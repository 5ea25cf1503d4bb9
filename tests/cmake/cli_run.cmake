# `dueday run` and `dueday tick` over a store of their own: one scenario per test, in WORK (removed
# first and at the end).
#   -DCLI=<dueday> -DOUTBOX=<store_outbox> -DDATA=<tests/data> -DOCTOBER=<commands.jsonl>
#   -DWORK=<dir> -DSCENARIO=october|twice|bad-lines|foreign|tick|failure
set(db ${WORK}/store.db)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# Runs the CLI (stdin from INPUT, else empty) and checks its exit code; leaves stdout and stderr in
# out and err.
function(dueday expected_exit)
  cmake_parse_arguments(R "" "INPUT" "ARGS" ${ARGN})
  if(NOT DEFINED R_INPUT)
    set(R_INPUT /dev/null)
  endif()
  execute_process(COMMAND ${CLI} ${R_ARGS} INPUT_FILE ${R_INPUT} RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  if(NOT rc STREQUAL expected_exit)
    message(FATAL_ERROR "dueday ${R_ARGS}: exit ${rc}, expected ${expected_exit}\nstdout: ${o}\nstderr: ${e}")
  endif()
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()

function(expect what actual expected)
  if(NOT actual STREQUAL expected)
    message(FATAL_ERROR "${what}:\n${actual}\nexpected:\n${expected}")
  endif()
endfunction()

function(expect_one_line actual regex)
  if(NOT actual MATCHES "^dueday: [^\n]*\n$" OR NOT actual MATCHES "${regex}")
    message(FATAL_ERROR "stderr '${actual}' is not one line matching '${regex}'")
  endif()
endfunction()

# The store's outbox, one event per line (sequence numbers checked by store_outbox).
function(outbox var)
  execute_process(COMMAND ${OUTBOX} ${db} RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "store_outbox: exit ${rc}: ${e}")
  endif()
  set(${var} "${o}" PARENT_SCOPE)
endfunction()

set(R ${DATA}/run)
if(SCENARIO STREQUAL "october")
  # 977 lines, none blank or malformed: 974 accepted, 2 duplicates, 1 rejected (README's main job),
  # in batches of 100 (the last of 77); the outbox is replay's output byte for byte.
  dueday(0 ARGS run --db ${db} --input ${OCTOBER} --batch 100)
  expect("stderr" "${err}" "")
  string(REGEX MATCHALL "\"outcome\":\"accepted\"" accepted "${out}")
  string(REGEX MATCHALL "\"outcome\":\"duplicate\"" duplicates "${out}")
  string(REGEX MATCHALL "\"outcome\":\"rejected\"" rejected "${out}")
  list(LENGTH accepted a)
  list(LENGTH duplicates d)
  list(LENGTH rejected r)
  expect("accepted, duplicates, rejected" "${a} ${d} ${r}" "974 2 1")
  if(NOT out MATCHES "^{\"line\":1,\"outcome\":\"accepted\"}\n" OR NOT out MATCHES "\n{\"line\":977,\"outcome\":\"[a-z]+\"}\n$")
    message(FATAL_ERROR "outcomes do not run from line 1 to 977:\n${out}")
  endif()
  dueday(0 ARGS replay --input ${OCTOBER})
  set(replayed "${out}")
  outbox(events)
  expect("the outbox" "${events}" "${replayed}")
elseif(SCENARIO STREQUAL "twice")
  # Line 3 names a case never opened; line 4 repeats line 2 without an id (the engine's duplicate).
  set(first [=[{"line":1,"id":"w1-open","outcome":"accepted"}
{"line":2,"id":"w1-survey","outcome":"accepted"}
{"line":3,"id":"w9-survey","outcome":"rejected","code":"unknown_case","reason":"unknown case 'W-9'"}
{"line":4,"outcome":"duplicate"}
]=])
  dueday(0 ARGS run --db ${db} INPUT ${R}/ids.jsonl)
  expect("first run" "${out}" "${first}")
  outbox(before)
  # step_started of W-1's survey and the overall clock's start, the rejected line: some events.
  if(NOT before MATCHES "\"type\":\"rejected\",\"case\":\"W-9\".*\"line\":3,\"code\":\"unknown_case\"")
    message(FATAL_ERROR "no rejected event for line 3 in the outbox:\n${before}")
  endif()
  set(second [=[{"line":1,"id":"w1-open","outcome":"duplicate"}
{"line":2,"id":"w1-survey","outcome":"duplicate"}
{"line":3,"id":"w9-survey","outcome":"duplicate"}
{"line":4,"outcome":"duplicate"}
]=])
  dueday(0 ARGS run --db ${db} --input ${R}/ids.jsonl --batch 1 --sync normal)
  expect("second run" "${out}" "${second}")
  outbox(after)
  expect("the outbox after the second run" "${after}" "${before}")
elseif(SCENARIO STREQUAL "bad-lines")
  # A line that is not JSON and one whose id is a number are rejected as malformed, the blank line
  # 5 gets no answer, and the run goes on; an id with a quote comes back escaped.
  set(expected [=[{"line":1,"id":"b1","outcome":"accepted"}
{"line":2,"outcome":"rejected","code":"malformed","reason":"malformed JSON (parse error at line 1, column 2: syntax error while parsing value - invalid literal; last read: 'no')"}
{"line":3,"outcome":"rejected","code":"malformed","reason":"id must be a string, not number"}
{"line":4,"id":"b4","outcome":"accepted"}
{"line":6,"id":"b6","outcome":"rejected","code":"out_of_order","reason":"at 2026-09-28T00:00:00+08:00 is before the latest instant seen, 2026-09-28T12:00:00+08:00"}
{"line":7,"id":"b\"7","outcome":"accepted"}
]=])
  dueday(0 ARGS run --db ${db} --input ${R}/bad-lines.jsonl)
  expect("outcomes" "${out}" "${expected}")
  expect("stderr" "${err}" "")
elseif(SCENARIO STREQUAL "foreign")
  # A store made with the bundled policies refuses another version of them, and another calendar.
  dueday(0 ARGS run --db ${db} INPUT ${R}/ids.jsonl)
  file(READ ${DATA}/../../policies/kunming-water-490.toml policy)
  string(REPLACE "version = \"2020.3\"" "version = \"2020.3-other\"" policy "${policy}")
  file(WRITE ${WORK}/other.toml "${policy}")
  dueday(2 ARGS run --db ${db} --policy ${WORK}/other.toml INPUT ${R}/ids.jsonl)
  expect("stdout" "${out}" "")
  expect_one_line("${err}" "^dueday: store .*store.db: created with policies 'kunming-water-490@2020.3', opened with 'kunming-water-490@2020.3-other'\n$")
  dueday(2 ARGS tick --db ${db} --at 2026-10-13T12:00 --region ${DATA}/overlay-demo.toml)
  expect_one_line("${err}" "^dueday: store .*store.db: created with calendar '[0-9a-f]+', opened with calendar '[0-9a-f]+'\n$")
elseif(SCENARIO STREQUAL "tick")
  # W-1's survey starts Friday 2026-10-09 10:00; 2 WD counted from 24:00 that day: the make-up
  # Saturday 10-10 and Monday 10-12, due 10-13 00:00. Yellow (1 WD left) once the Saturday is
  # over, 10-11 00:00; red at 10-13 00:00. A tick at 10-13 12:00 raises those two; the overall
  # clock (4 WD, due 10-15 00:00) gets yellow only at 10-14 00:00.
  dueday(0 ARGS run --db ${db} INPUT ${R}/ids.jsonl)
  outbox(before)
  dueday(0 ARGS tick --db ${db} --at 2026-10-13T12:00)
  expect("tick" "${out}" "{\"at\":\"2026-10-13T12:00:00+08:00\",\"outcome\":\"accepted\",\"events\":2}\n")
  outbox(after)
  string(LENGTH "${before}" n)
  string(SUBSTRING "${after}" ${n} -1 raised)
  if(NOT raised MATCHES "^{\"type\":\"warning\",\"case\":\"W-1\",\"step\":\"survey\",[^\n]*\"at\":\"2026-10-11T00:00:00\\+08:00\"[^\n]*\n{\"type\":\"overdue\",\"case\":\"W-1\",\"step\":\"survey\",[^\n]*\"at\":\"2026-10-13T00:00:00\\+08:00\"[^\n]*\n$")
    message(FATAL_ERROR "the tick raised:\n${raised}")
  endif()
  # Earlier than the engine's time: refused, its rejected event stored (the one event).
  dueday(0 ARGS tick --db ${db} --at 2026-10-13T11:00:00+08:00)
  expect("a late tick" "${out}" "{\"at\":\"2026-10-13T11:00:00+08:00\",\"outcome\":\"rejected\",\"code\":\"out_of_order\",\"reason\":\"at 2026-10-13T11:00:00+08:00 is before the latest instant seen, 2026-10-13T12:00:00+08:00\",\"events\":1}\n")
  dueday(2 ARGS tick --db ${db})
  expect_one_line("${err}" "^dueday: tick: give --at T or --now \\(one of them\\)\n$")
  dueday(2 ARGS tick --db ${db} --at 2026-10-13T25:00)
  expect_one_line("${err}" "^dueday: --at: bad date-time '2026-10-13T25:00'")
  dueday(2 ARGS tick --db ${WORK}/none.db --now)
  expect_one_line("${err}" "none.db: no such store \\(dueday run creates one\\)\n$")
  if(EXISTS ${WORK}/none.db)
    message(FATAL_ERROR "tick created a store")
  endif()
elseif(SCENARIO STREQUAL "failure")
  # A file that is no SQLite database: a store error, exit 1, nothing on stdout.
  file(WRITE ${db} "not a database, but long enough to be read as a header by SQLite: ${R}\n")
  dueday(1 ARGS run --db ${db} INPUT ${R}/ids.jsonl)
  expect("stdout" "${out}" "")
  expect_one_line("${err}" "^dueday: store .*store.db: [^\n]*(not a database|not a dueday store)[^\n]*\n$")
  dueday(2 ARGS run --db ${db} --batch 0)
  expect_one_line("${err}" "^dueday: --batch: '0' is not a number from 1 to 1000000\n$")
  dueday(2 ARGS run --db ${db} --sync fast)
  expect_one_line("${err}" "^dueday: --sync: 'fast' \\(expected full or normal\\)\n$")
  dueday(2 ARGS run --db ${WORK} INPUT ${R}/ids.jsonl)
  expect_one_line("${err}" "is a directory \\(expected a store file\\)\n$")
  dueday(2 ARGS run --db ${WORK}/new.db --input ${WORK}/none.jsonl)
  expect_one_line("${err}" "none.jsonl: cannot open file\n$")
else()
  message(FATAL_ERROR "unknown scenario ${SCENARIO}")
endif()
file(REMOVE_RECURSE ${WORK})
