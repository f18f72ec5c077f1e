// SPDX-License-Identifier: MIT
#include "core/params.h"

#include "core/shm.h"

#include <cerrno>

namespace teescope::teesim {

namespace {

constexpr uint64_t kAttrMask = TEE_IOCTL_PARAM_ATTR_TYPE_MASK | TEE_IOCTL_PARAM_ATTR_META;

// Hands out the caller's UBUF bytes in parameter order.
struct DataCursor {
    std::span<const uint8_t> data;
    size_t off = 0;
    bool short_ = false;

    void take(TeeParam &p)
    {
        if (short_ || p.b > data.size() - off) {
            short_ = true;
            p.unreadable = true;
            return;
        }
        p.in = data.subspan(off, p.b);
        off += p.b;
    }
};

} // namespace

bool user_range_ok(uint64_t addr, uint64_t size)
{
    return size <= kUserAddressEnd && addr <= kUserAddressEnd - size;
}

tee_ioctl_param raw_param(std::span<const uint8_t> raw, size_t header, size_t i)
{
    return get<tee_ioctl_param>(raw, header + i * sizeof(tee_ioctl_param));
}

// tee_core.c: params_from_user() and param_from_user_memref().
int params_from_user(std::span<const uint8_t> raw, uint32_t count, std::span<const uint8_t> data,
                     const ShmTable &shm, int device, uint64_t ctx, bool memref_null_ok,
                     std::vector<TeeParam> &out)
{
    out.assign(count, TeeParam{});
    DataCursor cursor{data};
    for (uint32_t n = 0; n < count; ++n) {
        // The transport sends the parameters it could read: the next one faulted.
        if ((n + 1) * sizeof(tee_ioctl_param) > raw.size())
            return EFAULT;
        tee_ioctl_param ip = get<tee_ioctl_param>(raw, n * sizeof(tee_ioctl_param));
        TeeParam &p = out[n];
        if (ip.attr & ~kAttrMask)
            return EINVAL;
        p.attr = ip.attr;
        switch (ip.attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_NONE:
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT:
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
            p.a = ip.a;
            p.b = ip.b;
            p.c = ip.c;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT:
            p.a = ip.a;
            p.b = ip.b;
            if (!user_range_ok(ip.a, ip.b))
                return EFAULT;
            if ((ip.attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK) != TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT)
                cursor.take(p);
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INOUT:
            p.a = ip.a;
            p.b = ip.b;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
            if (ip.c != TEE_MEMREF_NULL) {
                // tee_shm_get_from_id(): the id is an int, and another context's shm is refused.
                const int32_t id = static_cast<int32_t>(ip.c);
                const Shm *s = shm.find(device, id);
                if (!s || !s->ready || s->ctx != ctx)
                    return EINVAL;
                if (ip.a + ip.b < ip.a || ip.a + ip.b > s->size)
                    return EINVAL;
                p.shm = id;
            } else if (!memref_null_ok) {
                return EINVAL;
            }
            p.a = ip.a;
            p.b = ip.b;
            p.c = ip.c;
            break;
        default:
            return EINVAL; // unknown attribute
        }
    }
    return 0;
}

// tee_core.c: params_to_user(). The switch is on the whole attribute: a META parameter gets
// nothing back, nor does any input.
void params_to_user(std::span<const TeeParam> params, Bytes &arg, size_t header, Bytes &data)
{
    for (size_t n = 0; n < params.size(); ++n) {
        const TeeParam &p = params[n];
        const size_t at = header + n * sizeof(tee_ioctl_param);
        switch (p.attr) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
            put(arg, at + offsetof(tee_ioctl_param, a), p.a);
            put(arg, at + offsetof(tee_ioctl_param, b), p.b);
            put(arg, at + offsetof(tee_ioctl_param, c), p.c);
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT:
            put(arg, at + offsetof(tee_ioctl_param, b), p.b);
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INOUT:
            put(arg, at + offsetof(tee_ioctl_param, a), p.a);
            put(arg, at + offsetof(tee_ioctl_param, b), p.b);
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
            put(arg, at + offsetof(tee_ioctl_param, b), p.b);
            break;
        default:
            break;
        }
        // The bytes copied to an output buffer travel beside the argument, each with its length.
        const uint32_t type = p.type();
        if (type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT || type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT) {
            const uint64_t len = p.copied ? p.out.size() : 0;
            put(data, data.size(), len);
            if (len)
                data.insert(data.end(), p.out.begin(), p.out.end());
        }
    }
}

// tee_core.c: params_to_supp().
void params_to_supp(std::span<const TeeParam> params, uint32_t count, Bytes &arg, size_t header, Bytes &data)
{
    for (uint32_t n = 0; n < count && n < params.size(); ++n) {
        const TeeParam &p = params[n];
        tee_ioctl_param ip{p.attr, 0, 0, 0};
        switch (p.type()) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
            ip.a = p.a;
            ip.b = p.b;
            ip.c = p.c;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT:
            ip.a = p.a;
            ip.b = p.b;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INOUT:
            ip.a = p.a;
            ip.b = p.b;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
            ip.b = p.b;
            ip.a = p.shm >= 0 ? p.a : 0;
            ip.c = p.shm >= 0 ? static_cast<uint64_t>(p.shm) : TEE_MEMREF_NULL;
            break;
        default:
            break;
        }
        put(arg, header + n * sizeof(tee_ioctl_param), ip);
        if (p.type() == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT && !p.out.empty())
            data.insert(data.end(), p.out.begin(), p.out.end());
    }
}

// tee_core.c: params_from_supp().
int params_from_supp(std::span<const uint8_t> raw, uint32_t count, std::span<const uint8_t> data,
                     std::vector<TeeParam> &out)
{
    out.assign(count, TeeParam{});
    DataCursor cursor{data};
    for (uint32_t n = 0; n < count; ++n) {
        // The transport sends the parameters it could read: the next one faulted.
        if ((n + 1) * sizeof(tee_ioctl_param) > raw.size())
            return EFAULT;
        tee_ioctl_param ip = get<tee_ioctl_param>(raw, n * sizeof(tee_ioctl_param));
        TeeParam &p = out[n];
        if (ip.attr & ~kAttrMask)
            return EINVAL;
        p.attr = ip.attr;
        switch (ip.attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
            p.a = ip.a;
            p.b = ip.b;
            p.c = ip.c;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT:
            p.a = ip.a;
            p.b = ip.b;
            if (!user_range_ok(ip.a, ip.b))
                return EFAULT;
            cursor.take(p);
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INOUT:
            p.a = ip.a;
            p.b = ip.b;
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
        case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
            p.b = ip.b;
            break;
        default:
            break; // inputs, NONE and unknown type numbers: accepted, contents ignored
        }
    }
    return 0;
}

} // namespace teescope::teesim
