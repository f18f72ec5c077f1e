// SPDX-License-Identifier: MIT
#include "marshal.h"

#include "user_memory.h"

#include "teescope/tee_uapi.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace teescope::simlink::detail {

namespace {

long fail_closing(int fd, int err)
{
    if (fd >= 0)
        ::close(fd);
    return -err;
}

// Fixed header of the argument behind a tee_ioctl_buf_data ioctl.
size_t header_size(unsigned long cmd)
{
    switch (cmd) {
    case TEE_IOC_OPEN_SESSION:
        return sizeof(tee_ioctl_open_session_arg);
    case TEE_IOC_INVOKE:
        return sizeof(tee_ioctl_invoke_arg);
    case TEE_IOC_OBJECT_INVOKE:
        return sizeof(tee_ioctl_object_invoke_arg);
    case TEE_IOC_SUPPL_RECV:
        return sizeof(tee_iocl_supp_recv_arg);
    default:
        return sizeof(tee_iocl_supp_send_arg);
    }
}

size_t num_params_offset(unsigned long cmd)
{
    switch (cmd) {
    case TEE_IOC_OPEN_SESSION:
        return offsetof(tee_ioctl_open_session_arg, num_params);
    case TEE_IOC_INVOKE:
        return offsetof(tee_ioctl_invoke_arg, num_params);
    case TEE_IOC_OBJECT_INVOKE:
        return offsetof(tee_ioctl_object_invoke_arg, num_params);
    case TEE_IOC_SUPPL_RECV:
        return offsetof(tee_iocl_supp_recv_arg, num_params);
    default:
        return offsetof(tee_iocl_supp_send_arg, num_params);
    }
}

tee_ioctl_param param_at(const unsigned char *arg, size_t header, uint32_t i)
{
    tee_ioctl_param p;
    std::memcpy(&p, arg + header + i * sizeof p, sizeof p);
    return p;
}

void set_param(unsigned char *arg, size_t header, uint32_t i, const tee_ioctl_param &p)
{
    std::memcpy(arg + header + i * sizeof p, &p, sizeof p);
}

bool is_output_ubuf(uint32_t type)
{
    return type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT || type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT;
}

// Whether the driver reads this UBUF parameter's bytes for this ioctl (protocol.h).
bool driver_reads_ubuf(unsigned long cmd, uint32_t type)
{
    if (cmd == TEE_IOC_SUPPL_SEND)
        return is_output_ubuf(type);
    return type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT || type == TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INOUT;
}

// The argument as the kernel reads it: the header, then the parameters up to the first that
// cannot be read. `complete` when every parameter was read.
struct ArgRead {
    uint32_t len = 0;
    uint32_t num_params = 0;
    bool complete = false;
};

int read_argument(unsigned long cmd, const tee_ioctl_buf_data &buf, unsigned char *out, ArgRead &r)
{
    const size_t header = header_size(cmd);
    // Outside these bounds the tee core refuses the call before reading anything.
    if (buf.buf_len > TEE_MAX_ARG_SIZE || buf.buf_len < header)
        return 0;
    // Usually the whole buffer reads at once (one copy, the fast path); only when it does not is
    // it read the kernel's way, piece by piece, to find where it faults.
    const bool whole = copy_in(out, buf.buf_ptr, buf.buf_len);
    if (!whole && !copy_in(out, buf.buf_ptr, header))
        return EFAULT;
    r.len = static_cast<uint32_t>(header);
    std::memcpy(&r.num_params, out + num_params_offset(cmd), sizeof r.num_params);
    const uint64_t need = header + uint64_t{r.num_params} * sizeof(tee_ioctl_param);
    // SUPPL_SEND accepts a longer buffer than it needs; the others want it exact.
    const bool sized = cmd == TEE_IOC_SUPPL_SEND ? need <= buf.buf_len : need == buf.buf_len;
    if (!sized)
        return 0;
    if (whole || copy_in(out + header, buf.buf_ptr + header, need - header)) {
        r.len = static_cast<uint32_t>(need);
        r.complete = true;
        return 0;
    }
    // One parameter faults: send those before it.
    for (uint32_t i = 0; i < r.num_params; ++i) {
        if (!copy_in(out + r.len, buf.buf_ptr + r.len, sizeof(tee_ioctl_param)))
            break;
        r.len += sizeof(tee_ioctl_param);
    }
    return 0;
}

// The UBUF bytes the driver reads, all or none.
size_t read_ubufs(Channel &ch, unsigned long cmd, const unsigned char *arg, uint32_t num_params)
{
    const size_t header = header_size(cmd);
    Segments in;
    for (uint32_t i = 0; i < num_params; ++i) {
        tee_ioctl_param p = param_at(arg, header, i);
        if (!driver_reads_ubuf(cmd, tee_param_type(p.attr)) || p.b == 0)
            continue;
        // Too much to move: send none; the driver refuses such a call on size first.
        if (p.b > kMaxDataPerCall || in.total + p.b > kMaxDataPerCall || in.count == Segments::kMax)
            return 0;
        in.add(p.a, p.b);
    }
    if (in.total == 0 || !in.read_into(ch.data.reserve(in.total)))
        return 0;
    return in.total;
}

// OBJECT_INVOKE on the channel with a small argument of its own (the release of an object the
// caller could not be given).
void release_handle(Channel &ch, uint64_t token, uint64_t id)
{
    alignas(8) unsigned char arg[sizeof(tee_ioctl_object_invoke_arg)] = {};
    const uint32_t op = QCOMTEE_OBJREF_OP_RELEASE;
    std::memcpy(arg + offsetof(tee_ioctl_object_invoke_arg, id), &id, sizeof id);
    std::memcpy(arg + offsetof(tee_ioctl_object_invoke_arg, op), &op, sizeof op);
    Call call;
    call.cmd = TEE_IOC_OBJECT_INVOKE;
    call.arg = arg;
    call.arg_len = sizeof arg;
    call.buf_len = sizeof arg;
    exchange(ch, token, call);
}

// SUPPL_SEND of an error answer to a request the supplicant could not be given.
void refuse_request(Channel &ch, uint64_t token, uint64_t request)
{
    alignas(8) unsigned char arg[sizeof(tee_iocl_supp_send_arg) + sizeof(tee_ioctl_param)];
    const tee_iocl_supp_send_arg head{static_cast<uint32_t>(-EINVAL), 1};
    const tee_ioctl_param meta{TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META, request, 0, 0};
    std::memcpy(arg, &head, sizeof head);
    std::memcpy(arg + sizeof head, &meta, sizeof meta);
    Call call;
    call.cmd = TEE_IOC_SUPPL_SEND;
    call.arg = arg;
    call.arg_len = sizeof arg;
    call.buf_len = sizeof arg;
    exchange(ch, token, call);
}

} // namespace

