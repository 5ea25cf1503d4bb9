# dueday events and dueday status over stores of the October example, written through the library
# by store_fixture (not by `dueday run`). One setup test writes the shared store (all 977 commands,
# a checkpoint after line 900) that the read-only cases use; the scenarios that acknowledge or
# write have stores of their own. Scenarios: tests/cmake/store_cli.cmake.
add_executable(store_fixture store_fixture.cpp)
dueday_test_settings(store_fixture)
target_link_libraries(store_fixture PRIVATE SQLite::SQLite3)  # --break-event damages a store

set(S ${CMAKE_CURRENT_BINARY_DIR}/cli-store)
file(MAKE_DIRECTORY ${S})
set(OCT ${PROJECT_SOURCE_DIR}/examples/october-2026/commands.jsonl)
set(ODB ${S}/october.db)
set(store_script ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:dueday_cli> -DFIXTURE=$<TARGET_FILE:store_fixture>
                 -DCOMMANDS=${OCT} -DWORK=${S})

# A scenario of store_cli.cmake: store_scenario(NAME MODE [DB file] [ARGS a|b]).
function(store_scenario name mode)
  cmake_parse_arguments(A "" "DB;ARGS" "" ${ARGN})
  add_test(NAME "cli store: ${name}" COMMAND ${store_script} -DMODE=${mode} -DDB=${A_DB} "-DARGS=${A_ARGS}"
                                              -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/store_cli.cmake)
endfunction()

store_scenario("store_fixture writes the October store" write DB ${ODB} ARGS --checkpoint-at|900)
set_tests_properties("cli store: store_fixture writes the October store" PROPERTIES FIXTURES_SETUP dueday_october_store)

# A cli_case (cli_tests.cmake) over the shared store.
function(store_case name)
  cli_case("${name}" ${ARGN})
  set_tests_properties("cli: ${name}" PROPERTIES FIXTURES_REQUIRED dueday_october_store)
endfunction()
function(store_test name mode)
  store_scenario("${name}" ${mode} ${ARGN})
  set_tests_properties("cli store: ${name}" PROPERTIES FIXTURES_REQUIRED dueday_october_store)
endfunction()

store_test("events prints every event as replay writes it, seq and key first; --after and --limit window it" events
           DB ${ODB})
store_test("status --json: journal, checkpoint, coverage and clocks worked out by hand" status DB ${ODB})
store_scenario("events --consumer --ack: each run prints what is newer, none when nothing is" consumer
               DB ${S}/consumer.db)
store_scenario("events --follow prints what a writer adds while it polls" follow DB ${S}/follow.db)
find_program(TIMEOUT timeout)
if(TIMEOUT)
  add_test(NAME "cli store: SIGTERM and SIGINT end events --follow with exit 0, the batch acknowledged"
           COMMAND ${store_script} -DMODE=signal -DDB=${S}/signal.db -DTIMEOUT=${TIMEOUT}
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/store_cli.cmake)
endif()
store_scenario("a missing store is named and not created" missing)
store_scenario("events refuses a damaged outbox row, printing nothing of its batch" damaged DB ${S}/damaged.db)
store_scenario("events refuses an outbox row spread over lines (JSON, but no JSON Lines)" spread DB ${S}/spread.db)

# The text forms. KM-2026-0128 comes first (store_cli.cmake works out its figures); KM-2026-0145's
# survey was paused 10-27 11:00 to 10-29 12:20 and is due 11-04 01:20 with 145200 s = 1.68 WD left.
store_case("status prints open cases by urgency in aligned columns" EXIT 0
           ARGS status --db ${ODB} --at 2026-11-02T09:00
           STDOUT_REGEX "\n  case          clock +unit +state +remaining  due +level\n  KM-2026-0128  survey +昆明自来水集团有限公司  +running  -2.38 WD   2026-10-29 00:00  escalation\n")
store_case("status --case lists every clock with its pauses" EXIT 0
           ARGS status --db ${ODB} --at 2026-11-02T09:00 --case KM-2026-0145
           STDOUT_REGEX "\n  survey  +running  昆明滇投水务有限公司  +4wd    2.32 WD  1.68 WD    2026-11-04 01:20  2026-10-27 11:00..2026-10-29 12:20  -\n")
# The coverage warning: from 1 November, while the next year's notice is not loaded (the bundled
# data ends 2026-12-31); a day before, none.
store_case("status warns from 1 November that next year's notice is not loaded" EXIT 0
           ARGS status --db ${ODB} --at 2026-11-01T00:00
           STDOUT_REGEX "\nwarning: the holiday notice for 2027 is not loaded \\(the data ends 2026-12-31\\)")
store_case("status gives no coverage warning on 31 October" EXIT 0 ARGS status --db ${ODB} --at 2026-10-31T23:59 --json
           STDOUT_REGEX "\"coverage\":{\"last_covered\":\"2026-12-31\",\"projection_end\":\"[0-9-]+\",\"warning\":null}")
store_case("status gives no coverage warning in mid-October" EXIT 0 ARGS status --db ${ODB} --at 2026-10-15T10:00 --json
           STDOUT_REGEX "\"warning\":null")

# Bad input: one line, exit 2.
file(WRITE ${S}/text.db "not a database\n")
store_case("status names an unknown case" EXIT 2 ARGS status --db ${ODB} --case KM-NONE
           STDERR "--case 'KM-NONE': no such case in store .*october.db")
store_case("status refuses --case with --at-risk" EXIT 2 ARGS status --db ${ODB} --case KM-2026-0145 --at-risk
           STDERR "--case and --at-risk exclude each other")
store_case("status refuses a bad --at" EXIT 2 ARGS status --db ${ODB} --at soon STDERR "--at: bad date-time 'soon'")
store_case("status refuses --at past the calendar's projection" EXIT 2 ARGS status --db ${ODB} --at 2200-01-01T00:00
           STDERR "--at 2200-01-01T00:00:00\\+08:00 is past the calendar's projection")
store_case("events refuses --ack without --consumer" EXIT 2 ARGS events --db ${ODB} --ack STDERR "--ack needs --consumer NAME")
store_case("events refuses --after with --consumer" EXIT 2 ARGS events --db ${ODB} --after 3 --consumer c
           STDERR "--after and --consumer exclude each other")
store_case("events refuses a bad --after" EXIT 2 ARGS events --db ${ODB} --after -1
           STDERR "--after: '-1' is not a sequence number \\(0 or more\\)")
store_case("events refuses --limit 0" EXIT 2 ARGS events --db ${ODB} --limit 0
           STDERR "--limit: '0' is not a number of events \\(1 or more\\)")
store_case("events refuses --follow-for without --follow" EXIT 2 ARGS events --db ${ODB} --follow-for 1
           STDERR "--follow-for needs --follow")
store_case("events refuses a consumer name with a control character" EXIT 2 ARGS events --db ${ODB} --consumer "a\tb"
           STDERR "--consumer: 'a\\\\tb' is not a name")
cli_case("events refuses a directory as the store" EXIT 2 ARGS events --db ${S} STDERR "store .*cli-store: is a directory")
cli_case("events refuses a file that is no database" EXIT 2 ARGS events --db ${S}/text.db
         STDERR "store .*text.db: .*file is not a database")
cli_case("events refuses an empty --db" EXIT 2 ARGS events --db= STDERR "--db: empty")
