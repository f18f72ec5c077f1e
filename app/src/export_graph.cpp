// SPDX-License-Identifier: MIT
#include "export_graph.h"

#include "teescope/cli/process.h"

#include <cstdlib>
#include <filesystem>

#include <unistd.h>

namespace teescope::cli {

std::string draw_graph(const std::string &db, const std::string &format, int64_t at_ts, const std::string &path)
{
    const char *env = std::getenv("TEESCOPE_GUI");
    const std::string gui = env && *env ? env : self_dir() + "/teescope-gui";
    if (::access(gui.c_str(), X_OK) != 0)
        return "the graph formats are drawn by teescope-gui, and " + gui +
               " is missing (build teescope with TEESCOPE_BUILD_GUI=ON)";
    // No display needed: the GUI's code draws into a file.
    if (!std::getenv("QT_QPA_PLATFORM"))
        ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
    const RunResult r = run_capture({gui, "--export-graph", path, "--graph-format", format, "--at",
                                     std::to_string(at_ts), std::filesystem::absolute(db).string()});
    if (r.status != 0) {
        std::string why = r.output;
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        return "drawing the graph failed (teescope-gui exited with " + std::to_string(r.status) + ")" +
               (why.empty() ? std::string() : ": " + why);
    }
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) == 0 || ec)
        return "drawing the graph wrote nothing";
    return {};
}

} // namespace teescope::cli