long fixed_ioctl(Channel &ch, const ContextRef &ctx, unsigned long cmd, void *arg)
{
    const uint64_t token = ctx.token;
    const size_t size = _IOC_SIZE(cmd);
    if ((cmd == TEE_IOC_CANCEL || cmd == TEE_IOC_CLOSE_SESSION) && !ctx.implements(cmd)) {
        // No such driver op: EINVAL before the argument is read.
        Call call;
        call.cmd = cmd;
        if (int err = exchange(ch, token, call))
            return -err;
        return call.err ? -call.err : -EINVAL;
    }
    const bool reads = cmd != TEE_IOC_VERSION; // VERSION only writes its struct
    const bool writes = cmd == TEE_IOC_VERSION || cmd == TEE_IOC_SHM_ALLOC || cmd == TEE_IOC_SHM_REGISTER
                        || cmd == TEE_IOC_SHM_REGISTER_FD;
    const bool returns_fd = writes && cmd != TEE_IOC_VERSION;
    const uint64_t user = reinterpret_cast<uintptr_t>(arg);
    unsigned char *buf = ch.arg.reserve(size);
    std::memset(buf, 0, size);
    if (reads && !copy_in(buf, user, size))
        return -EFAULT;

    Call call;
    call.cmd = cmd;
    call.arg = buf;
    call.arg_len = static_cast<uint32_t>(size);
    call.buf_len = size;
    if (int err = exchange(ch, token, call))
        return -err;
    if (call.err)
        return fail_closing(call.reply_fd, call.err);
    if (writes) {
        if (call.reply_arg_len != size)
            return fail_closing(call.reply_fd, EIO);
        if (!copy_out(user, call.reply_arg, size))
            return fail_closing(call.reply_fd, EFAULT);
    }
    if (returns_fd) {
        if (call.reply_fd < 0)
            return -EIO;
        return call.reply_fd;
    }
    if (call.reply_fd >= 0)
        ::close(call.reply_fd);
    return 0;
}

