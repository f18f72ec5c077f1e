// SPDX-License-Identifier: MIT
// The secure world behind qcomtee: the root object and a catalogue of services (MinkIPC IDL
// where public: register-as-client, client env, AppLoader, Diagnostics, FeatureVersions, the app
// controller and the sample app; and teesim's listener registry and region store). Wrong
// argument counts give INVALID, wrong input sizes SIZE_IN, too small output buffers SIZE_OUT.
#include "qtee/qtee.h"

#include "core/injection.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace teescope::teesim::qtee {

namespace {

// The credentials are read in pieces of at most this many bytes.
constexpr uint64_t kCredentialsChunk = 1024;
constexpr uint64_t kCredentialsMax = 64 * 1024;

} // namespace

// Latency of the secure world, spent with the driver lock dropped.
void Qtee::secure_world_time(Invocation &inv, uint32_t service, uint32_t op)
{
    double us = injected_latency_us(core_->cfg, core_->rng, service, op);
    if (us <= 0)
        return;
    inv.lk.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(us)));
    inv.lk.lock();
}

int32_t Qtee::sw_invoke(Invocation &inv, Instance *target, uint32_t op, SwArgs &a)
{
    uint32_t service = target->kind == TEESCOPE_OBJECT_KIND_ROOT ? kServiceRoot : target->sw->uid;
    int32_t ret;
    if (injected_failure(core_->cfg, core_->rng, service, op, ret))
        return ret;
    secure_world_time(inv, service, op);
    if (target->kind == TEESCOPE_OBJECT_KIND_ROOT)
        return sw_root(inv, op, a);
    SwObject *o = target->sw;
    switch (o->type) {
    case SwType::ClientEnv:
        return sw_client_env(op, a);
    case SwType::AppLoader:
        return sw_apploader(op, a);
    case SwType::Diagnostics:
        return sw_diagnostics(op, a);
    case SwType::FeatureVersions:
        return sw_featureversions(op, a);
    case SwType::GPAppClient:
        return QCOMTEE_MSG_ERROR_INVALID;
    case SwType::Registry:
        return sw_registry(inv, o, op, a);
    case SwType::RegionStore:
        return sw_region_store(o, op, a);
    case SwType::AppController:
        return sw_app_controller(o, op, a);
    case SwType::App:
        return sw_app(o, op, a);
    }
    return QCOMTEE_MSG_ERROR_INVALID;
}

// Root op 2 register-as-client: QTEE reads the credentials through their IIO interface (getLength,
// then readAtOffset until all is read), drops them and returns a client env.
int32_t Qtee::sw_root(Invocation &inv, uint32_t op, SwArgs &a)
{
    if (op != QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT)
        return QCOMTEE_MSG_ERROR_INVALID;
    if (!a.shape(0, 0, 1, 1) || !a.oi[0] || a.oi[0]->kind != TEESCOPE_OBJECT_KIND_CALLBACK)
        return QCOMTEE_MSG_ERROR_INVALID;
    Instance *cred = a.oi[0];
    CallbackResult len = call_callback(inv, cred, QCOMTEE_IIO_OP_GET_LENGTH, {}, {8});
    if (len.result != QCOMTEE_MSG_OK || len.bo.size() != 1 || len.bo[0].size() != 8)
        return QCOMTEE_MSG_ERROR;
    uint64_t total = get<uint64_t>(len.bo[0], 0);
    if (total > kCredentialsMax)
        return QCOMTEE_MSG_ERROR_SIZE_IN;
    uint64_t off = 0;
    while (off < total) {
        uint64_t want = std::min<uint64_t>(total - off, kCredentialsChunk);
        CallbackResult chunk = call_callback(inv, cred, QCOMTEE_IIO_OP_READ_AT_OFFSET, {u64_bytes(off)}, {want});
        if (chunk.result != QCOMTEE_MSG_OK || chunk.bo.size() != 1 || chunk.bo[0].empty())
            return QCOMTEE_MSG_ERROR;
        off += chunk.bo[0].size();
    }
    a.out = {ObjRef{new_sw(SwType::ClientEnv, TEESIM_CLASS_CLIENT_ENV), nullptr, nullptr}};
    return QCOMTEE_MSG_OK;
}

