// SPDX-License-Identifier: MIT
// teescope-optee-supplicant: see samples/optee/supplicant/CMakeLists.txt and README.
#include <cstdlib>
#include <unistd.h>

#include "optee_supplicant/device.h"
#include "optee_supplicant/dispatch.h"
#include "optee_supplicant/log.h"
#include "optee_supplicant/options.h"
#include "optee_supplicant/request_loop.h"

using namespace teescope::optee::supplicant;

int main(int argc, char **argv)
{
    Options options;
    int status = 0;
    if (!parse_options(argc, argv, options, status))
        return status;
    set_verbose(options.verbose);

    std::string error;
    const Device device = open_device(options.device, error);
    if (device.fd < 0) {
        log_error("%s", error.c_str());
        return EXIT_FAILURE;
    }
    if (options.ready_fd >= 0) {
        (void)!::write(options.ready_fd, "R", 1);
        ::close(options.ready_fd);
    }
    log_verbose("serving %s", device.path.c_str());

    // The request threads use these until the process ends: never destroyed.
    auto *dispatcher = new Dispatcher(device.fd, device.gen_caps, options);
    auto *loop = new RequestLoop(device.fd, *dispatcher);
    const std::string failure = loop->run();
    log_error("%s: stopping", failure.c_str());
    return EXIT_FAILURE;
}
