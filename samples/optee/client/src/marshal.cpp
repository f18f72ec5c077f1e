// SPDX-License-Identifier: MIT
#include "marshal.h"

#include <algorithm>
#include <cstring>

#include "optee_client/context.h"

namespace teescope::optee {

namespace {

// The UAPI memref attribute of a GP memref direction.
uint64_t memref_attr(uint32_t flags)
{
    if (flags == (kMemInput | kMemOutput))
        return TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
    return flags == kMemInput ? TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT
                              : TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
}

// The shared-memory direction a temporary or partial memref type asks for.
uint32_t direction_flags(ParamType type)
{
    switch (type) {
    case ParamType::MemrefTempInput:
    case ParamType::MemrefPartialInput:
        return kMemInput;
    case ParamType::MemrefTempOutput:
    case ParamType::MemrefPartialOutput:
        return kMemOutput;
    default:
        return kMemInput | kMemOutput;
    }
}

} // namespace

uint32_t CallParams::prepare(Operation *operation)
{
    params = {};
    if (!operation)
        return TEEC_SUCCESS;
    for (size_t i = 0; i < kOperationParams; ++i) {
        const ParamType type = operation->types[i];
        Parameter &p = operation->params[i];
        uint32_t res = TEEC_SUCCESS;
        switch (type) {
        case ParamType::None:
            break;
        case ParamType::ValueInput:
        case ParamType::ValueOutput:
        case ParamType::ValueInout:
            // Same numbers on the wire; 32-bit GP values in 64-bit fields.
            params[i].attr = static_cast<uint64_t>(type);
            params[i].a = p.value.a;
            params[i].b = p.value.b;
            break;
        case ParamType::MemrefTempInput:
        case ParamType::MemrefTempOutput:
        case ParamType::MemrefTempInout:
            res = prepare_temp(i, type, p.tmpref);
            break;
        case ParamType::MemrefWhole:
            res = prepare_whole(i, p.memref);
            break;
        case ParamType::MemrefPartialInput:
        case ParamType::MemrefPartialOutput:
        case ParamType::MemrefPartialInout:
            res = prepare_partial(i, type, p.memref);
            break;
        default:
            res = TEEC_ERROR_BAD_PARAMETERS;
        }
        if (res != TEEC_SUCCESS)
            return res;
    }
    return TEEC_SUCCESS;
}

uint32_t CallParams::prepare_temp(size_t index, ParamType type, TempMemref &ref)
{
    tee_ioctl_param &out = params[index];
    const uint32_t flags = direction_flags(type);
    out.attr = memref_attr(flags);
    out.b = ref.size;
    SharedMemory &shm = temps_[index];
    if (!ref.buffer) {
        if (ref.size != 0)
            return TEEC_ERROR_BAD_PARAMETERS;
        if (ctx_.accepts_null_memref()) {
            out.c = TEE_MEMREF_NULL;
            return TEEC_SUCCESS;
        }
        // Without MEMREF_NULL a NULL memref still needs shared memory behind it.
        const uint32_t res = shm.allocate(ctx_, 0, flags);
        if (res != TEEC_SUCCESS)
            return res;
        out.c = static_cast<uint64_t>(shm.id());
        return TEEC_SUCCESS;
    }
    const uint32_t res = shm.register_memory(ctx_, ref.buffer, ref.size, flags);
    if (res != TEEC_SUCCESS)
        return res;
    // A shadow gets the whole buffer, even for an output: what the TA does not write stays.
    if (shm.shadow())
        std::memcpy(shm.shadow(), ref.buffer, ref.size);
    out.c = static_cast<uint64_t>(shm.id());
    return TEEC_SUCCESS;
}

uint32_t CallParams::prepare_whole(size_t index, RegisteredMemref &ref)
{
    SharedMemory *parent = ref.parent;
    if (!parent || !parent->active())
        return TEEC_ERROR_BAD_PARAMETERS;
    const uint32_t flags = parent->flags() & (kMemInput | kMemOutput);
    if (flags == 0)
        return TEEC_ERROR_BAD_PARAMETERS;
    if (parent->shadow() && (flags & kMemInput))
        std::memcpy(parent->shadow(), parent->buffer(), parent->size());
    tee_ioctl_param &out = params[index];
    out.attr = memref_attr(flags);
    out.a = 0;
    out.b = parent->size();
    out.c = static_cast<uint64_t>(parent->id());
    return TEEC_SUCCESS;
}

uint32_t CallParams::prepare_partial(size_t index, ParamType type, RegisteredMemref &ref)
{
    SharedMemory *parent = ref.parent;
    if (!parent || !parent->active())
        return TEEC_ERROR_BAD_PARAMETERS;
    const uint32_t required = direction_flags(type);
    if ((parent->flags() & required) != required)
        return TEEC_ERROR_BAD_PARAMETERS;
    if (ref.offset > parent->size() || ref.size > parent->size() - ref.offset)
        return TEEC_ERROR_BAD_PARAMETERS;
    if (parent->shadow() && type != ParamType::MemrefPartialOutput)
        std::memcpy(static_cast<uint8_t *>(parent->shadow()) + ref.offset,
                    static_cast<const uint8_t *>(parent->buffer()) + ref.offset, ref.size);
    tee_ioctl_param &out = params[index];
    out.attr = memref_attr(required);
    out.a = ref.offset;
    out.b = ref.size;
    out.c = static_cast<uint64_t>(parent->id());
    return TEEC_SUCCESS;
}

void CallParams::finish(Operation *operation) const
{
    if (!operation)
        return;
    for (size_t i = 0; i < kOperationParams; ++i) {
        const ParamType type = operation->types[i];
        Parameter &p = operation->params[i];
        const tee_ioctl_param &in = params[i];
        switch (type) {
        case ParamType::ValueOutput:
        case ParamType::ValueInout:
            p.value.a = static_cast<uint32_t>(in.a);
            p.value.b = static_cast<uint32_t>(in.b);
            break;
        case ParamType::MemrefTempOutput:
        case ParamType::MemrefTempInout: {
            const SharedMemory &shm = temps_[i];
            // The TA may answer a size larger than the buffer (SHORT_BUFFER): copy what fits.
            if (shm.shadow() && p.tmpref.buffer)
                std::memcpy(p.tmpref.buffer, shm.shadow(), std::min<size_t>(in.b, p.tmpref.size));
            p.tmpref.size = in.b;
            break;
        }
        case ParamType::MemrefWhole: {
            SharedMemory *parent = p.memref.parent;
            if (parent->flags() & kMemOutput) {
                if (parent->shadow() && in.b <= parent->size())
                    std::memcpy(parent->buffer(), parent->shadow(), in.b);
                p.memref.size = in.b;
            }
            break;
        }
        case ParamType::MemrefPartialOutput:
        case ParamType::MemrefPartialInout: {
            SharedMemory *parent = p.memref.parent;
            if (parent->shadow() && in.b <= p.memref.size)
                std::memcpy(static_cast<uint8_t *>(parent->buffer()) + p.memref.offset,
                            static_cast<const uint8_t *>(parent->shadow()) + p.memref.offset, in.b);
            p.memref.size = in.b;
            break;
        }
        default:
            break;
        }
    }
}

} // namespace teescope::optee
