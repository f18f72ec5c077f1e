// SPDX-License-Identifier: MIT
#include "qtee/marshal.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace teescope::qtee {

namespace {

tee_ioctl_param make_param(uint64_t type, uint64_t a, uint64_t b, uint64_t c = 0)
{
    tee_ioctl_param p{};
    p.attr = type;
    p.a = a;
    p.b = b;
    p.c = c;
    return p;
}

void check_class(size_t count, const char *what)
{
    if (count > QCOMTEE_ARGS_PER_TYPE)
        throw std::invalid_argument(std::string("too many ") + what + ": " + std::to_string(count) +
                                    " (QTEE accepts at most 16)");
}

void expect_type(const tee_ioctl_param &p, uint32_t type, size_t index)
{
    if (tee_param_type(p.attr) != type)
        throw std::runtime_error("parameter " + std::to_string(index) + " has type " +
                                 std::to_string(tee_param_type(p.attr)) + ", expected " + std::to_string(type));
}

} // namespace

TeeError::TeeError(const std::string &what, int err)
    : std::runtime_error(what + ": " + std::strerror(err)), err_(err)
{
}

QteeResultError::QteeResultError(const std::string &what, int32_t result)
    : std::runtime_error(what + " returned " + result_name(result)), result_(result)
{
}

std::string result_name(int32_t result)
{
    switch (result) {
    case QCOMTEE_MSG_OK: return "OK";
    case QCOMTEE_MSG_ERROR: return "ERROR";
    case QCOMTEE_MSG_ERROR_INVALID: return "ERROR_INVALID";
    case QCOMTEE_MSG_ERROR_SIZE_IN: return "ERROR_SIZE_IN";
    case QCOMTEE_MSG_ERROR_SIZE_OUT: return "ERROR_SIZE_OUT";
    case QCOMTEE_MSG_ERROR_MEM: return "ERROR_MEM";
    case QCOMTEE_MSG_ERROR_DEFUNCT: return "ERROR_DEFUNCT";
    case QCOMTEE_MSG_ERROR_ABORT: return "ERROR_ABORT";
    case QCOMTEE_MSG_ERROR_BADOBJ: return "ERROR_BADOBJ";
    case QCOMTEE_MSG_ERROR_NOSLOTS: return "ERROR_NOSLOTS";
    case QCOMTEE_MSG_ERROR_MAXARGS: return "ERROR_MAXARGS";
    case QCOMTEE_MSG_ERROR_MAXDATA: return "ERROR_MAXDATA";
    case QCOMTEE_MSG_ERROR_UNAVAIL: return "ERROR_UNAVAIL";
    case QCOMTEE_MSG_ERROR_KMEM: return "ERROR_KMEM";
    case QCOMTEE_MSG_ERROR_REMOTE: return "ERROR_REMOTE";
    case QCOMTEE_MSG_ERROR_BUSY: return "ERROR_BUSY";
    case QCOMTEE_MSG_ERROR_TIMEOUT: return "ERROR_TIMEOUT";
    default:
        if (result >= QCOMTEE_MSG_ERROR_USERBASE)
            return "service error " + std::to_string(result);
        return "result " + std::to_string(result);
    }
}

size_t marshal_invoke(std::span<tee_ioctl_param> params, std::span<const InBuffer> in_buffers,
                      std::span<const OutBuffer> out_buffers, std::span<const ObjectRef> in_objects,
                      size_t out_object_count)
{
    check_class(in_buffers.size(), "input buffers");
    check_class(out_buffers.size(), "output buffers");
    check_class(in_objects.size(), "input objects");
    check_class(out_object_count, "output objects");
    const size_t total = in_buffers.size() + out_buffers.size() + in_objects.size() + out_object_count;
    if (total > params.size())
        throw std::invalid_argument("parameter array too small: need " + std::to_string(total));

    size_t n = 0;
    for (const InBuffer &b : in_buffers)
        params[n++] = make_param(TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, reinterpret_cast<uintptr_t>(b.data()), b.size());
    for (const OutBuffer &b : out_buffers)
        params[n++] = make_param(TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(b.data()), b.size());
    for (const ObjectRef &o : in_objects)
        params[n++] = make_param(TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, o.id, o.flags);
    for (size_t i = 0; i < out_object_count; ++i)
        params[n++] = make_param(TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, TEE_OBJREF_NULL, 0);
    return n;
}

