// SPDX-License-Identifier: MIT
// One TA entry (or the OS's own work) inside a standard call: the TaCall services and the
// thread's RPC buffer (thread_rpc_shm_cache), which lives until the standard call ends.
#pragma once

#include "optee/os/os.h"

namespace teescope::teesim::optee {

// What an OP-TEE thread keeps for the standard call it runs.
struct ThreadState {
    ShmRef rpc_cache; // the application shm of thread_rpc_shm_cache_alloc(), if any
    uint64_t rpc_cache_size = 0;
};

class EntryCall final : public TaCall {
public:
    EntryCall(Os &os, Partition &p, RpcHandler &rpc, ThreadState &thread) : os_(os), p_(p), rpc_(rpc), thread_(thread) {}

    Session *session = nullptr;
    bool panicked = false;

    bool read(const TaParam &p, Bytes &out) override;
    bool write(const TaParam &p, std::span<const uint8_t> data) override;
    bool run_for(double us, bool cancellable) override;
    void panic() override { panicked = true; }
    uint32_t rpc(uint32_t cmd, std::vector<MsgParam> &params) override;
    uint32_t rpc_buffer(uint64_t size, ShmRef &shm) override;
    bool write_rpc(const ShmRef &shm, uint64_t offset, std::span<const uint8_t> data) override;
    bool read_rpc(const ShmRef &shm, uint64_t offset, uint64_t len, Bytes &out) override;
    uint32_t login() const override { return session ? session->login : 0; }

    Os &os() { return os_; }
    Partition &partition() { return p_; }
    RpcHandler &handler() { return rpc_; }
    Lock &lock() { return rpc_.lock(); }

private:
    Os &os_;
    Partition &p_;
    RpcHandler &rpc_;
    ThreadState &thread_;
};

} // namespace teescope::teesim::optee
