// SPDX-License-Identifier: MIT
// Xen's OP-TEE mediator (xen/arch/arm/tee/optee.c) in front of OP-TEE OS: every guest's calls
// carry its client id (domid + 1); a guest may have at most as many standard calls in flight as
// OP-TEE has threads (ETHREAD_LIMIT beyond), and a bounded number of shared buffers and pages;
// the thread count is not forwarded, so a guest's driver only learns of the limit from
// ETHREAD_LIMIT. A destroyed guest's calls, buffers and OP-TEE partition are dropped at once.
#pragma once

#include "optee/msg.h"
#include "optee/os/os.h"

#include <map>

namespace teescope::teesim::xen {

// OP-TEE client id of a Xen domain.
constexpr uint32_t client_id(uint32_t domid) { return domid + 1; }

class Mediator final : public optee::SecureMonitor {
public:
    explicit Mediator(optee::Os &os);

    optee::Smc std_call(uint32_t client, optee::MsgArg &arg, optee::RpcHandler &rpc) override;
    // OPTEE_SMC_GET_THREAD_COUNT is not among the calls the mediator forwards.
    unsigned thread_count() const override { return 0; }

    // optee_domain_init() (VM_CREATED) and optee_relinquish_resources() (VM_DESTROYED); the lock
    // is held. `contexts` is what the guest's kernel still had open, for the event.
    bool domain_created(uint32_t client);
    void domain_destroyed(uint32_t client, uint32_t contexts);

    // translate_noncontig(): a buffer of `pages` pages more for the guest; false (-ENOMEM) beyond
    // the limits. Used by the RPC wrapper too.
    bool pin(uint32_t client, uint64_t cookie, uint64_t pages);
    void unpin(uint32_t client, uint64_t cookie);

private:
    struct Guest {
        unsigned calls = 0; // standard calls in flight (call_count)
        std::map<uint64_t, uint64_t> buffers; // cookie → pages pinned
        uint64_t pages = 0;
        bool destroyed = false;
    };
    Guest *guest(uint32_t client);

    optee::Os &os_;
    std::map<uint32_t, Guest> guests_;
};

} // namespace teescope::teesim::xen
