# CLI behaviour, one ctest per case:
#   cli_case(NAME EXIT <code> ARGS ... [STDOUT text | STDOUT_FILE file] [STDERR regex] [STDIN file])
function(cli_case name)
  cmake_parse_arguments(C "" "EXIT;STDOUT;STDOUT_FILE;STDERR;STDIN" "ARGS" ${ARGN})
  string(REPLACE ";" "|" args "${C_ARGS}")  # a list would split into separate ctest arguments
  set(defs -DCLI=$<TARGET_FILE:dueday_cli> "-DARGS=${args}" -DEXIT=${C_EXIT})
  foreach(opt STDOUT STDOUT_FILE STDERR STDIN)
    if(DEFINED C_${opt})
      list(APPEND defs "-D${opt}=${C_${opt}}")
    endif()
  endforeach()
  add_test(NAME "cli: ${name}" COMMAND ${CMAKE_COMMAND} ${defs} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/run_cli.cmake)
endfunction()

set(D ${CMAKE_CURRENT_SOURCE_DIR}/data)
set(H ${PROJECT_SOURCE_DIR}/holidays/cn)

cli_case("day prints a make-up working day with its holiday" EXIT 0 ARGS day 2026-10-10 STDOUT "2026-10-10 makeup-workday 国庆节\n")
cli_case("day prints a plain weekend as restday" EXIT 0 ARGS day 2026-10-11 STDOUT "2026-10-11 restday\n")
cli_case("day prints a holiday weekday" EXIT 0 ARGS day 2026-10-01 STDOUT "2026-10-01 holiday 国庆节\n")
cli_case("day prints a workday" EXIT 0 ARGS day 2026-10-09 STDOUT "2026-10-09 workday\n")
cli_case("add skips National Day" EXIT 0 ARGS add 2026-09-30 2 STDOUT "2026-10-09\n")
cli_case("add counts the make-up Saturday" EXIT 0 ARGS add 2026-10-09 1 STDOUT "2026-10-10\n")
cli_case("between counts DATE1 < d <= DATE2" EXIT 0 ARGS between 2026-09-30 2026-10-12 STDOUT "4\n")
cli_case("between is negative backwards" EXIT 0 ARGS between 2026-10-12 2026-09-30 STDOUT "-4\n")
cli_case("deadline civil ends at 24:00 printed as next 00:00" EXIT 0
         ARGS deadline 2026-09-30T10:00:00+08:00 2 STDOUT "2026-10-10T00:00:00+08:00\n")
cli_case("deadline without offset assumes +08:00" EXIT 0 ARGS deadline 2026-09-30T10:00 2 STDOUT "2026-10-10T00:00:00+08:00\n")
cli_case("deadline converts another offset" EXIT 0 ARGS deadline 2026-09-30T02:00:00Z 2 STDOUT "2026-10-10T00:00:00+08:00\n")
cli_case("deadline hours rule" EXIT 0 ARGS deadline 2026-09-30T10:00 2 --rule hours STDOUT "2026-10-09T10:00:00+08:00\n")
cli_case("deadline close of business" EXIT 0 ARGS deadline 2026-09-30T10:00 2 --close-of-business
         STDOUT "2026-10-09T17:00:00+08:00\n")
cli_case("options may come before the command" EXIT 0 ARGS --holidays ${H} add 2026-09-30 2 STDOUT "2026-10-09\n")
cli_case("add --batch reads DATE,N lines" EXIT 0 ARGS add --batch STDIN ${D}/batch.csv
         STDOUT "2026-10-09\n2026-10-10\n2025-02-06\n2020-02-05\n")
cli_case("provisional past the data is flagged" EXIT 0 ARGS add 2026-12-28 5 --provisional
         STDOUT "2027-01-05 provisional\n")
cli_case("region overlay file" EXIT 0 ARGS day 2026-04-14 --region ${D}/overlay-demo.toml
         STDOUT "2026-04-14 holiday 泼水节\n")