int32_t Qtee::sw_client_env(uint32_t op, SwArgs &a)
{
    if (op != QCOMTEE_CLIENT_ENV_OP_OPEN)
        return QCOMTEE_MSG_ERROR_INVALID;
    if (!a.shape(1, 0, 0, 1))
        return QCOMTEE_MSG_ERROR_INVALID;
    if (a.bi[0].size() != 4)
        return QCOMTEE_MSG_ERROR_SIZE_IN;
    auto it = singletons_.find(get<uint32_t>(a.bi[0], 0));
    if (it == singletons_.end())
        return QCOMTEE_MSG_ERROR;
    sw_ref(it->second);
    a.out = {ObjRef{it->second, nullptr, nullptr}};
    return QCOMTEE_MSG_OK;
}

// An image "TAPP<name>" loads the app <name>; anything else is not an app QTEE can load.
int32_t Qtee::load_app(std::span<const uint8_t> image, SwArgs &a)
{
    if (image.size() < 5 || std::memcmp(image.data(), "TAPP", 4) != 0)
        return QCOMTEE_MSG_ERROR_USERBASE;
    SwObject *ctl = new_sw(SwType::AppController, TEESIM_CLASS_APP_CONTROLLER);
    auto name = image.subspan(4);
    ctl->app_name.assign(name.begin(), std::find(name.begin(), name.end(), 0));
    ctl->heap = 64 + image.size();
    a.out = {ObjRef{ctl, nullptr, nullptr}};
    return QCOMTEE_MSG_OK;
}

int32_t Qtee::sw_apploader(uint32_t op, SwArgs &a)
{
    if (op == QCOMTEE_APPLOADER_OP_LOAD_FROM_BUFFER) {
        if (!a.shape(1, 0, 0, 1))
            return QCOMTEE_MSG_ERROR_INVALID;
        return load_app(a.bi[0], a);
    }
    if (op == QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION) {
        if (!a.shape(0, 0, 1, 1) || !a.oi[0] || a.oi[0]->kind != TEESCOPE_OBJECT_KIND_MEMORY)
            return QCOMTEE_MSG_ERROR_INVALID;
        const Shm *s = core_->shm.find(a.oi[0]->shm);
        Bytes image;
        if (!s || !core_->shm.read(*s, image))
            return QCOMTEE_MSG_ERROR_MEM;
        return load_app(image, a);
    }
    return QCOMTEE_MSG_ERROR_INVALID;
}

// op 0 queryHeapInfo: six u32 computed from the live secure-world objects.
int32_t Qtee::sw_diagnostics(uint32_t op, SwArgs &a)
{
    if (op != QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO)
        return QCOMTEE_MSG_ERROR_INVALID;
    if (!a.shape(0, 1, 0, 0))
        return QCOMTEE_MSG_ERROR_INVALID;
    if (a.bo_cap[0] < 24)
        return QCOMTEE_MSG_ERROR_SIZE_OUT;
    const uint32_t total = 1u << 20;
    uint32_t used = 0, overhead = 0, wasted = 0;
    for (SwObject *o : sw_live_) {
        used += static_cast<uint32_t>(o->heap);
        overhead += 16;
        wasted += static_cast<uint32_t>((8 - o->heap % 8) % 8);
    }
    uint32_t free_bytes = used + overhead > total ? 0 : total - used - overhead;
    Bytes out;
    const uint32_t v[6] = {total, used, free_bytes, overhead, wasted, free_bytes};
    for (int i = 0; i < 6; ++i)
        put(out, i * 4u, v[i]);
    a.bo = {out};
    return QCOMTEE_MSG_OK;
}

// op 0 getVersion(u32 feature) -> u32 version: every feature is at version 1.
int32_t Qtee::sw_featureversions(uint32_t op, SwArgs &a)
{
    if (op != 0 || !a.shape(1, 1, 0, 0))
        return QCOMTEE_MSG_ERROR_INVALID;
    if (a.bi[0].size() != 4)
        return QCOMTEE_MSG_ERROR_SIZE_IN;
    if (a.bo_cap[0] < 4)
        return QCOMTEE_MSG_ERROR_SIZE_OUT;
    a.bo = {u32_bytes(1)};
    return QCOMTEE_MSG_OK;
}

