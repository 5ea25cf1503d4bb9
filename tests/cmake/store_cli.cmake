# Scenarios of `dueday events` and `dueday status` over stores that store_fixture writes
# (cli_store.cmake). Every number checked is worked out in the comments, not copied from output.
#   -DMODE=<write|events|consumer|follow|signal|status|damaged|missing> -DCLI=<dueday> -DFIXTURE=<store_fixture>
#   -DCOMMANDS=<october commands.jsonl> -DWORK=<folder> [-DDB=<store>] [-DARGS=a|b] [-DTIMEOUT=<timeout program>]

# Runs the CLI; sets `out` and `err`, fails unless it exits `expect`.
function(cli expect)
  execute_process(COMMAND ${CLI} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e TIMEOUT 20)
  if(NOT rc STREQUAL expect)
    message(FATAL_ERROR "dueday ${ARGN}: exit ${rc}, expected ${expect}\nstderr: ${e}")
  endif()
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()

# A fresh store of the October commands, with store_fixture's options.
function(write_store db)
  file(REMOVE ${db} ${db}-wal ${db}-shm)
  execute_process(COMMAND ${FIXTURE} ${db} ${COMMANDS} ${ARGN} RESULT_VARIABLE rc ERROR_VARIABLE e TIMEOUT 60)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "store_fixture ${db} ${ARGN}: exit ${rc}: ${e}")
  endif()
endfunction()

# The sequence numbers of JSON Lines `text`, in `var`; each line must begin {"seq":N,"key":[.
# (Matches are turned into plain tokens first: a CMake list does not split inside '[...]'.)
function(seqs text var)
  string(REGEX REPLACE "\n\\{\"seq\":([0-9]+),\"key\":\\[" "\nSEQ\\1 " marked "\n${text}")
  string(REGEX MATCHALL "\nSEQ[0-9]+ " heads "${marked}")
  string(REGEX MATCHALL "\n" lines "${text}")
  list(LENGTH heads nh)
  list(LENGTH lines nl)
  if(NOT nh EQUAL nl)
    message(FATAL_ERROR "${nl} lines, ${nh} of them start {\"seq\":N,\"key\":[")
  endif()
  string(REGEX MATCHALL "SEQ[0-9]+" s "${marked}")
  list(TRANSFORM s REPLACE "SEQ" "")
  set(${var} "${s}" PARENT_SCOPE)
endfunction()

# Fails unless `list` is from..to.
function(expect_range what list from to)
  if(to LESS from)
    set(want "")
  else()
    foreach(i RANGE ${from} ${to})
      list(APPEND want ${i})
    endforeach()
  endif()
  if(NOT "${list}" STREQUAL "${want}")
    message(FATAL_ERROR "${what}: sequence numbers ${list}, expected ${from} to ${to}")
  endif()
endfunction()

# How many events replay writes for the first `to` commands, in `var`.
function(replay_count to var)
  file(STRINGS ${COMMANDS} lines ENCODING UTF-8)
  list(SUBLIST lines 0 ${to} lines)
  list(JOIN lines "\n" text)
  file(WRITE ${WORK}/first-${to}.jsonl "${text}\n")
  execute_process(COMMAND ${CLI} replay --input ${WORK}/first-${to}.jsonl OUTPUT_VARIABLE o RESULT_VARIABLE rc)
  string(REGEX MATCHALL "\n" nl "${o}")
  list(LENGTH nl n)
  set(${var} ${n} PARENT_SCOPE)
endfunction()

# Fails unless the array at the path of `json` has `want` elements.
function(expect_length json want)
  string(JSON got ERROR_VARIABLE e LENGTH "${json}" ${ARGN})
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "${ARGN}: length ${got} ${e}, expected ${want}")
  endif()
endfunction()

