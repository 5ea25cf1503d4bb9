# CLI behaviour, one ctest per case:
#   cli_case(NAME EXIT <code> ARGS ... [STDOUT text | STDOUT_FILE file] [STDOUT_REGEX regex] [STDERR regex]
#            [STDIN file])
# A ';' in a regex splits it as a CMake list (the rest is silently dropped): match it with '.'.
function(cli_case name)
  cmake_parse_arguments(C "" "EXIT;STDOUT;STDOUT_FILE;STDOUT_REGEX;STDERR;STDIN" "ARGS" ${ARGN})
  string(REPLACE ";" "|" args "${C_ARGS}")  # a list would split into separate ctest arguments
  set(defs -DCLI=$<TARGET_FILE:dueday_cli> "-DARGS=${args}" -DEXIT=${C_EXIT})
  foreach(opt STDOUT STDOUT_FILE STDOUT_REGEX STDERR STDIN)
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
         STDERR "unknown command 'frob' \\(expected day, add, between, deadline, coverage, replay, report, run, tick, events, status, serve, worker, publish, cluster-events\\)")
cli_case("no command names the commands" EXIT 2 ARGS --provisional
         STDERR "a command is required \\(expected day, add, between, deadline, coverage, replay, report, run, tick, events, status, serve, worker, publish, cluster-events\\)")
# The cluster's commands refuse bad arguments in one line before they connect (no server needed).
cli_case("cluster: publish names a bad --partitions" EXIT 2
         ARGS publish --nats nats://127.0.0.1:1 --partitions abc
         STDERR "^dueday: --partitions: 'abc' is not a number from 0 to 65536\n$")
cli_case("cluster: publish names an --input it cannot open" EXIT 2
         ARGS publish --nats nats://127.0.0.1:1 --input ${CMAKE_CURRENT_BINARY_DIR}/no-such-file.jsonl
         STDERR "no-such-file.jsonl: cannot open file\n$")
cli_case("cluster: worker names a bad --tick-every" EXIT 2
         ARGS worker --nats nats://127.0.0.1:1 --tick-every 1e3
         STDERR "^dueday: --tick-every: '1e3' is not a number from 0 to 86400\n$")
cli_case("cluster: cluster-events wants server URLs" EXIT 2 ARGS cluster-events --nats=
         STDERR "^dueday: --nats: empty \\(expected a value after '='\\)\n$")
# serve takes a store or a cluster, not both; a cluster's options need --nats, a store's exclude it.
cli_case("serve: wants --db or --nats" EXIT 2 ARGS serve
         STDERR "^dueday: serve: --db FILE \\(a store\\) or --nats URLS \\(cluster mode\\) is required\n$")
cli_case("serve: --db and --nats exclude each other" EXIT 2 ARGS serve --db x.db --nats nats://127.0.0.1:1
         STDERR "^dueday: --db excludes --nats\n$")
cli_case("serve: --partitions needs --nats" EXIT 2 ARGS serve --db x.db --partitions 4
         STDERR "^dueday: --partitions requires --nats\n$")
cli_case("serve: --clock is a store's, not a cluster's" EXIT 2 ARGS serve --nats nats://127.0.0.1:1 --clock manual
         STDERR "^dueday: --nats excludes --clock\n$")
cli_case("serve: --nats names a bad --partitions before it connects" EXIT 2
         ARGS serve --nats nats://127.0.0.1:1 --partitions abc
         STDERR "^dueday: --partitions: 'abc' is not a number from 0 to 65536\n$")
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

# Hostile TOML never reaches the parser: one line naming file:line. The big files are written at
# configure time into the build tree, not committed.
set(B ${CMAKE_CURRENT_BINARY_DIR}/cli-data)
string(REPEAT ".a" 40000 parts)
file(WRITE ${B}/deep-key.toml "region = \"r\"\na${parts} = 1\n")
string(REPEAT ".a" 100 parts)
file(WRITE ${B}/deep-policy.toml "id = \"t\"\nversion = \"1\"\n[[a${parts}]]\n")
cli_case("a dotted key 40000 parts deep is refused, not a stack overflow" EXIT 2
         ARGS day 2026-10-10 --region ${B}/deep-key.toml STDERR "deep-key.toml:2: the line is 80005 bytes long")
cli_case("a policy's dotted key over 32 parts is refused" EXIT 2 ARGS replay --policy ${B}/deep-policy.toml
         STDERR "deep-policy.toml:3: a dotted key of more than 32 parts")
cli_case("Chinese punctuation after a value names file:line" EXIT 2
         ARGS day 2026-10-10 --region ${D}/overlay-punctuation.toml
         STDERR "overlay-punctuation.toml:10: unexpected '、' \\(U\\+3001\\) after a value")

