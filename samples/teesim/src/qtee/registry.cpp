// SPDX-License-Identifier: MIT
// teesim's listener registry, a secure-world service of its own (no MinkIPC IDL): the paths where
// QTEE calls clients back on behalf of other clients — events, QTEE objects and client objects
// handed into callback requests, objects asked of a listener.
#include "qtee/qtee.h"

namespace teescope::teesim::qtee {

// QTEE keeps `in`, an input object of the invocation, to pass it on.
ObjRef Qtee::hold(Instance *in)
{
    ObjRef o;
    if (!in)
        return o;
    if (in->kind == TEESCOPE_OBJECT_KIND_QTEE) {
        sw_ref(in->sw);
        o.sw = in->sw;
    } else if (in->kind == TEESCOPE_OBJECT_KIND_CALLBACK) {
        ++in->qtee_refs;
        o.cb = in;
    } else {
        ++in->refs;
        o.mem = in;
    }
    return o;
}

// QTEE calls one registered listener, holding it for the call.
CallbackResult Qtee::call_listener(Invocation &inv, Instance *cb, uint32_t op, std::vector<ObjRef> oi, size_t oo)
{
    ++cb->qtee_refs;
    CallbackResult r;
    try {
        r = call_callback(inv, cb, op, {}, {}, std::move(oi), oo);
    } catch (const Aborted &) {
        drop_qtee_ref(cb);
        throw;
    }
    drop_qtee_ref(cb);
    return r;
}

// The listener registry keeps callback objects and calls them back: notify() with an event
// value, publish() with a QTEE service object that each listener receives as a new handle,
// relay() with any object; listener() gives a registered listener back, ask() the object a
// listener gives.
int32_t Qtee::sw_registry(Invocation &inv, SwObject *reg, uint32_t op, SwArgs &a)
{
    switch (op) {
    case TEESIM_REGISTRY_OP_REGISTER: {
        if (!a.shape(0, 1, 1, 0) || !a.oi[0] || a.oi[0]->kind != TEESCOPE_OBJECT_KIND_CALLBACK)
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bo_cap[0] < 4)
            return QCOMTEE_MSG_ERROR_SIZE_OUT;
        uint32_t token = reg->next_token++;
        ++a.oi[0]->qtee_refs; // QTEE keeps the listener
        reg->listeners[token] = a.oi[0];
        a.bo = {u32_bytes(token)};
        return QCOMTEE_MSG_OK;
    }
    case TEESIM_REGISTRY_OP_UNREGISTER: {
        if (!a.shape(1, 0, 0, 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        auto it = reg->listeners.find(get<uint32_t>(a.bi[0], 0));
        if (it == reg->listeners.end())
            return QCOMTEE_MSG_ERROR;
        Instance *cb = it->second;
        reg->listeners.erase(it);
        drop_qtee_ref(cb);
        return QCOMTEE_MSG_OK;
    }
    case TEESIM_REGISTRY_OP_NOTIFY:
    case TEESIM_REGISTRY_OP_PUBLISH: {
        if (!a.shape(1, 1, 0, 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        if (a.bo_cap[0] < 4)
            return QCOMTEE_MSG_ERROR_SIZE_OUT;
        const uint32_t value = get<uint32_t>(a.bi[0], 0);
        SwObject *service = nullptr;
        if (op == TEESIM_REGISTRY_OP_PUBLISH) {
            auto it = singletons_.find(value);
            if (it == singletons_.end())
                return QCOMTEE_MSG_ERROR;
            service = it->second;
        }
        // A snapshot: listeners may come and go while QTEE waits on each one.
        std::vector<std::pair<uint32_t, Instance *>> targets(reg->listeners.begin(), reg->listeners.end());
        for (auto &[token, cb] : targets)
            ++cb->qtee_refs;
        uint32_t reached = 0;
        size_t i = 0;
        try {
            for (; i < targets.size(); ++i) {
                auto [token, cb] = targets[i];
                CallbackResult r;
                if (service) {
                    sw_ref(service);
                    r = call_callback(inv, cb, TEESIM_LISTENER_OP_ON_SERVICE, {}, {}, {ObjRef{service, nullptr, nullptr}});
                } else {
                    r = call_callback(inv, cb, TEESIM_LISTENER_OP_ON_EVENT, {u32_bytes(value)}, {});
                }
                if (r.result == QCOMTEE_MSG_ERROR_DEFUNCT) {
                    // The listener's context is gone: forget it.
                    auto it = reg->listeners.find(token);
                    if (it != reg->listeners.end() && it->second == cb) {
                        reg->listeners.erase(it);
                        drop_qtee_ref(cb);
                    }
                } else if (r.result == QCOMTEE_MSG_OK) {
                    ++reached;
                }
                for (auto &o : r.out)
                    release_obj(o);
                drop_qtee_ref(targets[i].second);
            }
        } catch (const Aborted &) {
            for (; i < targets.size(); ++i)
                drop_qtee_ref(targets[i].second);
            throw;
        }
        a.bo = {u32_bytes(reached)};
        return QCOMTEE_MSG_OK;
    }
    case TEESIM_REGISTRY_OP_RELAY: {
        // QTEE passes the caller's object on to one listener, in that listener's supplicant.
        if (!a.shape(1, 0, 1, 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        auto it = reg->listeners.find(get<uint32_t>(a.bi[0], 0));
        if (it == reg->listeners.end())
            return QCOMTEE_MSG_ERROR;
        CallbackResult r = call_listener(inv, it->second, TEESIM_LISTENER_OP_ON_OBJECT, {hold(a.oi[0])}, 0);
        for (auto &out : r.out)
            release_obj(out);
        return r.result;
    }
    case TEESIM_REGISTRY_OP_LISTENER: {
        if (!a.shape(1, 0, 0, 1))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        // Nobody under that token: the NULL object.
        auto it = reg->listeners.find(get<uint32_t>(a.bi[0], 0));
        if (it == reg->listeners.end()) {
            a.out = {ObjRef{}};
            return QCOMTEE_MSG_OK;
        }
        ++it->second->qtee_refs;
        a.out = {ObjRef{nullptr, it->second, nullptr}};
        return QCOMTEE_MSG_OK;
    }
    case TEESIM_REGISTRY_OP_ASK: {
        // QTEE asks one listener for an object and hands it to the caller.
        if (!a.shape(1, 0, 0, 1))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        auto it = reg->listeners.find(get<uint32_t>(a.bi[0], 0));
        if (it == reg->listeners.end())
            return QCOMTEE_MSG_ERROR;
        CallbackResult r = call_listener(inv, it->second, TEESIM_LISTENER_OP_GIVE, {}, 1);
        if (r.result != QCOMTEE_MSG_OK) {
            for (auto &o : r.out)
                release_obj(o);
            return r.result;
        }
        a.out = std::move(r.out);
        return QCOMTEE_MSG_OK;
    }
    default:
        return QCOMTEE_MSG_ERROR_INVALID;
    }
}

} // namespace teescope::teesim::qtee