void unmarshal_invoke(std::span<const tee_ioctl_param> params, size_t in_buffer_count,
                      size_t out_buffer_count, size_t in_object_count, std::span<size_t> out_sizes,
                      std::span<ObjectRef> out_objects)
{
    const size_t total = in_buffer_count + out_buffer_count + in_object_count + out_objects.size();
    if (params.size() < total)
        throw std::runtime_error("driver returned " + std::to_string(params.size()) + " parameters, expected " +
                                 std::to_string(total));
    size_t n = in_buffer_count;
    for (size_t i = 0; i < out_buffer_count; ++i, ++n) {
        expect_type(params[n], TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, n);
        if (i < out_sizes.size())
            out_sizes[i] = params[n].b;
    }
    n += in_object_count;
    for (size_t i = 0; i < out_objects.size(); ++i, ++n) {
        expect_type(params[n], TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, n);
        out_objects[i] = ObjectRef{params[n].a, params[n].b};
    }
}

void prepare_recv(std::span<tee_ioctl_param> params, std::span<uint8_t> payload)
{
    if (params.empty())
        throw std::invalid_argument("SUPPL_RECV needs at least the meta parameter");
    for (tee_ioctl_param &p : params)
        p = tee_ioctl_param{};
    params[0] = make_param(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META,
                           reinterpret_cast<uintptr_t>(payload.data()), payload.size());
}

CallbackRequest decode_request(uint32_t func, std::span<const tee_ioctl_param> params,
                               std::span<const uint8_t> payload)
{
    if (params.empty() || params[0].attr != (TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META))
        throw std::runtime_error("callback request without a VALUE_INOUT|META first parameter");
    CallbackRequest req;
    req.op = func;
    req.user_id = params[0].a;
    req.request_id = params[0].b;
    const auto base = reinterpret_cast<uintptr_t>(payload.data());
    // Every parameter the driver filled belongs to the request, in class order.
    int stage = 0;
    for (size_t i = 1; i < params.size(); ++i) {
        const tee_ioctl_param &p = params[i];
        const uint32_t type = tee_param_type(p.attr);
        int class_index;
        switch (type) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT: {
            class_index = 0;
            if (p.b > payload.size() || p.a < base || p.a - base > payload.size() - p.b)
                throw std::runtime_error("callback request parameter " + std::to_string(i) +
                                         ": input buffer outside the payload buffer");
            req.in_buffers.emplace_back(payload.data() + (p.a - base), p.b);
            break;
        }
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT:
            class_index = 1;
            req.out_capacities.push_back(p.b);
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT:
            class_index = 2;
            req.in_objects.push_back(ObjectRef{p.a, p.b});
            break;
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT:
            class_index = 3;
            ++req.out_object_count;
            break;
        default:
            throw std::runtime_error("callback request parameter " + std::to_string(i) + " has unexpected type " +
                                     std::to_string(type));
        }
        if (class_index < stage)
            throw std::runtime_error("callback request parameter " + std::to_string(i) + " is out of order");
        stage = class_index;
    }
    return req;
}

size_t encode_answer(std::span<tee_ioctl_param> params, uint64_t request_id,
                     std::span<const InBuffer> out_buffers, std::span<const ObjectRef> out_objects)
{
    if (params.empty())
        throw std::invalid_argument("an answer needs the meta parameter");
    // The answer mirrors the request in place: inputs stay as they came, outputs are filled in.
    size_t next_buffer = 0, next_object = 0;
    for (size_t i = 1; i < params.size(); ++i) {
        tee_ioctl_param &p = params[i];
        switch (tee_param_type(p.attr)) {
        case TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT: {
            if (next_buffer == out_buffers.size())
                throw std::invalid_argument("answer has fewer output buffers than the request");
            const InBuffer &b = out_buffers[next_buffer++];
            p = make_param(TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, reinterpret_cast<uintptr_t>(b.data()), b.size());
            break;
        }
        case TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT: {
            if (next_object == out_objects.size())
                throw std::invalid_argument("answer has fewer output objects than the request");
            const ObjectRef &o = out_objects[next_object++];
            p = make_param(TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, o.id, o.flags);
            break;
        }
        default:
            break;
        }
    }
    if (next_buffer != out_buffers.size() || next_object != out_objects.size())
        throw std::invalid_argument("answer has more outputs than the request");
    params[0] = make_param(TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META, request_id, 0);
    return params.size();
}

} // namespace teescope::qtee