# Files in --holidays DIR that cannot be notices are refused, naming them (each once ended the
# coverage early without a word, or exited 1 "internal error"); made at configure time.
file(REMOVE_RECURSE ${B}/dangling ${B}/loop ${B}/fifo ${B}/folder ${B}/dir.toml)
foreach(dir dangling loop fifo folder)
  file(MAKE_DIRECTORY ${B}/${dir})
  configure_file(${H}/2025.toml ${B}/${dir}/2025.toml COPYONLY)
endforeach()
file(CREATE_LINK missing.toml ${B}/dangling/2026.toml SYMBOLIC)
file(CREATE_LINK 2027.toml ${B}/loop/2026.toml SYMBOLIC)
file(CREATE_LINK 2026.toml ${B}/loop/2027.toml SYMBOLIC)
file(MAKE_DIRECTORY ${B}/folder/2026.toml ${B}/dir.toml)
cli_case("a broken link in --holidays is refused" EXIT 2 ARGS --holidays ${B}/dangling day 2025-10-10
         STDERR "dangling/2026.toml: a broken symbolic link")
cli_case("a link loop in --holidays is refused" EXIT 2 ARGS --holidays ${B}/loop day 2025-10-10
         STDERR "loop/2026.toml: a symbolic link loop")
cli_case("a folder named *.toml in --holidays is refused" EXIT 2 ARGS --holidays ${B}/folder day 2025-10-10
         STDERR "folder/2026.toml: is a directory")
find_program(MKFIFO mkfifo)
if(MKFIFO)
  execute_process(COMMAND ${MKFIFO} ${B}/fifo/2026.toml)
  cli_case("a FIFO in --holidays is refused without waiting for a writer" EXIT 2
           ARGS --holidays ${B}/fifo day 2025-10-10 STDERR "fifo/2026.toml: is a FIFO, not a regular file")
endif()
add_test(NAME "cli: an unreadable folder in --holidays is refused, naming it"
         COMMAND ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:dueday_cli> -DNOTICE=${H}/2026.toml -DWORK=${B}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/unreadable_dir.cmake)
set_tests_properties("cli: an unreadable folder in --holidays is refused, naming it" PROPERTIES
                     SKIP_REGULAR_EXPRESSION "SKIPPED:")
cli_case("--region naming a directory says so" EXIT 2 ARGS --region ${B}/dir.toml day 2026-10-10
         STDERR "dir.toml: is a directory")
cli_case("--region naming a directory without .toml says so" EXIT 2 ARGS --region ${D}/replay day 2026-10-10
         STDERR "--region .*/replay: is a directory")
cli_case("--policy naming a directory says so" EXIT 2 ARGS replay --policy ${D}/replay STDIN ${D}/replay/small.jsonl
         STDERR "data/replay: is a directory")

# Notices and overlays that were taken without a word.
cli_case("an overlay for a year no national notice covers is refused" EXIT 2
         ARGS day 2026-10-10 --region ${D}/overlay-2030.toml
         STDERR "overlay-2030.toml:10: 2030-04-15 is outside the national notices \\(2007-01-01 to 2026-12-31\\)")
file(REMOVE_RECURSE ${B}/with-region ${B}/twice)
file(MAKE_DIRECTORY ${B}/with-region ${B}/twice)
configure_file(${H}/2026.toml ${B}/with-region/2026.toml COPYONLY)
configure_file(${D}/overlay-demo.toml ${B}/with-region/demo-county.toml COPYONLY)
configure_file(${H}/2026.toml ${B}/twice/2026.toml COPYONLY)
configure_file(${H}/2026.toml ${B}/twice/2026-copy.toml COPYONLY)
cli_case("a local overlay inside --holidays is refused, not laid over the national days" EXIT 2
         ARGS --holidays ${B}/with-region day 2026-04-14 STDERR "demo-county.toml:3: region = \"demo-county\" makes this a local overlay")
cli_case("two national notices arranging one holiday of a year are refused" EXIT 2
         ARGS --holidays ${B}/twice day 2026-10-10 STDERR "twice/2026.toml:10: a second notice for 2026 arranges 元旦 too")

