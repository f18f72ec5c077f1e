# SPDX-License-Identifier: MIT
# teescope-gui in a real X11 window (xcb platform) under Xvfb, started by xvfb-run: every view is
# rendered and saved; each PNG must exist and hold a full window.
file(MAKE_DIRECTORY ${OUT})
foreach(view summary graph timeline leaks latency)
  set(png ${OUT}/xcb-${view}.png)
  file(REMOVE ${png})
  execute_process(COMMAND xvfb-run -a -s "-screen 0 1920x1200x24"
                          env QT_QPA_PLATFORM=xcb ${GUI} ${DB} --screenshot ${png} --view ${view} --size 1400x900
                  RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "teescope-gui under Xvfb, view ${view}: exit ${rc}: ${err}")
  endif()
  file(SIZE ${png} size)
  if(size LESS 20000)
    message(FATAL_ERROR "${png}: ${size} bytes, too small for a 1400x900 window")
  endif()
endforeach()
message(STATUS "5 views rendered in a real X11 window under Xvfb")
