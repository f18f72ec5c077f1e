// SPDX-License-Identifier: MIT
// Sessions of OP-TEE OS (entry_std.c: entry_open_session, entry_invoke_command,
// entry_close_session; tee_ta_manager.c; user_ta.c): the checks and result origins of each
// entry, session ids, TA instances, panics.
#include "optee/os/entry_call.h"
#include "optee/os/os.h"

#include "core/injection.h"

#include <cstring>

namespace teescope::teesim::optee {

namespace {

constexpr size_t kMaxTaParams = 4;

bool valid_login(uint32_t login)
{
    switch (login) {
    case TEE_IOCTL_LOGIN_PUBLIC:
    case TEE_IOCTL_LOGIN_USER:
    case TEE_IOCTL_LOGIN_GROUP:
    case TEE_IOCTL_LOGIN_APPLICATION:
    case TEE_IOCTL_LOGIN_USER_APPLICATION:
    case TEE_IOCTL_LOGIN_GROUP_APPLICATION:
    case TEE_IOCTL_LOGIN_REE_KERNEL:
        return true;
    default:
        return false;
    }
}

bool is_meta_value_input(const MsgParam &p) { return p.meta && p.type == TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT; }

} // namespace

Session *Os::find_session(Partition &p, uint32_t id)
{
    for (Session &s : p.sessions)
        if (s.id == id && !s.closing)
            return &s;
    return nullptr;
}

// new_session_id(): one after the most recently opened session still open, skipping 0 and ids
// in use (so ids restart at 1 once every session is closed).
uint32_t Os::new_session_id(const Partition &p) const
{
    uint32_t id = p.sessions.empty() ? 1 : p.sessions.back().id + 1;
    for (;;) {
        bool used = id == 0;
        for (const Session &s : p.sessions)
            used = used || s.id == id;
        if (!used)
            return id;
        ++id;
    }
}

// copy_in_params(): at most four, no META bit, only NONE, VALUE and (registered) memrefs; a TA
// sees a and b of a value, and a NULL memref with size 0.
uint32_t Os::copy_in(const Partition &p, const MsgArg &arg, size_t first, uint32_t &types, TaParams &params) const
{
    if (arg.params.size() - first > kMaxTaParams)
        return TEEC_ERROR_BAD_PARAMETERS;
    types = 0;
    params = {};
    for (size_t i = first; i < arg.params.size(); ++i) {
        const MsgParam &m = arg.params[i];
        TaParam &t = params[i - first];
        if (m.meta)
            return TEEC_ERROR_BAD_PARAMETERS;
        t.type = m.type;
        if (m.is_value()) {
            t.a = static_cast<uint32_t>(m.a);
            t.b = static_cast<uint32_t>(m.b);
        } else if (m.is_memref()) {
            if (m.shm) {
                if (!m.tmem && !p.registered.count(m.shm.cookie))
                    return TEEC_ERROR_BAD_PARAMETERS; // no such cookie (mobj_reg_shm_get_by_cookie)
                const Shm *s = m.shm.core->shm.find(m.shm.device, m.shm.id);
                if (!s || s->cookie != m.shm.cookie || m.offset + m.size < m.offset || m.offset + m.size > s->size)
                    return TEEC_ERROR_SECURITY;
                t.shm = m.shm;
                t.offset = m.offset;
                t.size = m.size;
            }
        } else if (m.type != TEE_IOCTL_PARAM_ATTR_TYPE_NONE) {
            return TEEC_ERROR_BAD_PARAMETERS;
        }
        types |= t.type << (4 * (i - first));
    }
    return TEEC_SUCCESS;
}

// copy_out_param(): value a and b (c stays as the normal world sent it), memref sizes.
void Os::copy_out(MsgArg &arg, size_t first, const TaParams &params) const
{
    for (size_t i = first; i < arg.params.size() && i - first < kMaxTaParams; ++i) {
        MsgParam &m = arg.params[i];
        const TaParam &t = params[i - first];
        if (m.type == TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT || m.type == TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT) {
            m.a = t.a;
            m.b = t.b;
        } else if (m.type == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT || m.type == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT) {
            m.size = t.size;
        }
    }
}

uint32_t Os::injected(const TaInfo &ta, uint32_t cmd, EntryCall &call)
{
    const uint32_t service = kTaServiceBase + static_cast<uint32_t>(&ta - teescope::optee::catalogue().data());
    int32_t ret = 0;
    if (injected_failure(cfg_, rng_, service, cmd, ret))
        return static_cast<uint32_t>(ret);
    if (double us = injected_latency_us(cfg_, rng_, service, cmd); us > 0)
        call.run_for(us, false);
    return TEEC_SUCCESS;
}

// tee_ta_init_session(): a single-instance TA that is loaded serves the new session (a second
// session of one without TA_FLAG_MULTI_SESSION is BUSY); anything else is loaded through the
// supplicant.
uint32_t Os::instance_for(Partition &p, const Uuid &uuid, EntryCall &call, std::shared_ptr<TaInstance> &out)
{
    if (auto it = p.single_instances.find(uuid); it != p.single_instances.end() && !it->second->panicked) {
        if (!it->second->info->multi_session && it->second->sessions > 0)
            return TEEC_ERROR_BUSY;
        out = it->second;
        return TEEC_SUCCESS;
    }
    if (uint32_t r = load_ta(call, uuid))
        return r;
    if (p.destroyed)
        return TEEC_ERROR_COMMUNICATION;
    const TaInfo *info = teescope::optee::find_ta(uuid);
    if (!info)
        return TEEC_ERROR_ITEM_NOT_FOUND;
    out = std::make_shared<TaInstance>();
    out->info = info;
    out->ta = make_ta(*info);
    if (info->single_instance)
        p.single_instances[uuid] = out;
    return TEEC_SUCCESS;
}

void Os::drop_session(Partition &p, uint32_t id)
{
    for (auto it = p.sessions.begin(); it != p.sessions.end(); ++it) {
        if (it->id != id)
            continue;
        std::shared_ptr<TaInstance> inst = it->instance;
        p.sessions.erase(it);
        if (inst && --inst->sessions == 0 && inst->info->single_instance &&
            (!inst->info->keep_alive || inst->panicked)) {
            auto si = p.single_instances.find(inst->info->uuid);
            if (si != p.single_instances.end() && si->second == inst)
                p.single_instances.erase(si);
        }
        break;
    }
}

// entry_open_session(): two META value parameters (TA uuid; client uuid and login), the TA
// loaded, the session made, the TA's OpenSession entry. Any failure leaves session 0.
void Os::open_session(Partition &p, MsgArg &arg, RpcHandler &rpc, ThreadState &thread)
{
    arg.ret_origin = TEEC_ORIGIN_TEE;
    arg.session = 0;
    if (arg.params.size() < 2 || !is_meta_value_input(arg.params[0]) || !is_meta_value_input(arg.params[1]) ||
        !valid_login(static_cast<uint32_t>(arg.params[1].c))) {
        arg.ret = TEEC_ERROR_BAD_PARAMETERS;
        return;
    }
    Uuid uuid;
    std::memcpy(uuid.data(), &arg.params[0].a, 8);
    std::memcpy(uuid.data() + 8, &arg.params[0].b, 8);
    uint32_t types = 0;
    TaParams params;
    if (uint32_t r = copy_in(p, arg, 2, types, params)) {
        arg.ret = r;
        return;
    }
    EntryCall call(*this, p, rpc, thread);
    std::shared_ptr<TaInstance> inst;
    if (uint32_t r = instance_for(p, uuid, call, inst)) {
        arg.ret = r;
        return;
    }
    const uint32_t id = new_session_id(p);
    Session &s = p.sessions.emplace_back();
    s.id = id;
    s.instance = inst;
    s.login = static_cast<uint32_t>(arg.params[1].c);
    s.busy = true;
    ++inst->sessions;
    Lock &lk = rpc.lock();
    if (!wait(lk, p, [&] { return !inst->busy || inst->info->concurrent; })) {
        arg.ret = TEEC_ERROR_COMMUNICATION;
        return;
    }
    inst->busy = !inst->info->concurrent;
    call.session = &s;
    uint32_t r = inst->ta->open_session(call, types, params);
    inst->busy = false;
    if (p.destroyed) {
        arg.ret = TEEC_ERROR_COMMUNICATION;
        return;
    }
    s.busy = false;
    s.cancel = false;
    s.cancel_mask = true;
    entries_.notify_all();
    arg.ret_origin = TEEC_ORIGIN_TRUSTED_APP;
    if (call.panicked) {
        inst->panicked = true;
        r = TEEC_ERROR_TARGET_DEAD;
        arg.ret_origin = TEEC_ORIGIN_TEE;
    }
    copy_out(arg, 2, params);
    arg.ret = r;
    if (r != TEEC_SUCCESS) {
        drop_session(p, id);
        return;
    }
    arg.session = id;
}

// entry_invoke_command(): the session is taken exclusively; a dead TA answers TARGET_DEAD
// without running; a panic kills the instance but the session stays (every later call is
// TARGET_DEAD).
void Os::invoke(Partition &p, MsgArg &arg, RpcHandler &rpc, ThreadState &thread)
{
    arg.ret_origin = TEEC_ORIGIN_TEE;
    uint32_t types = 0;
    TaParams params;
    if (uint32_t r = copy_in(p, arg, 0, types, params)) {
        arg.ret = r;
        return;
    }
    Lock &lk = rpc.lock();
    const uint32_t id = arg.session;
    Session *s = find_session(p, id);
    if (s && !wait(lk, p, [&] { s = find_session(p, id); return !s || !s->busy; }))
        s = nullptr;
    if (!s) {
        arg.ret = TEEC_ERROR_BAD_PARAMETERS;
        return;
    }
    s->busy = true;
    std::shared_ptr<TaInstance> inst = s->instance;
    auto release = [&] {
        if ((s = find_session(p, id))) {
            s->busy = false;
            s->cancel = false;
            s->cancel_mask = true;
        }
        entries_.notify_all();
    };
    if (inst->panicked) {
        arg.ret = TEEC_ERROR_TARGET_DEAD;
        release();
        return;
    }
    if (!wait(lk, p, [&] { return !inst->busy || inst->info->concurrent; })) {
        arg.ret = TEEC_ERROR_COMMUNICATION;
        return;
    }
    inst->busy = !inst->info->concurrent;
    EntryCall call(*this, p, rpc, thread);
    call.session = s;
    arg.ret_origin = TEEC_ORIGIN_TRUSTED_APP;
    uint32_t r = injected(*inst->info, arg.func, call);
    if (r == TEEC_SUCCESS && !p.destroyed)
        r = inst->ta->invoke(call, arg.func, types, params);
    inst->busy = false;
    if (p.destroyed) {
        arg.ret = TEEC_ERROR_COMMUNICATION;
        arg.ret_origin = TEEC_ORIGIN_COMMS;
        return;
    }
    if (call.panicked) {
        inst->panicked = true;
        auto si = p.single_instances.find(inst->info->uuid);
        if (si != p.single_instances.end() && si->second == inst)
            p.single_instances.erase(si);
        r = TEEC_ERROR_TARGET_DEAD;
        arg.ret_origin = TEEC_ORIGIN_TEE;
    }
    copy_out(arg, 0, params);
    arg.ret = r;
    release();
}

// entry_close_session(): no parameters; an unknown session is ITEM_NOT_FOUND; the TA's
// CloseSession entry runs unless the TA is dead.
void Os::close_session(Partition &p, MsgArg &arg, RpcHandler &rpc, ThreadState &thread)
{
    arg.ret_origin = TEEC_ORIGIN_TEE;
    if (!arg.params.empty()) {
        arg.ret = TEEC_ERROR_BAD_PARAMETERS;
        return;
    }
    Lock &lk = rpc.lock();
    const uint32_t id = arg.session;
    Session *s = find_session(p, id);
    if (s && !wait(lk, p, [&] { s = find_session(p, id); return !s || !s->busy; }))
        s = nullptr;
    if (!s) {
        arg.ret = TEEC_ERROR_ITEM_NOT_FOUND;
        return;
    }
    s->closing = true;
    std::shared_ptr<TaInstance> inst = s->instance;
    if (!inst->panicked && wait(lk, p, [&] { return !inst->busy || inst->info->concurrent; })) {
        inst->busy = !inst->info->concurrent;
        EntryCall call(*this, p, rpc, thread);
        call.session = s;
        inst->ta->close_session(call);
        inst->busy = false;
    }
    if (!p.destroyed)
        drop_session(p, id);
    entries_.notify_all();
    arg.ret = TEEC_SUCCESS;
}

} // namespace teescope::teesim::optee
