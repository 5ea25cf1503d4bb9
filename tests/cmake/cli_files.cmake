# The CLI's output and file arguments: output that cannot be written is no success, and replay
# never overwrites its own input or reads a folder.
#   cmake -DCLI=<dueday> -DDATA=<tests/data> -DWORK=<scratch dir> -P cli_files.cmake
file(MAKE_DIRECTORY ${WORK})
set(failures "")

# expect_error(<stderr regex> <stdin file> <arg>...): exit 2 and one stderr line matching it.
function(expect_error regex stdin)
  execute_process(COMMAND ${CLI} ${ARGN} INPUT_FILE ${stdin} OUTPUT_FILE /dev/full RESULT_VARIABLE rc
                  ERROR_VARIABLE err)
  if(NOT rc STREQUAL 2 OR NOT err MATCHES "^dueday: [^\n]*\n$" OR NOT err MATCHES "${regex}")
    message(SEND_ERROR "dueday ${ARGN}: exit ${rc}, stderr '${err}', expected exit 2 and '${regex}'")
  endif()
endfunction()

# A full disk (/dev/full) under every command that prints.
set(none ${DATA}/batch.csv)
expect_error("^dueday: stdout: write error \\(No space left on device\\)" ${none} day 2026-10-10)
expect_error("^dueday: stdout: write error" ${none} add 2026-09-30 2)
expect_error("^dueday: stdout: write error" ${none} between 2026-09-30 2026-10-12)
expect_error("^dueday: stdout: write error" ${none} deadline 2026-09-30T10:00 2)
expect_error("^dueday: stdout: write error" ${none} coverage)
expect_error("^dueday: stdout: write error" ${none} add --batch)
expect_error("^dueday: stdout: write error" ${DATA}/replay/small.jsonl replay)
expect_error("^dueday: /dev/full: write error" ${DATA}/replay/small.jsonl replay --output /dev/full)

# replay --output naming its --input: refused before the input is emptied.
configure_file(${DATA}/replay/small.jsonl ${WORK}/same.jsonl COPYONLY)
file(SIZE ${WORK}/same.jsonl before)
expect_error("is the --input file" ${none} replay --input ${WORK}/same.jsonl --output ${WORK}/same.jsonl)
file(SIZE ${WORK}/same.jsonl after)
if(NOT before EQUAL after)
  message(SEND_ERROR "replay emptied its own input: ${before} bytes before, ${after} after")
endif()

# replay --input naming a folder.
expect_error("is a directory" ${none} replay --input ${WORK})
