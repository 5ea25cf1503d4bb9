# The CLI answers hostile arguments and input in one line of bounded length: newlines, carriage
# returns and escape codes in arguments, stdin lines and data files, NUL bytes and a 3 MB line on
# stdin. Run by ctest (tests/cli_tests.cmake):
#   cmake -DCLI=<dueday> -DDATA=<tests/data/hostile> -DWORK=<scratch dir> -P cli.cmake
string(ASCII 10 NL)
string(ASCII 13 CR)
string(ASCII 27 ESC)
string(REPEAT "x" 100000 LONG)  # Linux takes at most 128 KiB in one argument
set(hostile "W-1${NL}forged: line" "W-1${CR}over" "${ESC}[2J${ESC}]0;title" "${LONG}")
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/empty "")
set(failures 0)

# expect(<regex> [STDIN <file>] ARGS <arg>...): exit 2 and one line on stderr matching <regex>, at
# most 1500 bytes (a path is echoed up to 1024 characters, other text up to 80).
function(expect regex)
  cmake_parse_arguments(E "" "STDIN" "ARGS" ${ARGN})
  if(NOT DEFINED E_STDIN)
    set(E_STDIN ${WORK}/empty)
  endif()
  execute_process(COMMAND ${CLI} ${E_ARGS} INPUT_FILE ${E_STDIN} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  string(LENGTH "${err}" length)
  string(SUBSTRING "${E_ARGS}" 0 100 shown)
  set(problem "")
  if(NOT rc STREQUAL 2)
    set(problem "exit ${rc}, expected 2")
  elseif(NOT err MATCHES "^dueday: [^\n]*\n$")
    set(problem "not one line")
  elseif(err MATCHES "[${CR}${ESC}]")
    set(problem "a control character")
  elseif(length GREATER 1500)
    set(problem "${length} bytes")
  elseif(NOT err MATCHES "${regex}")
    set(problem "does not match '${regex}'")
  endif()
  if(problem)
    string(SUBSTRING "${err}" 0 300 err)
    message(SEND_ERROR "dueday ${shown}: ${problem}\nstderr: ${err}")
  endif()
endfunction()

foreach(h IN LISTS hostile)
  expect("^dueday: DATE: bad date '" ARGS day "${h}")
  expect("^dueday: N: '" ARGS add 2026-09-30 "${h}")
  expect("^dueday: DATETIME: bad date-time '2026-09-30T10:00" ARGS deadline "2026-09-30T10:00${h}" 2)
  expect("^dueday: --rule: '" ARGS deadline 2026-09-30T10:00 2 --rule "${h}")
  expect("^dueday: unknown command '" ARGS "${h}")
  expect("^dueday: unknown command '" ARGS --provisional "${h}" 2026-10-10)
  expect("not expected: --x" ARGS day 2026-10-10 "--x${h}")
  expect("not a directory" ARGS --holidays "${WORK}/${h}" day 2026-10-10)
  expect("^dueday: --region '" ARGS --region "${h}" day 2026-10-10)
  expect("cannot open file" ARGS --region "${WORK}/${h}.toml" day 2026-10-10)
  expect("cannot open file" ARGS replay --input "${WORK}/${h}")
  expect("cannot write file" ARGS replay --output "${WORK}/no-such-dir/${h}")
endforeach()

# Lines on stdin: an escape code, a carriage return inside a line, a 3 MB line, NUL bytes.
string(REPEAT "x" 3145728 three_mb)
string(REPEAT "9" 3145728 three_mb_digits)
file(WRITE ${WORK}/esc.csv "2026-09-30,2\n${ESC}[2J${ESC}[H,1\n")
file(WRITE ${WORK}/cr.csv "2026-09-30,1${CR}x\n")
file(WRITE ${WORK}/long.csv "${three_mb}\n")
file(WRITE ${WORK}/long-count.csv "2026-09-30,${three_mb_digits}")
expect("^dueday: stdin:2: bad line '\\\\u001b\\[2J\\\\u001b\\[H,1' " ARGS add --batch STDIN ${WORK}/esc.csv)
expect("^dueday: stdin:1: '1\\\\rx' is not a number" ARGS add --batch STDIN ${WORK}/cr.csv)
expect("^dueday: stdin:1: bad line 'x+…' \\(3145728 bytes\\) \\(expected" ARGS add --batch STDIN ${WORK}/long.csv)
expect("^dueday: stdin:1: '9+…' \\(3145728 bytes\\) is not a number" ARGS add --batch STDIN ${WORK}/long-count.csv)
expect("^dueday: stdin:2: bad line '2026-10\\\\u0000-01,2'" ARGS add --batch STDIN ${DATA}/batch-nul.csv)
expect("^dueday: stdin:2: '\\\\u0000' is not a number" ARGS add --batch STDIN ${DATA}/batch-nul-count.csv)

# Data files: a notice's key, a policy's names (the reader and validate() escape them).
expect("2026.toml:6: unknown field '\\\\u001b\\[2J\\\\nforged: line'" ARGS --holidays ${DATA}/notices day 2026-10-10)
expect("policy.toml:12: variant 'v\\\\nforged: line': counted steps a\\\\rb 2wd exceed" ARGS replay --policy ${DATA}/policy.toml)

# An empty path is refused, never taken for the default.
execute_process(COMMAND ${CLI} --holidays "" day 2026-10-10 RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc STREQUAL 2 OR NOT err STREQUAL "dueday: --holidays: empty (expected a directory of holiday notices)\n")
  message(SEND_ERROR "--holidays \"\": exit ${rc}, stderr: ${err}")
endif()
execute_process(COMMAND ${CLI} replay --input "" INPUT_FILE ${WORK}/empty RESULT_VARIABLE rc ERROR_VARIABLE err
                OUTPUT_QUIET)
if(NOT rc STREQUAL 2 OR NOT err STREQUAL "dueday: --input: empty (expected a file of commands)\n")
  message(SEND_ERROR "--input \"\": exit ${rc}, stderr: ${err}")
endif()
