// SPDX-License-Identifier: MIT
// Byte-level access to ioctl arguments: they arrive as the bytes the caller passed, in the
// kernel's layout, and are read and patched in place.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace teescope::teesim {

using Bytes = std::vector<uint8_t>;

// Writes `v` at `off`, growing `b` if needed.
template <typename T> void put(Bytes &b, size_t off, const T &v)
{
    if (b.size() < off + sizeof v)
        b.resize(off + sizeof v);
    std::memcpy(b.data() + off, &v, sizeof v);
}

// Reads a T at `off`; bytes beyond the end read as zero.
template <typename T> T get(std::span<const uint8_t> b, size_t off)
{
    T v{};
    if (off + sizeof v <= b.size())
        std::memcpy(&v, b.data() + off, sizeof v);
    return v;
}

inline Bytes u32_bytes(uint32_t v)
{
    Bytes b(4);
    std::memcpy(b.data(), &v, 4);
    return b;
}

inline Bytes u64_bytes(uint64_t v)
{
    Bytes b(8);
    std::memcpy(b.data(), &v, 8);
    return b;
}

} // namespace teescope::teesim