# Fails unless the JSON value at the path of `json` is null.
function(expect_null json)
  string(JSON got ERROR_VARIABLE e TYPE "${json}" ${ARGN})
  if(NOT got STREQUAL "NULL")
    message(FATAL_ERROR "${ARGN}: type ${got} ${e}, expected null")
  endif()
endfunction()

# Fails unless the JSON value at the path (string(JSON) GET arguments) of `json` is `want`.
function(expect_json json want)
  string(JSON got ERROR_VARIABLE e GET "${json}" ${ARGN})
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "${ARGN}: ${got} ${e}, expected ${want}")
  endif()
endfunction()

if(MODE STREQUAL "write")
  string(REPLACE "|" ";" ARGS "${ARGS}")
  write_store(${DB} ${ARGS})

elseif(MODE STREQUAL "events")
  # Every event, as replay writes it for the same commands, in order, numbered 1, 2, ...
  cli(0 events --db ${DB})
  set(all "${out}")
  execute_process(COMMAND ${CLI} replay --input ${COMMANDS} OUTPUT_VARIABLE replayed RESULT_VARIABLE rc)
  seqs("${all}" s)
  list(LENGTH s n)
  if(n LESS 100)
    message(FATAL_ERROR "events printed ${n} lines")
  endif()
  expect_range("events" "${s}" 1 ${n})
  string(REGEX REPLACE "\n\\{\"seq\":[0-9]+,\"key\":\\[[^]\n]*\\]," "\n{" stripped "\n${all}")
  if(NOT stripped STREQUAL "\n${replayed}")
    file(WRITE ${WORK}/events-stripped.jsonl "${stripped}")
    message(FATAL_ERROR "events without seq and key differ from replay's (${WORK}/events-stripped.jsonl)")
  endif()
  string(REGEX MATCH "^[^\n]*" first "${all}")
  # The first command opens KM-2026-0005 at 2026-09-28 12:20: case_opened, no clock, level or due,
  # the calendar's fingerprint (16 hex digits), the command's journal position 1 and the first of
  # its events.
  if(NOT first MATCHES "^\\{\"seq\":1,\"key\":\\[\"KM-2026-0005\",\"\",\"case_opened\",\"\",null,\"[0-9a-f]+\",\"2026-09-28T12:20:00\\+08:00\",1,1\\],\"type\":\"case_opened\",\"case\":\"KM-2026-0005\",")
    message(FATAL_ERROR "first line: ${first}")
  endif()
  # --after and --limit: windows of the same numbers.
  cli(0 events --db ${DB} --after 5)
  seqs("${out}" s)
  expect_range("--after 5" "${s}" 6 ${n})
  cli(0 events --db ${DB} --limit 3)
  seqs("${out}" s)
  expect_range("--limit 3" "${s}" 1 3)
  cli(0 events --db ${DB} --after 5 --limit 2)
  seqs("${out}" s)
  expect_range("--after 5 --limit 2" "${s}" 6 7)
  cli(0 events --db ${DB} --after ${n})
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "--after the last event printed: ${out}")
  endif()

