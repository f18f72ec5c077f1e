// SPDX-License-Identifier: MIT
// What the OP-TEE tests share: the daemon (sim_client's SimDaemon, the same one the QTEE tests
// run), a fresh world per test (TA images and a storage root in a temporary directory), and the
// supplicant under test as its own process. The test program itself is the client: it runs
// under the preload like any libteec program would.
#pragma once

#include "sim_client.h"

#include <filesystem>
#include <memory>
#include <string>

#include "optee_tas/image.h"
#include "scenarios/optee.h"

namespace optee_test {

using namespace teescope::optee;
using teescope::scenarios::SupplicantFailed;
using teescope::scenarios::SupplicantProcess;
using teescope::scenarios::TempDir;

inline std::string supplicant_executable()
{
    const char *path = std::getenv("TEESCOPE_OPTEE_SUPPLICANT");
    return path ? path : "teescope-optee-supplicant";
}

inline TeecUuid uuid_of(const Uuid &octets)
{
    return TeecUuid::from_octets(octets);
}

// A test's own TA directory and storage root; start() runs a supplicant over them.
class OpteeTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ta_dir = dir.path() + "/ta";
        fs_dir = dir.path() + "/storage";
        prof_dir = dir.path() + "/prof";
        ASSERT_EQ(write_ta_images(ta_dir), "");
        std::filesystem::create_directory(prof_dir);
    }
    void TearDown() override { supplicant.reset(); }

    void start(const std::vector<std::string> &extra = {})
    {
        std::vector<std::string> args{"--prof-dir", prof_dir};
        args.insert(args.end(), extra.begin(), extra.end());
        // teesim releases the previous test's supplicant context when its connection thread sees
        // the hangup, which may come after that process was reaped (a kernel releases the file
        // before the exit is reported): until then the device is busy (EBUSY, exit status 1).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        for (;;) {
            try {
                supplicant =
                    std::make_unique<SupplicantProcess>(supplicant_executable(), ta_dir, fs_dir, args);
                return;
            } catch (const SupplicantFailed &e) {
                if (e.status != 1 || std::chrono::steady_clock::now() > deadline)
                    throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    // An initialised context.
    void initialize(Context &ctx) { ASSERT_EQ(ctx.initialize(), TEEC_SUCCESS); }

    TempDir dir{"teescope-optee-test"};
    std::string ta_dir, fs_dir, prof_dir;
    std::unique_ptr<SupplicantProcess> supplicant;
};

} // namespace optee_test
