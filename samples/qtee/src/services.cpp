// SPDX-License-Identifier: MIT
#include "qtee/services.h"

#include <cstring>
#include <fstream>
#include <unistd.h>

namespace teescope::qtee {

namespace {

template <typename T> InBuffer as_bytes(const T &value)
{
    return {reinterpret_cast<const uint8_t *>(&value), sizeof(value)};
}

void expect_ok(int32_t ret, const std::string &what)
{
    if (ret != QCOMTEE_MSG_OK)
        throw QteeResultError(what, ret);
}

// Invokes an op that returns exactly one object and wraps it.
Object invoke_for_object(const Object &target, uint32_t op, std::span<const InBuffer> in, std::span<const ObjectRef> in_objects,
                         const std::string &what)
{
    ObjectRef out[1];
    expect_ok(target.invoke(op, in, {}, in_objects, out), what);
    if (!out[0].is_tee())
        throw std::runtime_error(what + " returned no QTEE object (flags " + std::to_string(out[0].flags) + ")");
    return Object(target.context(), out[0].id);
}

std::string process_name()
{
    std::ifstream comm("/proc/self/comm");
    std::string name;
    std::getline(comm, name);
    return name.empty() ? std::string("unknown") : name;
}

} // namespace

std::shared_ptr<Credentials> Credentials::of_this_process()
{
    const std::string text = "uid=" + std::to_string(getuid()) + ";pid=" + std::to_string(getpid()) + ";name=" + process_name();
    return std::make_shared<Credentials>(std::vector<uint8_t>(text.begin(), text.end()));
}

int32_t Credentials::invoke(uint32_t op, const CallbackRequest &request, CallbackOutputs &outputs)
{
    switch (op) {
    // Like libqcomtee's credentials object, each op wants exactly its own parameters.
    case QCOMTEE_IIO_OP_GET_LENGTH: {
        // Exactly one UBUF_OUTPUT.
        if (!request.in_buffers.empty() || outputs.buffers.size() != 1 || !request.in_objects.empty() ||
            request.out_object_count != 0)
            return QCOMTEE_MSG_ERROR_INVALID;
        const uint64_t length = bytes_.size();
        if (outputs.buffers[0].size() < sizeof(length))
            return QCOMTEE_MSG_ERROR_SIZE_OUT;
        outputs.buffers[0].resize(sizeof(length));
        std::memcpy(outputs.buffers[0].data(), &length, sizeof(length));
        return QCOMTEE_MSG_OK;
    }
    case QCOMTEE_IIO_OP_READ_AT_OFFSET: {
        // One UBUF_INPUT (the offset), then one UBUF_OUTPUT.
        uint64_t offset = 0;
        if (request.in_buffers.size() != 1 || outputs.buffers.size() != 1 || !request.in_objects.empty() ||
            request.out_object_count != 0)
            return QCOMTEE_MSG_ERROR_INVALID;
        if (request.in_buffers[0].size() != sizeof(offset))
            return QCOMTEE_MSG_ERROR_SIZE_IN;
        std::memcpy(&offset, request.in_buffers[0].data(), sizeof(offset));
        if (offset > bytes_.size())
            return QCOMTEE_MSG_ERROR_INVALID;
        const size_t n = std::min<size_t>(bytes_.size() - offset, outputs.buffers[0].size());
        outputs.buffers[0].assign(bytes_.begin() + static_cast<ptrdiff_t>(offset),
                                  bytes_.begin() + static_cast<ptrdiff_t>(offset + n));
        return QCOMTEE_MSG_OK;
    }
    default:
        return QCOMTEE_MSG_ERROR_INVALID;
    }
}

Object register_as_client(Context &ctx, Supplicant &supplicant)
{
    return register_as_client(ctx, supplicant, Credentials::of_this_process());
}

Object register_as_client(Context &ctx, Supplicant &supplicant, std::shared_ptr<CallbackObject> credentials)
{
    if (&supplicant.context() != &ctx)
        throw std::invalid_argument("register_as_client: the supplicant serves another context");
    const uint64_t user_id = ctx.host(std::move(credentials));
    ObjectRef in[1] = {ObjectRef::user(user_id)};
    ObjectRef out[1];
    int32_t ret;
    try {
        ret = ctx.invoke(kRootHandle, QCOMTEE_ROOT_OP_REGISTER_AS_CLIENT, {}, {}, in, out);
    } catch (...) {
        ctx.forget(user_id);
        throw;
    }
    expect_ok(ret, "root.registerAsClient");
    if (!out[0].is_tee())
        throw std::runtime_error("root.registerAsClient returned no client env");
    return Object(ctx, out[0].id);
}

Object open_service(const Object &client_env, uint32_t uid)
{
    const InBuffer in[1] = {as_bytes(uid)};
    return invoke_for_object(client_env, QCOMTEE_CLIENT_ENV_OP_OPEN, in, {}, "clientEnv.open(" + std::to_string(uid) + ")");
}

HeapInfo query_heap_info(const Object &diagnostics)
{
    HeapInfo info{};
    const OutBuffer out[1] = {OutBuffer(reinterpret_cast<uint8_t *>(&info), sizeof(info))};
    size_t size[1] = {0};
    expect_ok(diagnostics.invoke(QCOMTEE_DIAGNOSTICS_OP_QUERY_HEAP_INFO, {}, out, {}, {}, size), "Diagnostics.queryHeapInfo");
    if (size[0] != sizeof(info))
        throw std::runtime_error("Diagnostics.queryHeapInfo returned " + std::to_string(size[0]) + " bytes, expected 24");
    return info;
}

std::vector<uint8_t> app_image(std::string_view name)
{
    const std::string text = "TAPP" + std::string(name);
    return std::vector<uint8_t>(text.begin(), text.end());
}

Object load_from_buffer(const Object &app_loader, std::span<const uint8_t> image)
{
    const InBuffer in[1] = {image};
    return invoke_for_object(app_loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_BUFFER, in, {}, "AppLoader.loadFromBuffer");
}

Object load_from_region(const Object &app_loader, ObjectRef memory)
{
    const ObjectRef in[1] = {memory};
    return invoke_for_object(app_loader, QCOMTEE_APPLOADER_OP_LOAD_FROM_REGION, {}, in, "AppLoader.loadFromRegion");
}

Object get_app_object(const Object &app_controller)
{
    return invoke_for_object(app_controller, QCOMTEE_APPCONTROLLER_OP_GET_APP_OBJECT, {}, {}, "AppController.getAppObject");
}

void unload(const Object &app_controller)
{
    expect_ok(app_controller.invoke(QCOMTEE_APPCONTROLLER_OP_UNLOAD), "AppController.unload");
}

uint32_t add(const Object &app, uint32_t a, uint32_t b)
{
    const uint32_t operands[2] = {a, b};
    uint32_t sum = 0;
    const InBuffer in[1] = {InBuffer(reinterpret_cast<const uint8_t *>(operands), sizeof(operands))};
    const OutBuffer out[1] = {OutBuffer(reinterpret_cast<uint8_t *>(&sum), sizeof(sum))};
    size_t size[1] = {0};
    expect_ok(app.invoke(QCOMTEE_APP_OP_ADD, in, out, {}, {}, size), "app.add");
    if (size[0] != sizeof(sum))
        throw std::runtime_error("app.add returned " + std::to_string(size[0]) + " bytes, expected 4");
    return sum;
}

uint32_t register_listener(const Object &registry, uint64_t listener_user_id)
{
    const ObjectRef in[1] = {ObjectRef::user(listener_user_id)};
    uint32_t token = 0;
    const OutBuffer out[1] = {OutBuffer(reinterpret_cast<uint8_t *>(&token), sizeof(token))};
    size_t size[1] = {0};
    expect_ok(registry.invoke(TEESIM_REGISTRY_OP_REGISTER, {}, out, in, {}, size), "registry.register");
    if (size[0] != sizeof(token))
        throw std::runtime_error("registry.register returned " + std::to_string(size[0]) + " bytes, expected 4");
    return token;
}

void unregister_listener(const Object &registry, uint32_t token)
{
    const InBuffer in[1] = {as_bytes(token)};
    expect_ok(registry.invoke(TEESIM_REGISTRY_OP_UNREGISTER, in), "registry.unregister");
}

uint32_t notify(const Object &registry, uint32_t event)
{
    const InBuffer in[1] = {as_bytes(event)};
    uint32_t reached = 0;
    const OutBuffer out[1] = {OutBuffer(reinterpret_cast<uint8_t *>(&reached), sizeof(reached))};
    size_t size[1] = {0};
    expect_ok(registry.invoke(TEESIM_REGISTRY_OP_NOTIFY, in, out, {}, {}, size), "registry.notify(" + std::to_string(event) + ")");
    if (size[0] != sizeof(reached))
        throw std::runtime_error("registry.notify returned " + std::to_string(size[0]) + " bytes, expected 4");
    return reached;
}

uint32_t publish(const Object &registry, uint32_t uid)
{
    const InBuffer in[1] = {as_bytes(uid)};
    uint32_t reached = 0;
    const OutBuffer out[1] = {OutBuffer(reinterpret_cast<uint8_t *>(&reached), sizeof(reached))};
    size_t size[1] = {0};
    expect_ok(registry.invoke(TEESIM_REGISTRY_OP_PUBLISH, in, out, {}, {}, size), "registry.publish(" + std::to_string(uid) + ")");
    if (size[0] != sizeof(reached))
        throw std::runtime_error("registry.publish returned " + std::to_string(size[0]) + " bytes, expected 4");
    return reached;
}

uint32_t keep_region(const Object &store, ObjectRef memory)
{
    const ObjectRef in[1] = {memory};
    uint32_t token = 0;
    const OutBuffer out[1] = {OutBuffer(reinterpret_cast<uint8_t *>(&token), sizeof(token))};
    size_t size[1] = {0};
    expect_ok(store.invoke(TEESIM_REGION_STORE_OP_KEEP, {}, out, in, {}, size), "regionStore.keep");
    if (size[0] != sizeof(token))
        throw std::runtime_error("regionStore.keep returned " + std::to_string(size[0]) + " bytes, expected 4");
    return token;
}

int32_t lend_region(const Object &store, uint32_t token, ObjectRef &memory)
{
    const InBuffer in[1] = {as_bytes(token)};
    ObjectRef out[1];
    const int32_t ret = store.invoke(TEESIM_REGION_STORE_OP_LEND, in, {}, {}, out);
    if (ret == QCOMTEE_MSG_OK)
        memory = out[0];
    return ret;
}

void drop_region(const Object &store, uint32_t token)
{
    const InBuffer in[1] = {as_bytes(token)};
    expect_ok(store.invoke(TEESIM_REGION_STORE_OP_DROP, in), "regionStore.drop");
}

int32_t Listener::invoke(uint32_t op, const CallbackRequest &request, CallbackOutputs &)
{
    if (op == TEESIM_LISTENER_OP_ON_SERVICE) {
        if (request.in_objects.size() != 1 || !request.in_buffers.empty() || !request.context ||
            !request.in_objects[0].is_tee())
            return QCOMTEE_MSG_ERROR_INVALID;
        // The handle is ours now: released when `service` goes, whether or not it is wanted.
        Object service(*request.context, request.in_objects[0].id);
        return on_service_ ? on_service_(std::move(service)) : QCOMTEE_MSG_ERROR_INVALID;
    }
    if (op != TEESIM_LISTENER_OP_ON_EVENT || request.in_buffers.size() != 1)
        return QCOMTEE_MSG_ERROR_INVALID;
    uint32_t event = 0;
    if (request.in_buffers[0].size() != sizeof(event))
        return QCOMTEE_MSG_ERROR_SIZE_IN;
    std::memcpy(&event, request.in_buffers[0].data(), sizeof(event));
    return handler_(event);
}

void Listener::released()
{
    released_ = true;
}

} // namespace teescope::qtee
