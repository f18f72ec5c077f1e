// SPDX-License-Identifier: MIT
// GP shared memory (TEEC_SharedMemory): a buffer the trusted application sees through memrefs.
// On a device with REG_MEM, allocating takes page-aligned heap memory and registers it
// (SHM_REGISTER); registering registers the client's own buffer, or a shadow copy of it when the
// driver refuses that memory. Without REG_MEM the driver allocates (SHM_ALLOC, mmap, and the shm
// descriptor closed at once: the mapping keeps the shm), and a registered buffer is mirrored in
// such a shadow around every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace teescope::optee {

class Context;

// Directions of shared memory (TEEC_MEM_INPUT, TEEC_MEM_OUTPUT).
inline constexpr uint32_t kMemInput = 1u << 0;
inline constexpr uint32_t kMemOutput = 1u << 1;

class SharedMemory
{
  public:
    SharedMemory() = default;
    // Releases it unless leaked.
    ~SharedMemory() { release(); }
    // Operations refer to it by address.
    SharedMemory(const SharedMemory &) = delete;
    SharedMemory &operator=(const SharedMemory &) = delete;

    // TEEC_AllocateSharedMemory: `size` bytes (0 makes an 8-byte shm) with `flags` ⊆
    // kMemInput | kMemOutput, not empty. TEEC_SUCCESS, BAD_PARAMETERS or OUT_OF_MEMORY.
    uint32_t allocate(Context &ctx, size_t size, uint32_t flags);
    // TEEC_RegisterSharedMemory of the client's `buffer`. TEEC_SUCCESS, BAD_PARAMETERS,
    // OUT_OF_MEMORY or GENERIC.
    uint32_t register_memory(Context &ctx, void *buffer, size_t size, uint32_t flags);
    // TEEC_ReleaseSharedMemory. Does nothing when not allocated or registered.
    void release();
    // Forgets it without releasing: the shm stays until the process exits.
    void leak();

    bool active() const { return id_ >= 0; }
    int32_t id() const { return id_; }
    void *buffer() const { return buffer_; }
    size_t size() const { return size_; }
    uint32_t flags() const { return flags_; }
    std::span<uint8_t> bytes() const { return {static_cast<uint8_t *>(buffer_), size_}; }

    // The memory the TEE sees when it is not `buffer` (the bytes are copied around each call),
    // or nullptr.
    void *shadow() const { return shadow_; }
    Context *context() const { return ctx_; }

  private:
    void reset_fields();

    Context *ctx_ = nullptr;
    void *buffer_ = nullptr;
    size_t size_ = 0;
    uint32_t flags_ = 0;
    int32_t id_ = -1;
    // The descriptor of a registration (kept until release); -1 for SHM_ALLOC memory, whose
    // descriptor is closed right after mmap.
    int registered_fd_ = -1;
    void *shadow_ = nullptr;
    size_t alloced_size_ = 0; // bytes the driver knows: size, or 8 for a 0-byte request
    bool buffer_owned_ = false;
    bool shadow_owned_ = false; // heap shadow (freed) rather than a mapping (unmapped)
};

} // namespace teescope::optee
