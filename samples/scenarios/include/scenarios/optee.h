// SPDX-License-Identifier: MIT
// What the OP-TEE scenarios share: a private world for one run (the TA images and a secure
// storage root in a temporary directory, teescope-optee-supplicant running as its own process
// over them), and checks of GP results.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

#include "optee_client/client.h"
#include "optee_tas/catalogue.h"

namespace teescope::scenarios {

// A directory made under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir
{
  public:
    explicit TempDir(const std::string &prefix);
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }

  private:
    std::string path_;
    pid_t owner_; // a forked child that exits must not remove its parent's directory
};

// teescope-optee-supplicant as a child process (fork + exec), serving TAs from `ta_dir` and
// secure storage in `fs_dir` (`extra_args` are added to its command line). Started when
// constructed: it has opened the supplicant device when the constructor returns (it reports so
// on a pipe), or the constructor throws SupplicantFailed.
struct SupplicantFailed : std::runtime_error {
    SupplicantFailed(const std::string &what, int status) : std::runtime_error(what), status(status) {}
    int status; // exit status, or 128 + signal; -1 if it did not exit
};

class SupplicantProcess
{
  public:
    SupplicantProcess(const std::string &executable, const std::string &ta_dir, const std::string &fs_dir,
                      const std::vector<std::string> &extra_args = {});
    // Stops it if it still runs and was not abandoned.
    ~SupplicantProcess();
    SupplicantProcess(const SupplicantProcess &) = delete;
    SupplicantProcess &operator=(const SupplicantProcess &) = delete;

    pid_t pid() const { return pid_; }
    // SIGTERM, as a service manager stops tee-supplicant; throws if it had already exited.
    void stop();
    // Leaves it running (it ends with whatever ends its process group).
    void abandon() { pid_ = -1; }
    // Sends `sig` and waits: the exit status, or 128 + the signal that ended it.
    int kill(int sig);

  private:
    pid_t pid_ = -1;
    pid_t owner_;
};

// One run's OP-TEE world: TA images written by write_ta_images, an empty storage root, and the
// supplicant over them.
class OpteeWorld
{
  public:
    explicit OpteeWorld(const std::string &supplicant_executable);
    const std::string &ta_dir() const { return ta_dir_; }
    const std::string &fs_dir() const { return fs_dir_; }
    SupplicantProcess &supplicant() { return supplicant_; }

  private:
    TempDir root_;
    std::string ta_dir_;
    std::string fs_dir_;
    SupplicantProcess supplicant_;
};

// The supplicant executable: `--supplicant PATH` (taken out of argv), or
// teescope-optee-supplicant next to the running program.
std::string take_supplicant_option(int &argc, char **argv);

// A catalogue uuid as the client API takes it.
optee::TeecUuid teec_uuid(const optee::Uuid &octets);

// Throws unless `result` has `code` (and `origin`, if given), naming `what`.
void expect_result(const optee::Result &result, uint32_t code, std::optional<uint32_t> origin,
                   const std::string &what);
inline void expect_success(const optee::Result &result, const std::string &what)
{
    expect_result(result, 0, std::nullopt, what);
}
// Throws unless a library call without origin (allocate, register, initialize) succeeded.
void expect_code(uint32_t code, const std::string &what);

// An initialised context (throws if no TEE is found).
void initialize(optee::Context &ctx);
// Opens a session with a catalogue TA (PUBLIC login); throws unless it succeeds.
void open_session(optee::Session &session, optee::Context &ctx, const optee::Uuid &ta);

} // namespace teescope::scenarios
