# SPDX-License-Identifier: MIT
# Turns the schema and the views into C++ string constants, so the store library needs no file
# at run time. The schema version is taken from the schema's own PRAGMA user_version.
file(READ ${SCHEMA} schema)
file(READ ${VIEWS} views)
string(REGEX MATCH "PRAGMA user_version = ([0-9]+)" _ "${schema}")
if(NOT CMAKE_MATCH_1)
  message(FATAL_ERROR "${SCHEMA} has no 'PRAGMA user_version = N'")
endif()
set(delim "teescope_sql")
foreach(text IN ITEMS "${schema}" "${views}")
  string(FIND "${text}" ")${delim}\"" found)
  if(NOT found EQUAL -1)
    message(FATAL_ERROR "the SQL contains the raw string delimiter ${delim}")
  endif()
endforeach()
set(content "// Generated from schemas/teescope.sql and importer/store/views.sql: do not edit.
#pragma once

#include <string_view>

namespace teescope::store::sql {

inline constexpr int kSchemaVersion = ${CMAKE_MATCH_1};
inline constexpr std::string_view kSchema = R\"${delim}(${schema})${delim}\";
inline constexpr std::string_view kViews = R\"${delim}(${views})${delim}\";

} // namespace teescope::store::sql
")
# Rewrite only on change, so dependents are not rebuilt for nothing.
if(EXISTS ${OUT})
  file(READ ${OUT} old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE ${OUT} "${content}")