elseif(MODE STREQUAL "consumer")
  # A store of the first 500 commands; a consumer reads it in parts, then the rest arrives.
  write_store(${DB} --to 500)
  replay_count(500 n500)
  cli(0 events --db ${DB} --consumer sms --ack --limit 5)
  seqs("${out}" s)
  expect_range("first --ack" "${s}" 1 5)
  cli(0 events --db ${DB} --consumer sms --ack --limit 3)
  seqs("${out}" s)
  expect_range("second --ack" "${s}" 6 8)
  # Without --ack the consumer reads but does not move on: the same events come again.
  cli(0 events --db ${DB} --consumer sms --limit 2)
  seqs("${out}" s)
  expect_range("without --ack" "${s}" 9 10)
  cli(0 events --db ${DB} --consumer sms --ack)
  seqs("${out}" s)
  expect_range("the rest" "${s}" 9 ${n500})
  cli(0 events --db ${DB} --consumer sms --ack)
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "nothing new, yet printed: ${out}")
  endif()
  # A second consumer starts from the first event; status counts what each has pending.
  cli(0 events --db ${DB} --consumer audit --ack --limit 4)
  cli(0 status --db ${DB} --at 2026-10-20T12:00 --json)
  math(EXPR audit_pending "${n500} - 4")
  if(NOT out MATCHES "\"consumers\":\\[{\"name\":\"audit\",\"acknowledged\":4,\"pending\":${audit_pending}},{\"name\":\"sms\",\"acknowledged\":${n500},\"pending\":0}\\]")
    message(FATAL_ERROR "status consumers: ${out}")
  endif()
  # The other 477 commands come; the consumer gets only what is newer.
  replay_count(977 n977)
  execute_process(COMMAND ${FIXTURE} ${DB} ${COMMANDS} --from 501 RESULT_VARIABLE rc)
  cli(0 events --db ${DB} --consumer sms --ack)
  seqs("${out}" s)
  math(EXPR next "${n500} + 1")
  expect_range("after more commands" "${s}" ${next} ${n977})

