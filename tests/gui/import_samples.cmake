# SPDX-License-Identifier: MIT
# Imports samples/traces/NAME into OUT/NAME.db for the GUI tests (lossy exits 3: data loss).
file(MAKE_DIRECTORY ${OUT})
foreach(name IN LISTS NAMES)
  execute_process(COMMAND ${TEESCOPE} import ${TRACES}/${name} -o ${OUT}/${name}.db --progress=none
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 AND NOT rc EQUAL 3)
    message(FATAL_ERROR "import of ${name} failed (${rc}): ${err}")
  endif()
  if(NOT EXISTS ${OUT}/${name}.db)
    message(FATAL_ERROR "import of ${name} wrote no database")
  endif()
endforeach()