# Notice and overlay files the reader refuses before a calendar is built: the answer the CLI gives
# for what the library tests check (io_test.cpp).
set(overlay_head "region = \"r\"\nyear = 2026\nnotice = \"L\"\ntitle = \"T\"\npublished = 2026-03-01\n")
string(REPEAT "[" 40 open)
string(REPEAT "]" 40 close)
file(WRITE ${B}/nested.toml "${overlay_head}x = ${open}${close}\n")
string(REPEAT "x" 200 line)
string(REPEAT "# ${line}\n" 5500 comments)  # 5500 lines of 203 bytes: past 1 MiB on line 5171
file(WRITE ${B}/huge.toml "${overlay_head}${comments}")
file(WRITE ${B}/amends.toml "${overlay_head}amends = \"N1\"\n[[holiday]]\nname = \"A\"\noff = [2026-04-15]\n")
file(WRITE ${B}/off-empty.toml "${overlay_head}[[holiday]]\nname = \"A\"\noff = []\nwork = [2026-04-18]\n")
file(REMOVE_RECURSE ${B}/published ${B}/before-1992)
file(WRITE ${B}/published/2026.toml
     "year = 2026\nnotice = \"N\"\ntitle = \"T\"\npublished = 0001-01-01\n[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n")
file(WRITE ${B}/before-1992/1991.toml
     "year = 1991\nnotice = \"N\"\ntitle = \"T\"\npublished = 1991-01-01\n[[holiday]]\nname = \"A\"\noff = [1991-01-01]\n")
cli_case("TOML nested more than 32 levels is refused before the parser" EXIT 2 ARGS day 2026-10-10 --region ${B}/nested.toml
         STDERR "nested.toml:6: tables and arrays nested more than 32 levels deep\n")
cli_case("a TOML file over 1 MiB is refused at the line it passes the limit" EXIT 2
         ARGS day 2026-10-10 --region ${B}/huge.toml STDERR "huge.toml:5171: the file is longer than 1 MiB \\(1048576 bytes\\)\n")
cli_case("an overlay that amends is refused" EXIT 2 ARGS day 2026-10-10 --region ${B}/amends.toml
         STDERR "amends.toml:6: an overlay amends nothing \\(amends = \"N1\"\\): its days replace the national ones")
cli_case("off = [] is refused" EXIT 2 ARGS day 2026-10-10 --region ${B}/off-empty.toml
         STDERR "off-empty.toml:8: off = \\[\\] lists no dates \\(list them, or leave it out\\)\n")
cli_case("a notice published 0001-01-01 is refused" EXIT 2 ARGS --holidays ${B}/published day 2026-10-10
         STDERR "published/2026.toml:4: published 0001-01-01 is not plausible for a notice for 2026 \\(expected 2025-01-01 to 2026-12-31\\)\n")
cli_case("a notice for a year before 1992 is refused" EXIT 2 ARGS --holidays ${B}/before-1992 day 1991-01-01
         STDERR "before-1992/1991.toml:1: year 1991 is out of range \\(1992 to 2200. China kept summer time until 1991\\)\n")

# replay: JSON Lines in, JSON Lines out; bad lines become `rejected` events, bad files exit 2.
cli_case("replay writes the events of a small stream" EXIT 0 ARGS replay STDIN ${D}/replay/small.jsonl
         STDOUT_FILE ${D}/replay/small.expected.jsonl)
cli_case("replay reads --input" EXIT 0 ARGS replay --input ${D}/replay/small.jsonl
         STDOUT_FILE ${D}/replay/small.expected.jsonl)
cli_case("replay refuses a policy whose steps exceed the overall limit" EXIT 2
         ARGS replay --policy ${D}/replay/bad-policy.toml STDIN ${D}/replay/small.jsonl
         STDERR "bad-policy.toml:6: variant 'v': counted steps survey 2wd \\+ connect 3wd exceed the overall limit 4wd")
cli_case("replay refuses a scope value out of range, naming every problem in one line" EXIT 2
         ARGS replay --policy ${D}/replay/scope-overflow-policy.toml STDIN ${D}/replay/small.jsonl
         STDERR "scope-overflow-policy.toml:15: meter_dn_below 4294967346 is out of range \\(1 to 2147483647\\). .*scope-overflow-policy.toml:16: pipe_m_max nan is not")
cli_case("replay refuses NaN and negative spans in a policy, naming every problem in one line" EXIT 2
         ARGS replay --policy ${D}/replay/negative-policy.toml STDIN ${D}/replay/small.jsonl
         STDERR "negative-policy.toml:5: alert 'yellow': elapsed_share must be in \\(0, 1.. .*negative-policy.toml:13: remaining '-1wd' is not a span .*negative-policy.toml:21: limit '-2wd' is not a span")
cli_case("replay answers each kind of bad line with a rejected event and keeps every accepted command" EXIT 0
         ARGS replay --input ${D}/replay/bad-lines.jsonl STDOUT_FILE ${D}/replay/bad-lines.expected.jsonl)
cli_case("replay names a missing policy file" EXIT 2 ARGS replay --policy ${D}/replay/none.toml
         STDERR "none.toml: cannot open file")
cli_case("replay names a missing input file" EXIT 2 ARGS replay --input ${D}/replay/none.jsonl
         STDERR "none.jsonl: cannot open file")