elseif(MODE STREQUAL "follow")
  # events --follow picks up what a writer adds while it polls: the writer (store_fixture) opens
  # the store 500 ms after the start and adds commands 501..977; --follow-for ends the run.
  write_store(${DB} --to 500)
  replay_count(977 n977)
  execute_process(COMMAND ${FIXTURE} ${DB} ${COMMANDS} --from 501 --delay-ms 500
                  COMMAND ${CLI} events --db ${DB} --follow --follow-for 4
                  RESULTS_VARIABLE rcs OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
  if(NOT rcs STREQUAL "0;0")
    message(FATAL_ERROR "exits ${rcs}: ${err}")
  endif()
  seqs("${out}" s)
  expect_range("--follow" "${s}" 1 ${n977})

elseif(MODE STREQUAL "signal")
  # SIGTERM and SIGINT end --follow cleanly: exit 0, every event printed, the batch acknowledged.
  write_store(${DB} --to 100)
  foreach(sig TERM INT)
    cli(0 events --db ${DB} --consumer follow-${sig} --limit 1)  # registers it, acknowledges nothing
    execute_process(COMMAND ${TIMEOUT} --preserve-status -s ${sig} 1 ${CLI} events --db ${DB} --consumer follow-${sig}
                            --ack --follow RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
    if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
      message(FATAL_ERROR "SIG${sig}: exit ${rc}: ${err}")
    endif()
    seqs("${out}" s)
    list(LENGTH s n)
    expect_range("SIG${sig}" "${s}" 1 ${n})
    cli(0 events --db ${DB} --consumer follow-${sig})
    if(NOT out STREQUAL "")
      message(FATAL_ERROR "SIG${sig}: events left unacknowledged: ${out}")
    endif()
  endforeach()

elseif(MODE STREQUAL "status")
  # The whole October stream (977 commands, ids line-1..line-977, a checkpoint after line 900),
  # judged Monday 2026-11-02 09:00. The last command is the tick at 2026-11-01 00:00.
  cli(0 status --db ${DB} --at 2026-11-02T09:00 --json)
  set(j "${out}")
  expect_json("${j}" "2026-11-02T09:00:00+08:00" at)
  expect_json("${j}" "2026-11-01T00:00:00+08:00" store_time)
  expect_json("${j}" "2026-11-02T09:00:00+08:00" as_of)
  expect_json("${j}" 977 journal position)
  expect_json("${j}" line-977 journal last_id)
  expect_json("${j}" 977 journal last_id_position)
  expect_length("${j}" 0 events consumers)
  expect_json("${j}" 900 checkpoint position)
  expect_json("${j}" 77 checkpoint commands_since)
  # Line 900 is at 2026-10-29 16:10; to 11-01 00:00 that is 2 days 7 h 50 min = 201000 s.
  expect_json("${j}" "2026-10-29T16:10:00+08:00" checkpoint engine_time)
  expect_json("${j}" 201000 checkpoint engine_time_since_s)
  expect_json("${j}" 2026-12-31 coverage last_covered)
  string(JSON warning GET "${j}" coverage warning)
  if(NOT warning MATCHES "^the holiday notice for 2027 is not loaded")
    message(FATAL_ERROR "coverage warning: ${warning}")
  endif()
  # Most urgent: KM-2026-0128 (external works: survey 4 WD) started Thu 10-22 12:30, counted from
  # 10-23 00:00: 10-23, 26, 27, 28 -> due 10-29 00:00. At 11-02 09:00 it has run 10-23..10-30
  # (6 working days) and 9 h: 550800 s; 345600 - 550800 = -205200 s = -2.375 WD; escalation is
  # reached one working day after the due instant (10-30 00:00).
  expect_json("${j}" KM-2026-0128 open 0 case)
  expect_json("${j}" survey open 0 clock)
  expect_json("${j}" 昆明自来水集团有限公司 open 0 unit)
  expect_json("${j}" running open 0 state)
  expect_json("${j}" -205200 open 0 remaining_s)
  expect_json("${j}" -2.375 open 0 remaining_wd)
  expect_json("${j}" 2026-10-29T00:00:00+08:00 open 0 due)
  expect_json("${j}" escalation open 0 level)
  # KM-2026-0064: connect (5 WD) started 10-27 11:10, after approval-traffic-police completed at
  # 15:50 that day, so counted from 10-28: 10-28, 29, 30, 11-02, 11-03 -> due 11-04 00:00. At 11-02
  # 09:00: 3 days and 9 h used, 432000 - 291600 = 140400 s = 1.625 WD left: no level yet (yellow at
  # one working day left).
  string(JSON n LENGTH "${j}" open)
  math(EXPR last "${n} - 1")
  set(found "")
  foreach(i RANGE ${last})
    string(JSON c GET "${j}" open ${i} case)
    if(c STREQUAL "KM-2026-0064")
      set(found ${i})
    endif()
  endforeach()
  if(found STREQUAL "")
    message(FATAL_ERROR "KM-2026-0064 is not listed")
  endif()
  expect_json("${j}" connect open ${found} clock)
  expect_json("${j}" 140400 open ${found} remaining_s)
  expect_json("${j}" 1.625 open ${found} remaining_wd)
  expect_json("${j}" 2026-11-04T00:00:00+08:00 open ${found} due)
  expect_null("${j}" open ${found} level)
  expect_json("${j}" OFF open ${found} at_risk)
  # --at-risk: only cases with a level, KM-2026-0128 first, KM-2026-0064 absent.
  cli(0 status --db ${DB} --at 2026-11-02T09:00 --json --at-risk)
  set(r "${out}")
  expect_json("${r}" KM-2026-0128 at_risk 0 case)
  string(JSON n LENGTH "${r}" at_risk)
  string(JSON count GET "${r}" cases at_risk)
  if(NOT n EQUAL count OR n EQUAL 0)
    message(FATAL_ERROR "--at-risk lists ${n} cases, counts ${count}")
  endif()
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    expect_json("${r}" ON at_risk ${i} at_risk)
    string(JSON c GET "${r}" at_risk ${i} case)
    if(c STREQUAL "KM-2026-0064")
      message(FATAL_ERROR "KM-2026-0064 is not at risk")
    endif()
  endforeach()
  # KM-2026-0145 (survey 4 WD) started Mon 10-26 16:10, counted from 10-27 00:00, paused 10-27
  # 11:00 (39600 s used), resumed 10-29 12:20: 306000 s left from there: 10-29 (42000 s), 10-30,
  # 11-02, 11-03 (86400 s each) leave 4800 s: due 11-04 01:20. At 11-02 09:00: 39600 + 42000 +
  # 86400 + 32400 = 200400 s used, 145200 left. Its overall clock (9 WD, counting the survey) ran
  # and paused with it: 777600 - 200400 = 577200 s left, 6 days 16 h from 11-02 09:00: 11-11 01:20.
  cli(0 status --db ${DB} --at 2026-11-02T09:00 --json --case KM-2026-0145)
  set(c "${out}")
  expect_json("${c}" KM-2026-0145 case case)
  expect_json("${c}" open case status)
  expect_length("${c}" 6 case clocks)
  expect_json("${c}" survey case clocks 0 clock)
  expect_json("${c}" running case clocks 0 state)
  expect_json("${c}" 昆明滇投水务有限公司 case clocks 0 unit)
  expect_json("${c}" 200400 case clocks 0 elapsed_s)
  expect_json("${c}" 145200 case clocks 0 remaining_s)
  expect_json("${c}" 2026-11-04T01:20:00+08:00 case clocks 0 due)
  expect_json("${c}" 2026-10-26T16:10:00+08:00 case clocks 0 started)
  expect_length("${c}" 1 case clocks 0 pauses)
  expect_json("${c}" 2026-10-27T11:00:00+08:00 case clocks 0 pauses 0 from)
  expect_json("${c}" 2026-10-29T12:20:00+08:00 case clocks 0 pauses 0 to)
  expect_json("${c}" idle case clocks 1 state)
  expect_json("${c}" overall case clocks 5 clock)
  expect_json("${c}" 577200 case clocks 5 remaining_s)
  expect_json("${c}" 2026-11-11T01:20:00+08:00 case clocks 5 due)

elseif(MODE STREQUAL "damaged")
  # Event 3 of a store of 10 commands no longer holds JSON: events names it and exits 2; the batch
  # it is in (events 1..) is not printed, and a consumer acknowledges nothing.
  write_store(${DB} --to 10 --break-event 3)
  cli(2 events --db ${DB} --consumer c --ack)
  if(NOT out STREQUAL "" OR NOT err MATCHES "^dueday: store [^\n]*damaged.db: outbox event 3: the event is not a JSON object\n$")
    message(FATAL_ERROR "stdout: ${out}\nstderr: ${err}")
  endif()
  cli(0 events --db ${DB} --limit 2)
  seqs("${out}" s)
  expect_range("before the damaged event" "${s}" 1 2)
  cli(0 status --db ${DB} --at 2026-10-01T00:00 --json)
  if(NOT out MATCHES "\"consumers\":\\[{\"name\":\"c\",\"acknowledged\":0,")
    message(FATAL_ERROR "status: ${out}")
  endif()

elseif(MODE STREQUAL "spread")
  # Event 3 still holds a JSON object, but over several lines: no JSON Lines output can carry it,
  # and the row of the batch's events (1.., one a line) now holds more lines than events.
  write_store(${DB} --to 10 --spread-event 3)
  cli(2 events --db ${DB})
  if(NOT out STREQUAL "" OR NOT err MATCHES "^dueday: store [^\n]*spread.db: the outbox row of events 1\\.\\.([0-9]+) is damaged: it does not hold [0-9]+ entries, one a line\n$")
    message(FATAL_ERROR "stdout: ${out}\nstderr: ${err}")
  endif()

elseif(MODE STREQUAL "missing")
  # A missing store is named and not created, by either command.
  file(REMOVE ${WORK}/none.db)
  foreach(cmd events status)
    cli(2 ${cmd} --db ${WORK}/none.db)
    if(NOT err MATCHES "^dueday: store [^\n]*/none.db: no such file \\(give a store written by dueday run\\)\n$")
      message(FATAL_ERROR "${cmd}: ${err}")
    endif()
    if(EXISTS ${WORK}/none.db)
      message(FATAL_ERROR "${cmd} created ${WORK}/none.db")
    endif()
  endforeach()

else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
