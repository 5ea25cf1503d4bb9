# Runs a generator and checks that it writes exactly the committed file.
#   -DGENERATOR=<exe> -DEXPECTED=<file> -DOUT=<scratch file>
execute_process(COMMAND ${GENERATOR} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${GENERATOR} exited ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${EXPECTED} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "${EXPECTED} differs from what ${GENERATOR} writes (${OUT}); regenerate it")
endif()
