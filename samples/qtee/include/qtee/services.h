// SPDX-License-Identifier: MIT
// Typed calls of the well-known QTEE services and of teesim's listener registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "qtee/callback.h"
#include "qtee/context.h"

namespace teescope::qtee {

// IIO object over a byte string: op 0 getLength → u64, op 1 readAtOffset(u64) → bytes.
class Credentials : public CallbackObject {
public:
    explicit Credentials(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
    // "uid=U;pid=P;name=N" of the calling process.
    static std::shared_ptr<Credentials> of_this_process();
    int32_t invoke(uint32_t op, const CallbackRequest &request, CallbackOutputs &outputs) override;
    const std::vector<uint8_t> &bytes() const { return bytes_; }

private:
    std::vector<uint8_t> bytes_;
};

// Root op 2 with the process's credentials (hosted on the supplicant's context): the client env.
// Throws when the supplicant serves another context or QTEE refuses.
Object register_as_client(Context &ctx, Supplicant &supplicant);
// The same with given credentials.
Object register_as_client(Context &ctx, Supplicant &supplicant, std::shared_ptr<CallbackObject> credentials);

// Client env op 0 open(uid) → the service object.
Object open_service(const Object &client_env, uint32_t uid);

struct HeapInfo {
    uint32_t total, used, free, overhead, wasted, largest_free_block;
};
HeapInfo query_heap_info(const Object &diagnostics);

// "TAPP" followed by the app name.
std::vector<uint8_t> app_image(std::string_view name);
Object load_from_buffer(const Object &app_loader, std::span<const uint8_t> image);
Object load_from_region(const Object &app_loader, ObjectRef memory);
Object get_app_object(const Object &app_controller);
void unload(const Object &app_controller);
uint32_t add(const Object &app, uint32_t a, uint32_t b);

uint32_t register_listener(const Object &registry, uint64_t listener_user_id);
void unregister_listener(const Object &registry, uint32_t token);
// Returns the number of listeners that answered OK.
uint32_t notify(const Object &registry, uint32_t event);
// QTEE opens service `uid` and hands it to every listener (op 1 onService); returns how many
// answered OK.
uint32_t publish(const Object &registry, uint32_t uid);

// A listener: op 0 onEvent(u32) goes to one function, op 1 onService(object) to another, which
// gets the service as an Object of the listener's context (released when the Object goes).
class Listener : public CallbackObject {
public:
    using Handler = std::function<int32_t(uint32_t event)>;
    using ServiceHandler = std::function<int32_t(Object service)>;
    explicit Listener(Handler handler, ServiceHandler on_service = {})
        : handler_(std::move(handler)), on_service_(std::move(on_service))
    {
    }
    int32_t invoke(uint32_t op, const CallbackRequest &request, CallbackOutputs &outputs) override;
    void released() override;
    bool was_released() const { return released_.load(); }

private:
    Handler handler_;
    ServiceHandler on_service_;
    std::atomic<bool> released_{false};
};

// teesim's region store: QTEE keeps a memory object (the region stays mapped in the secure world
// until dropped) and lends it back.
uint32_t keep_region(const Object &store, ObjectRef memory);
// Returns QTEE's result; on OK `memory` is the region as this context names it.
int32_t lend_region(const Object &store, uint32_t token, ObjectRef &memory);
void drop_region(const Object &store, uint32_t token);

} // namespace teescope::qtee
