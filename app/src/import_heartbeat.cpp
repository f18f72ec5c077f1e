// SPDX-License-Identifier: MIT
#include "import_heartbeat.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace teescope::cli {

const char *describe(ImportPhase phase)
{
    switch (phase) {
    case ImportPhase::Starting: return "starting";
    case ImportPhase::Indexing: return "indexing the stream files (Babeltrace2 src.ctf.fs trace-infos query)";
    case ImportPhase::Reading: return "reading the events";
    case ImportPhase::Writing: return "writing the database";
    }
    return "?";
}

ImportHeartbeat::ImportHeartbeat()
{
    void *p = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw std::bad_alloc();
    shared_ = new (p) Shared{};
}

ImportHeartbeat::~ImportHeartbeat() { ::munmap(shared_, sizeof(Shared)); }

void ImportHeartbeat::enter(ImportPhase phase, const std::string &where)
{
    const size_t n = std::min(where.size(), sizeof shared_->where - 1);
    std::memcpy(shared_->where, where.data(), n);
    shared_->where[n] = '\0';
    shared_->position.store(0, std::memory_order_relaxed);
    shared_->phase.store(static_cast<int>(phase), std::memory_order_release);
    shared_->entered.fetch_add(1, std::memory_order_release);
}

void ImportHeartbeat::advance(uint64_t position) { shared_->position.store(position, std::memory_order_release); }

ImportPhase ImportHeartbeat::phase() const { return static_cast<ImportPhase>(shared_->phase.load(std::memory_order_acquire)); }

uint64_t ImportHeartbeat::beat() const
{
    // Positions stay far below 2^40 messages; the phase count goes above them.
    return (shared_->entered.load(std::memory_order_acquire) << 40) + shared_->position.load(std::memory_order_acquire);
}

std::string ImportHeartbeat::where() const
{
    char copy[sizeof shared_->where];
    std::memcpy(copy, shared_->where, sizeof copy);
    copy[sizeof copy - 1] = '\0';
    return copy;
}

} // namespace teescope::cli
