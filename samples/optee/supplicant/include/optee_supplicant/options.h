// SPDX-License-Identifier: MIT
// Command line of teescope-optee-supplicant.
#pragma once

#include <string>
#include <vector>

namespace teescope::optee::supplicant {

struct Options {
    std::string device;                                   // empty: the first of /dev/teepriv0..9
    std::vector<std::string> ta_dirs{"/lib/optee_armtz"}; // where "<uuid>.ta" files are
    std::string fs_dir = "/var/lib/tee";                  // secure storage root, made at the first FS request
    std::string prof_dir = "/tmp";                        // where GPROF and FTRACE output goes
    int ready_fd = -1;                                    // written to and closed once the device is open
    bool verbose = false;
};

// Parses argv. Returns false after printing usage (help: exit 0) or an error (exit 2); `status`
// says which.
bool parse_options(int argc, char **argv, Options &options, int &status);

} // namespace teescope::optee::supplicant
