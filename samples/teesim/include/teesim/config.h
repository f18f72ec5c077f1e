// SPDX-License-Identifier: MIT
// teesim's configuration: reproducible randomness, secure-world latency, failure injection and
// the driver's release worker. The file format is documented in samples/teesim/README.md.
#pragma once

#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace teescope::teesim {

// Service keys: the uid or TEESIM_CLASS_* an object reports in object_create.uid; the root
// object of a context uses kServiceRoot.
constexpr uint32_t kServiceRoot = 0;
constexpr int64_t kAnyOp = -1;

struct LatencyDist {
    enum class Kind { Fixed, Uniform, Lognormal } kind = Kind::Fixed;
    double a = 0; // fixed: us; uniform: min; lognormal: median
    double b = 0; // uniform: max; lognormal: sigma
};

struct LatencyRule {
    uint32_t service = 0;
    int64_t op = kAnyOp;
    LatencyDist dist;
};

struct OutlierRule {
    uint32_t service = 0;
    int64_t op = kAnyOp;
    double p = 0;
    double factor = 1;
};

struct FailRule {
    uint32_t service = 0;
    int64_t op = kAnyOp;
    double p = 0;
    int32_t ret = 1;
};

// Which TEE the daemon plays.
enum class TeeKind { Qtee, Optee };

// The service key of an OP-TEE trusted application in latency, outlier and fail rules
// ("ta:NAME" or "ta:UUID"): its index in the TA catalogue above this base; OP is its command.
constexpr uint32_t kTaServiceBase = 0xE0000000u;

struct Config {
    TeeKind tee = TeeKind::Qtee;
    // OP-TEE: threads of the secure world (CFG_NUM_THREADS; per guest under Xen).
    unsigned optee_threads = 2;
    // OP-TEE: dynamic shared memory (CFG_CORE_DYN_SHM): REG_MEM, and every client shm registered
    // with the secure world; without it shm comes from OP-TEE's reserved pool and SHM_REGISTER
    // fails.
    bool optee_dynamic_shm = true;
    // OP-TEE under Xen: the mediator sits in front of OP-TEE and every process belongs to a guest
    // (its Xen domain id from TEESCOPE_GUEST, dom0 without it).
    bool xen = false;
    uint64_t seed = 1;
    std::vector<LatencyRule> latency;
    std::vector<OutlierRule> outliers;
    std::vector<FailRule> failures;
    uint64_t release_delay_us = 100;
    double release_fail_p = 0;
    unsigned release_retries = 3;
};

// A configuration error; what() reads "FILE:LINE: message".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses a configuration; `name` is used in error messages.
Config parse_config(std::istream &in, const std::string &name);
// Reads and parses a file; a file that cannot be opened is a ConfigError too.
Config load_config(const std::string &path);
// A service name (root, client_env, ...), a TA as "ta:NAME" or "ta:UUID", or a decimal / 0x
// number; false if none.
bool parse_service(const std::string &text, uint32_t &service);

} // namespace teescope::teesim
