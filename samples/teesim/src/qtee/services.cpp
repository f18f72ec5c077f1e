// SPDX-License-Identifier: MIT
// The secure world behind qcomtee: the root object and a catalogue of services (MinkIPC IDL
// where public: register-as-client, client env, AppLoader, Diagnostics, FeatureVersions, the app
// controller and the sample app). Wrong argument counts give INVALID, wrong input sizes SIZE_IN,
// too small output buffers SIZE_OUT. teesim's own services: registry.cpp, region_store.cpp.
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
        const Shm *s = core_->shm.find(0, a.oi[0]->shm);
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

} // namespace teescope::teesim::qtee