# The shipped October example is what examples/make_october writes.
add_test(NAME "example: october-2026/commands.jsonl is what make_october writes"
         COMMAND ${CMAKE_COMMAND} -DGENERATOR=$<TARGET_FILE:make_october>
                 -DEXPECTED=${PROJECT_SOURCE_DIR}/examples/october-2026/commands.jsonl
                 -DOUT=${CMAKE_CURRENT_BINARY_DIR}/october-commands.jsonl -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/regenerate.cmake)

# Output that cannot be written, replay's output over its input, a folder as input.
add_test(NAME "cli: a full disk, output over input and a folder as input exit 2 naming them"
         COMMAND ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:dueday_cli> -DDATA=${D} -DWORK=${CMAKE_CURRENT_BINARY_DIR}/cli_files
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/cli_files.cmake)

# report: one case whose survey (due 10-15 00:00) was done at 12:00 that day, 0.5 WD late.
set(R ${D}/report-events.jsonl)
cli_case("report names the late unit in its sentence" EXIT 0
         ARGS report --month 2026-10 --events ${R} --generated-at 2026-11-02T09:00
         STDOUT_REGEX "10月，一供水公司在“[^”]+”环节超期办结1件（最长超期0.50个工作日），予以通报。\n")
cli_case("report reads events on stdin" EXIT 0 ARGS report --month 2026-10 --generated-at 2026-11-02T09:00
         STDIN ${R} STDOUT_REGEX "^关于2026年10月全市获得用水办理情况的通报\n")
cli_case("report CSV lists the month's days" EXIT 0 ARGS report --month 2026-10 --events ${R} --format csv
         --generated-at 2026-11-02T09:00 STDOUT_REGEX "\r\ndays,2026-10-10,makeup-workday,0,0\r\n")
cli_case("report JSON prints the given generation time" EXIT 0 ARGS report --month 2026-10 --events ${R}
         --format json --generated-at 2026-11-02T09:00
         STDOUT_REGEX "\"generated_at\": \"2026-11-02T09:00:00\\+08:00\"")
cli_case("report -o writes the file, not stdout" EXIT 0 ARGS report --month 2026-10 --events ${R} --format json
         -o ${CMAKE_CURRENT_BINARY_DIR}/report-test.json STDOUT "")
cli_case("report refuses a bad month" EXIT 2 ARGS report --month 2026-13 --events ${R}
         STDERR "--month: bad month '2026-13' \\(expected YYYY-MM\\)")
cli_case("report refuses a month without its zero" EXIT 2 ARGS report --month 2026-1 --events ${R}
         STDERR "--month: bad month '2026-1'")
cli_case("report needs --month" EXIT 2 ARGS report --events ${R} STDERR "--month")
cli_case("report refuses an unknown format" EXIT 2 ARGS report --month 2026-10 --events ${R} --format pdf
         STDERR "--format: 'pdf' \\(expected html, text, csv or json\\)")
cli_case("report refuses a bad --generated-at" EXIT 2 ARGS report --month 2026-10 --events ${R} --generated-at soon
         STDERR "--generated-at: bad date-time 'soon'")
cli_case("report names the bad events line" EXIT 2 ARGS report --month 2026-10 --events ${D}/report-bad-events.jsonl
         STDERR "report-bad-events.jsonl:2: unknown event type 'nope'")
cli_case("report names a missing events file" EXIT 2 ARGS report --month 2026-10 --events ${D}/no-such.jsonl
         STDERR "no-such.jsonl: cannot open file")
cli_case("report refuses a month past the calendar" EXIT 2 ARGS report --month 2027-01 --events ${R}
         STDERR "the calendar does not cover 2027-01")

# run and tick: commands applied durably to a store of each test's own (tests/cmake/cli_run.cmake),
# its outbox read back through the library (tests/crash/store_outbox.cpp).
function(cli_run_case name scenario)
  add_test(NAME "cli: ${name}"
           COMMAND ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:dueday_cli> -DOUTBOX=$<TARGET_FILE:store_outbox> -DDATA=${D}
                   -DOCTOBER=${PROJECT_SOURCE_DIR}/examples/october-2026/commands.jsonl
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/cli_run/${scenario} -DSCENARIO=${scenario}
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/cli_run.cmake)
endfunction()
cli_run_case("run on the October example stores in its outbox what replay writes" october)
cli_run_case("run twice with the same ids answers every line of the second run as a duplicate" twice)
cli_run_case("run answers a bad line with a rejected outcome and goes on" bad-lines)
cli_run_case("run and tick refuse a store made with other policies or another calendar, exit 2" foreign)
cli_run_case("tick --at raises what is due and says how many events" tick)
cli_run_case("run names a store that fails in one line, exit 1, and bad arguments exit 2" failure)