int32_t Qtee::sw_app_controller(SwObject *o, uint32_t op, SwArgs &a)
{
    if (op > QCOMTEE_APPCONTROLLER_OP_GET_APP_OBJECT)
        return QCOMTEE_MSG_ERROR_INVALID;
    if (o->unloaded)
        return QCOMTEE_MSG_ERROR;
    if (op == QCOMTEE_APPCONTROLLER_OP_OPEN_SESSION || op == QCOMTEE_APPCONTROLLER_OP_UNLOAD) {
        if (!a.shape(0, 0, 0, 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (op == QCOMTEE_APPCONTROLLER_OP_UNLOAD)
            o->unloaded = true;
        return QCOMTEE_MSG_OK;
    }
    if (!a.shape(0, 0, 0, 1))
        return QCOMTEE_MSG_ERROR_INVALID;
    SwObject *app = new_sw(SwType::App, TEESIM_CLASS_APP);
    app->app_name = o->app_name;
    app->controller = o;
    sw_ref(o);
    a.out = {ObjRef{app, nullptr, nullptr}};
    return QCOMTEE_MSG_OK;
}

// The sample app: op 0 add(two u32) -> their u32 sum.
int32_t Qtee::sw_app(SwObject *o, uint32_t op, SwArgs &a)
{
    if (op != QCOMTEE_APP_OP_ADD || !a.shape(1, 1, 0, 0))
        return QCOMTEE_MSG_ERROR_INVALID;
    if (o->controller && o->controller->unloaded)
        return QCOMTEE_MSG_ERROR;
    if (a.bi[0].size() != 8)
        return QCOMTEE_MSG_ERROR_SIZE_IN;
    if (a.bo_cap[0] < 4)
        return QCOMTEE_MSG_ERROR_SIZE_OUT;
    a.bo = {u32_bytes(get<uint32_t>(a.bi[0], 0) + get<uint32_t>(a.bi[0], 4))};
    return QCOMTEE_MSG_OK;
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
        Instance *cb = it->second;
        ObjRef o;
        if (Instance *in = a.oi[0]) {
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
        }
        ++cb->qtee_refs;
        CallbackResult r;
        try {
            r = call_callback(inv, cb, TEESIM_LISTENER_OP_ON_OBJECT, {}, {}, {o});
        } catch (const Aborted &) {
            drop_qtee_ref(cb);
            throw;
        }
        drop_qtee_ref(cb);
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
        Instance *cb = it->second;
        ++cb->qtee_refs;
        CallbackResult r;
        try {
            r = call_callback(inv, cb, TEESIM_LISTENER_OP_GIVE, {}, {}, {}, 1);
        } catch (const Aborted &) {
            drop_qtee_ref(cb);
            throw;
        }
        drop_qtee_ref(cb);
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

// The region store keeps memory objects for a client and lends them back (op 1), which is how a
// memory object travels from QTEE to a client: only to the context that owns its shm.
int32_t Qtee::sw_region_store(SwObject *store, uint32_t op, SwArgs &a)
{
    switch (op) {
    case TEESIM_REGION_STORE_OP_KEEP: {
        if (!a.shape(0, 1, 1, 0) || !a.oi[0] || a.oi[0]->kind != TEESCOPE_OBJECT_KIND_MEMORY)
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bo_cap[0] < 4)
            return QCOMTEE_MSG_ERROR_SIZE_OUT;
        const uint32_t token = store->next_token++;
        ++a.oi[0]->refs; // QTEE keeps the region mapped
        store->regions[token] = a.oi[0];
        store->heap += 16;
        a.bo = {u32_bytes(token)};
        return QCOMTEE_MSG_OK;
    }
    case TEESIM_REGION_STORE_OP_LEND:
    case TEESIM_REGION_STORE_OP_DROP: {
        const bool lend = op == TEESIM_REGION_STORE_OP_LEND;
        if (!a.shape(1, 0, 0, lend ? 1 : 0))
            return QCOMTEE_MSG_ERROR_INVALID;
        if (a.bi[0].size() != 4)
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        auto it = store->regions.find(get<uint32_t>(a.bi[0], 0));
        if (it == store->regions.end())
            return QCOMTEE_MSG_ERROR;
        Instance *mem = it->second;
        if (lend) {
            ++mem->refs;
            a.out = {ObjRef{nullptr, nullptr, mem}};
        } else {
            store->regions.erase(it);
            store->heap -= 16;
            drop_ref(0, 0, mem);
        }
        return QCOMTEE_MSG_OK;
    }
    default:
        return QCOMTEE_MSG_ERROR_INVALID;
    }
}

} // namespace teescope::teesim::qtee
