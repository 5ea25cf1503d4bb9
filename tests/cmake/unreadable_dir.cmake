# An unreadable --holidays folder is refused, naming it, never read as holding no notices. Root
# reads any folder, so as root the CLI runs as nobody (setpriv); without setpriv the case is
# reported skipped (SKIP_REGULAR_EXPRESSION in cli_tests.cmake).
#   cmake -DCLI=<dueday> -DNOTICE=<a notice file> -DWORK=<scratch dir> -P unreadable_dir.cmake
set(dir ${WORK}/unreadable)
if(EXISTS ${dir})
  file(CHMOD ${dir} DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
  file(REMOVE_RECURSE ${dir})
endif()
file(MAKE_DIRECTORY ${dir})
configure_file(${NOTICE} ${dir}/2026.toml COPYONLY)
file(CHMOD ${dir} DIRECTORY_PERMISSIONS OWNER_WRITE OWNER_EXECUTE)  # 0300: no one but root lists it

set(run ${CLI})
execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(uid STREQUAL "0")
  find_program(SETPRIV setpriv)
  if(NOT SETPRIV)
    message(STATUS "SKIPPED: running as root without setpriv, so every folder is readable")
    return()
  endif()
  set(run ${SETPRIV} --reuid=65534 --regid=65534 --clear-groups ${CLI})
endif()
execute_process(COMMAND ${run} --holidays ${dir} day 2026-10-10 RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
file(CHMOD ${dir} DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
file(REMOVE_RECURSE ${dir})
if(NOT rc STREQUAL 2 OR NOT out STREQUAL ""
   OR NOT err STREQUAL "dueday: ${dir}: cannot read the directory (Permission denied)\n")
  message(FATAL_ERROR "exit ${rc}, stdout '${out}', stderr '${err}'")
endif()