cli_case("bad date exits 2" EXIT 2 ARGS day 2026-02-30 STDERR "DATE: bad date '2026-02-30'")
cli_case("N of 0 exits 2" EXIT 2 ARGS add 2026-09-30 0 STDERR "N: '0' is not a number of working days")
cli_case("N not a number exits 2" EXIT 2 ARGS add 2026-09-30 two STDERR "N: 'two'")
cli_case("a date past the data exits 2" EXIT 2 ARGS add 2026-12-28 5 STDERR "past the holiday data \\(last covered day 2026-12-31\\)")
cli_case("a day past the data exits 2" EXIT 2 ARGS day 2027-01-04 STDERR "2027-01-04 is past the holiday data")
cli_case("bad datetime exits 2" EXIT 2 ARGS deadline 2026-09-30T25:00 2 STDERR "DATETIME: bad date-time '2026-09-30T25:00'")
cli_case("bad rule exits 2" EXIT 2 ARGS deadline 2026-09-30T10:00 2 --rule weeks STDERR "--rule: 'weeks'")
cli_case("unknown option exits 2" EXIT 2 ARGS add 2026-09-30 2 --frobnicate STDERR "frobnicate")
cli_case("broken data file names file:line" EXIT 2 ARGS --holidays ${D}/broken-dir day 2026-10-10
         STDERR "broken-dir/2026.toml:58: make-up working day 2026-10-09 is a Friday")
cli_case("missing holidays dir exits 2" EXIT 2 ARGS --holidays ${D}/no-such-dir day 2026-10-10 STDERR "no-such-dir: not a directory")
cli_case("batch names the bad line and keeps earlier output" EXIT 2 ARGS add --batch STDIN ${D}/batch-bad.csv
         STDOUT "2026-10-09\n" STDERR "stdin:2: bad line '2026-13-01,3'")
cli_case("an unknown command is named with the commands" EXIT 2 ARGS frob 2026-10-10
         STDERR "unknown command 'frob' \\(expected day, add, between, deadline, coverage, replay\\)")
cli_case("no command names the commands" EXIT 2 ARGS --provisional
         STDERR "a command is required \\(expected day, add, between, deadline, coverage, replay\\)")
cli_case("--json without --explain exits 2" EXIT 2 ARGS deadline 2026-09-30T10:00 2 --json
         STDERR "--json needs --explain")
cli_case("an empty --holidays= exits 2" EXIT 2 ARGS --holidays= day 2026-10-10 STDERR "--holidays: empty")
cli_case("a datetime with a one-digit offset exits 2" EXIT 2 ARGS deadline 2026-09-30T10:00+8:00 2
         STDERR "DATETIME: bad date-time '2026-09-30T10:00\\+8:00'")
cli_case("a datetime with 24:00 exits 2" EXIT 2 ARGS deadline 2026-09-30T24:00 2
         STDERR "DATETIME: bad date-time '2026-09-30T24:00'")
# Hostile arguments, stdin lines and data files: every answer is one line of bounded length.
add_test(NAME "cli: hostile arguments and input are answered in one bounded line"
         COMMAND ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:dueday_cli> -DDATA=${D}/hostile
                 -DWORK=${CMAKE_CURRENT_BINARY_DIR}/hostile_cli -P ${D}/hostile/cli.cmake)

# replay: JSON Lines in, JSON Lines out; bad lines become `rejected` events, bad files exit 2.
cli_case("replay writes the events of a small stream" EXIT 0 ARGS replay STDIN ${D}/replay/small.jsonl
         STDOUT_FILE ${D}/replay/small.expected.jsonl)
cli_case("replay reads --input" EXIT 0 ARGS replay --input ${D}/replay/small.jsonl
         STDOUT_FILE ${D}/replay/small.expected.jsonl)
cli_case("replay refuses a policy whose steps exceed the overall limit" EXIT 2
         ARGS replay --policy ${D}/replay/bad-policy.toml STDIN ${D}/replay/small.jsonl
         STDERR "bad-policy.toml:6: variant 'v': counted steps survey 2wd \\+ connect 3wd exceed the overall limit 4wd")
cli_case("replay names a missing policy file" EXIT 2 ARGS replay --policy ${D}/replay/none.toml
         STDERR "none.toml: cannot open file")
cli_case("replay names a missing input file" EXIT 2 ARGS replay --input ${D}/replay/none.jsonl
         STDERR "none.jsonl: cannot open file")

# The shipped October example is what examples/make_october writes.
add_test(NAME "example: october-2026/commands.jsonl is what make_october writes"
         COMMAND ${CMAKE_COMMAND} -DGENERATOR=$<TARGET_FILE:make_october>
                 -DEXPECTED=${PROJECT_SOURCE_DIR}/examples/october-2026/commands.jsonl
                 -DOUT=${CMAKE_CURRENT_BINARY_DIR}/october-commands.jsonl -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/regenerate.cmake)
