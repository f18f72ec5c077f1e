# SPDX-License-Identifier: MIT
# What every view shares: the database connection per job, background jobs, the selection,
# formatting, colours and the view interface.
target_sources(teescope_gui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/trace_db.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jobs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/selection.cpp
  ${CMAKE_CURRENT_LIST_DIR}/csv_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/format.cpp
  ${CMAKE_CURRENT_LIST_DIR}/theme.cpp
  ${CMAKE_CURRENT_LIST_DIR}/view_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_watcher.cpp
  ${CMAKE_CURRENT_LIST_DIR}/logging.cpp)