long buffer_ioctl(Channel &ch, const ContextRef &ctx, unsigned long cmd, void *arg, ArgumentTap *tap)
{
    const uint64_t token = ctx.token;
    Call call;
    call.cmd = cmd;
    // A driver without this ioctl: the tee core answers EINVAL before reading the argument.
    if (!ctx.implements(cmd)) {
        if (int err = exchange(ch, token, call))
            return -err;
        return call.err ? -call.err : -EINVAL;
    }
    tee_ioctl_buf_data buf;
    if (!copy_in(&buf, reinterpret_cast<uintptr_t>(arg), sizeof buf))
        return -EFAULT;
    const size_t header = header_size(cmd);
    unsigned char *argbuf = ch.arg.reserve(TEE_MAX_ARG_SIZE);
    ArgRead read;
    if (int err = read_argument(cmd, buf, argbuf, read))
        return -err;
    call.arg = argbuf;
    call.arg_len = read.len;
    call.buf_len = buf.buf_len;
    if (read.complete) {
        call.data_len = read_ubufs(ch, cmd, argbuf, read.num_params);
        call.data = ch.data.bytes.get();
    }
    call.interruptible = cmd == TEE_IOC_SUPPL_RECV;
    if (tap && read.complete)
        tap->sent(argbuf, call.arg_len);

    for (;;) {
        if (int err = exchange(ch, token, call))
            return -err;
        if (call.reply_fd >= 0)
            ::close(call.reply_fd);
        if (call.err)
            return -call.err;
        if (call.reply_arg_len == 0)
            return 0; // nothing written back (SUPPL_SEND)
        if (call.reply_arg_len != call.arg_len || !read.complete)
            return -EIO;
        unsigned char *updated = call.reply_arg;
        const unsigned char *data = call.reply_data;
        const unsigned char *data_end = call.reply_data + call.reply_data_len;

        if (cmd == TEE_IOC_SUPPL_RECV) {
            // The request's payloads go where the driver placed them, inside the META buffer.
            const tee_ioctl_param meta = param_at(argbuf, header, 0);
            uint32_t filled = 0;
            std::memcpy(&filled, updated + num_params_offset(cmd), sizeof filled);
            Segments out;
            for (uint32_t i = 1; i < filled && i < read.num_params; ++i) {
                tee_ioctl_param p = param_at(updated, header, i);
                if (tee_param_type(p.attr) != TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT || p.b == 0)
                    continue;
                if (p.a < meta.a || p.b > meta.b || p.a - meta.a > meta.b - p.b || out.count == Segments::kMax)
                    return -EIO;
                out.add(p.a, p.b);
            }
            if (out.total != call.reply_data_len)
                return -EIO;
            if (!out.write_from(data)) {
                // The buffer cannot take them: the request fails towards the secure world and the
                // supplicant waits for the next one, as qcomtee_user_object_select() does.
                refuse_request(ch, token, param_at(updated, header, 0).b);
                continue;
            }
        } else {
            // Output UBUFs: each gets the bytes the driver copied (never beyond its capacity).
            Segments out;
            size_t packed = 0;
            unsigned char *cursor = call.reply_data;
            for (uint32_t i = 0; i < read.num_params; ++i) {
                tee_ioctl_param before = param_at(argbuf, header, i);
                if (!is_output_ubuf(tee_param_type(before.attr)))
                    continue;
                uint64_t count = 0;
                if (data_end - data < static_cast<ptrdiff_t>(sizeof count))
                    return -EIO;
                std::memcpy(&count, data, sizeof count);
                data += sizeof count;
                if (count > static_cast<uint64_t>(data_end - data))
                    return -EIO;
                const uint64_t n = std::min(count, before.b);
                if (n > 0) {
                    // Segments are written from one contiguous buffer: compact in place.
                    std::memmove(cursor + packed, data, n);
                    out.add(before.a, n);
                    packed += n;
                }
                data += count;
            }
            if (!out.write_from(cursor)) {
                if (cmd != TEE_IOC_OBJECT_INVOKE)
                    return -EFAULT;
                // copy_to_user of an output buffer failed: qcomtee answers UNAVAIL, takes back the
                // objects it returned and leaves every output as the caller passed it.
                uint64_t handles[Segments::kMax];
                int nhandles = 0;
                for (uint32_t i = 0; i < read.num_params; ++i) {
                    tee_ioctl_param p = param_at(updated, header, i);
                    if (p.attr == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT && p.b == QCOMTEE_OBJREF_FLAG_TEE)
                        handles[nhandles++] = p.a;
                    tee_ioctl_param q = param_at(argbuf, header, i);
                    if (q.attr == TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT)
                        q.a = q.b = 0;
                    set_param(updated, header, i, q);
                }
                const uint32_t unavailable = static_cast<uint32_t>(QCOMTEE_MSG_ERROR_UNAVAIL);
                std::memcpy(updated + offsetof(tee_ioctl_object_invoke_arg, ret), &unavailable, sizeof unavailable);
                // The argument goes back before the channel's reply buffer is reused.
                if (!copy_out(buf.buf_ptr, updated, call.reply_arg_len))
                    return -EFAULT;
                for (int k = 0; k < nhandles; ++k)
                    release_handle(ch, token, handles[k]);
                return 0;
            }
        }
        if (!copy_out(buf.buf_ptr, updated, call.reply_arg_len))
            return -EFAULT;
        if (tap)
            tap->returned(updated, call.reply_arg_len);
        return 0;
    }
}

} // namespace teescope::simlink::detail
