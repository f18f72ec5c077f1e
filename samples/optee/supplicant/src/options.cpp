// SPDX-License-Identifier: MIT
#include "optee_supplicant/options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <getopt.h>

namespace teescope::optee::supplicant {

namespace {

void usage(FILE *out)
{
    std::fprintf(
        out,
        "usage: teescope-optee-supplicant [options] [DEVICE]\n"
        "Serves the OP-TEE secure world's requests (RPC) from an OP-TEE supplicant device\n"
        "(DEVICE, or the first of /dev/teepriv0..9).\n"
        "  --ta-dir DIRS    where <uuid>.ta files are, colon-separated (default /lib/optee_armtz)\n"
        "  --fs-dir DIR     root of secure storage, created at the first request (default /var/lib/tee)\n"
        "  --prof-dir DIR   where profiling output (gmon-*, ftrace-*) goes (default /tmp)\n"
        "  --ready-fd FD    write a byte to FD and close it once the device is open\n"
        "  -v, --verbose    one line per request\n"
        "  -h, --help       this text\n");
}

std::vector<std::string> split_dirs(const char *list)
{
    std::vector<std::string> dirs;
    std::string current;
    for (const char *p = list;; ++p) {
        if (*p == ':' || *p == '\0') {
            if (!current.empty())
                dirs.push_back(current);
            current.clear();
            if (*p == '\0')
                break;
        } else {
            current += *p;
        }
    }
    return dirs;
}

} // namespace

bool parse_options(int argc, char **argv, Options &options, int &status)
{
    enum { kTaDir = 1000, kFsDir, kProfDir, kReadyFd };
    static const option long_options[] = {
        {"ta-dir", required_argument, nullptr, kTaDir},
        {"fs-dir", required_argument, nullptr, kFsDir},
        {"prof-dir", required_argument, nullptr, kProfDir},
        {"ready-fd", required_argument, nullptr, kReadyFd},
        {"verbose", no_argument, nullptr, 'v'},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    optind = 1;
    for (;;) {
        const int c = ::getopt_long(argc, argv, "vh", long_options, nullptr);
        if (c == -1)
            break;
        switch (c) {
        case kTaDir:
            options.ta_dirs = split_dirs(optarg);
            break;
        case kFsDir:
            options.fs_dir = optarg;
            break;
        case kProfDir:
            options.prof_dir = optarg;
            break;
        case kReadyFd: {
            char *end = nullptr;
            errno = 0;
            const long fd = std::strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno != 0 || fd < 0 || fd > 65535) {
                std::fprintf(stderr, "teescope-optee-supplicant: --ready-fd: '%s' is not a descriptor\n",
                             optarg);
                status = 2;
                return false;
            }
            options.ready_fd = static_cast<int>(fd);
            break;
        }
        case 'v':
            options.verbose = true;
            break;
        case 'h':
            usage(stdout);
            status = 0;
            return false;
        default:
            usage(stderr);
            status = 2;
            return false;
        }
    }
    if (argc - optind > 1) {
        std::fprintf(stderr, "teescope-optee-supplicant: one device at most\n");
        usage(stderr);
        status = 2;
        return false;
    }
    if (optind < argc)
        options.device = argv[optind];
    if (options.ta_dirs.empty() || options.fs_dir.empty() || options.prof_dir.empty()) {
        std::fprintf(stderr, "teescope-optee-supplicant: an empty directory was given\n");
        status = 2;
        return false;
    }
    return true;
}

} // namespace teescope::optee::supplicant
