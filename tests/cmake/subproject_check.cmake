# Configures tests/subproject, which adds dueday with add_subdirectory, twice: with no build type
# and with Debug. dueday must leave the consumer's build type as the consumer set it (or unset)
# and must not build its own tests or examples there; the first consumer then builds and runs.
# Arguments: DUEDAY_SOURCE (dueday's source tree), SOURCE_DIR (tests/subproject), WORK_DIR, GENERATOR,
# and the calling build's CXX_COMPILER, CXX_FLAGS and EXE_LINKER_FLAGS, which the consumer (and
# dueday inside it) is built with: under the asan preset it runs under the sanitizers too. Its
# build type is not passed: what dueday does with the consumer's is what this checks.
file(REMOVE_RECURSE ${WORK_DIR})
unset(ENV{CMAKE_BUILD_TYPE})  # CMake 3.22+ would take a default build type from it

# The value of `entry` in the CMakeCache.txt of `dir`, or empty when it is not there.
function(cache_value dir entry out)
  file(STRINGS ${dir}/CMakeCache.txt line REGEX "^${entry}:[A-Z]+=")
  string(REGEX REPLACE "^[^=]*=" "" value "${line}")
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# Configures the consumer in `dir` with the given extra arguments and checks what dueday did there.
function(configure_consumer dir expected_build_type)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${dir} -G ${GENERATOR} -DDUEDAY_SOURCE=${DUEDAY_SOURCE}
                          -DCMAKE_CXX_COMPILER=${CXX_COMPILER} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
                          "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}" ${ARGN}
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configuring the consumer (${ARGN}) failed: ${rc}")
  endif()
  cache_value(${dir} CMAKE_BUILD_TYPE build_type)
  if(NOT build_type STREQUAL expected_build_type)
    message(FATAL_ERROR "the consumer's CMAKE_BUILD_TYPE is '${build_type}', it set '${expected_build_type}'")
  endif()
  foreach(option DUEDAY_BUILD_TESTS DUEDAY_BUILD_EXAMPLES DUEDAY_INSTALL)
    cache_value(${dir} ${option} value)
    if(NOT value STREQUAL "OFF")
      message(FATAL_ERROR "${option} is '${value}' in a subproject (expected OFF)")
    endif()
  endforeach()
endfunction()

configure_consumer(${WORK_DIR}/debug Debug -DCMAKE_BUILD_TYPE=Debug)
configure_consumer(${WORK_DIR}/none "")

set(build ${WORK_DIR}/none)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${build} RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()
foreach(path dueday/tests dueday/dueday dueday/make_october)
  if(EXISTS ${build}/${path})
    message(FATAL_ERROR "${path} was built in the consumer: dueday's tests and examples must stay off")
  endif()
endforeach()
execute_process(COMMAND ${build}/consumer ${DUEDAY_SOURCE}/holidays/cn RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "consumer printed: ${out}")
if(rc OR NOT out STREQUAL "2026-10-09 2026-10-09 18\n")
  message(FATAL_ERROR "the consumer failed (${rc}) or printed something else")
endif()
