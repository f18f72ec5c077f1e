// SPDX-License-Identifier: MIT
// The Driver facade: the driver core with the TEE it plays — QTEE, native OP-TEE, or OP-TEE under
// Xen with one driver instance per guest (made when the guest's first process opens a device).
// Tokens are context serials, unique across guests, so each names its driver instance.
#include "teesim/driver.h"

#include "core/core.h"
#include "optee/driver.h"
#include "optee/os/os.h"
#include "qtee/qtee.h"
#include "xen/mediator.h"

#include <map>
#include <set>

namespace teescope::teesim {

namespace {

// Xen domain ids teesim accepts (DOMID_FIRST_RESERVED is 0x7FF0).
constexpr uint32_t kMaxDomain = 0x7FEF;

} // namespace

struct Driver::Impl {
    Config cfg;
    std::shared_ptr<Sync> sync = std::make_shared<Sync>();
    std::unique_ptr<optee::Os> os;
    std::unique_ptr<xen::Mediator> mediator;
    std::function<void(const DriverEvent &)> observer;
    // Guards the maps below (never held while a Core runs).
    mutable std::mutex map_mu;
    std::map<uint32_t, std::unique_ptr<Core>> cores; // by domain (one, 0, without Xen)
    std::map<uint64_t, Core *> owners;               // token → its driver instance
    std::set<uint32_t> destroyed;                    // domains Xen destroyed

    explicit Impl(Config c) : cfg(std::move(c))
    {
        if (cfg.tee == TeeKind::Qtee) {
            cores[0] = std::make_unique<Core>(cfg, std::make_unique<qtee::Qtee>(), sync);
            return;
        }
        os = std::make_unique<optee::Os>(cfg, *sync, cfg.xen);
        if (cfg.xen)
            mediator = std::make_unique<xen::Mediator>(*os);
        else
            cores[0] = std::make_unique<Core>(cfg, std::make_unique<optee::OpteeDriver>(*os, 0, cfg.optee_dynamic_shm),
                                              sync);
    }

    ~Impl()
    {
        shutdown();
        cores.clear(); // before the secure world they call
    }

    void shutdown()
    {
        std::vector<Core *> all;
        {
            std::lock_guard lk(map_mu);
            for (auto &[domain, core] : cores)
                all.push_back(core.get());
        }
        if (os) {
            Lock lk(sync->mu);
            os->shutdown();
        }
        for (Core *c : all)
            c->shutdown();
    }

    // The driver instance of a domain; under Xen the guest is created on first use.
    Core *core_for(uint32_t domain, int *err)
    {
        if (!cfg.xen)
            domain = 0;
        std::lock_guard lk(map_mu);
        if (auto it = cores.find(domain); it != cores.end())
            return it->second.get();
        if (!mediator || domain > kMaxDomain) {
            if (err)
                *err = ENODEV;
            return nullptr;
        }
        const uint32_t client = xen::client_id(domain);
        {
            Lock slk(sync->mu);
            if (!mediator->domain_created(client)) {
                if (err)
                    *err = ENODEV;
                return nullptr;
            }
        }
        auto core = std::make_unique<Core>(cfg, std::make_unique<optee::OpteeDriver>(*mediator, client), sync, client);
        if (observer)
            core->set_observer(observer);
        Core *c = core.get();
        cores[domain] = std::move(core);
        return c;
    }

    Core *owner(uint64_t token) const
    {
        std::lock_guard lk(map_mu);
        auto it = owners.find(token);
        if (it != owners.end())
            return it->second;
        return cores.size() == 1 ? cores.begin()->second.get() : nullptr;
    }
};

Driver::Driver(Config config) : d_(std::make_unique<Impl>(std::move(config))) {}

Driver::~Driver() = default;

const Config &Driver::config() const { return d_->cfg; }

void Driver::set_observer(std::function<void(const DriverEvent &)> observer)
{
    std::lock_guard lk(d_->map_mu);
    d_->observer = observer;
    for (auto &[domain, core] : d_->cores)
        core->set_observer(observer);
}

uint64_t Driver::open_context(int32_t pid, int32_t tid, const std::string &dev, uint32_t domain, int *err)
{
    Core *core = d_->core_for(domain, err);
    if (!core)
        return 0;
    int e = 0;
    uint64_t token = core->open_context(pid, tid, dev, &e);
    if (!token) {
        if (err)
            *err = e;
        return 0;
    }
    std::lock_guard lk(d_->map_mu);
    d_->owners[token] = core;
    return token;
}

void Driver::close_context(uint64_t token)
{
    if (Core *c = d_->owner(token))
        c->close_context(token);
}

IoctlReply Driver::ioctl(const Caller &caller, uint64_t token, uint32_t cmd, uint64_t buf_len,
                         std::span<const uint8_t> arg, std::span<const uint8_t> data, int passed_fd)
{
    Core *c = d_->owner(token);
    if (!c) {
        IoctlReply r;
        r.err = EBADF;
        return r;
    }
    return c->ioctl(caller, token, cmd, buf_len, arg, data, passed_fd);
}

void Driver::shutdown() { d_->shutdown(); }

uint32_t Driver::driver_ioctls(uint64_t token) const
{
    Core *c = d_->owner(token);
    return c ? c->driver_ioctls(token) : 0;
}

int Driver::destroy_guest(uint32_t domain)
{
    if (!d_->mediator)
        return ENOENT;
    Core *c = nullptr;
    {
        std::lock_guard lk(d_->map_mu);
        auto it = d_->cores.find(domain);
        if (it == d_->cores.end() || !d_->destroyed.insert(domain).second)
            return ENOENT;
        c = it->second.get();
    }
    Lock lk(d_->sync->mu);
    const uint32_t contexts = c->drop_all_contexts();
    d_->mediator->domain_destroyed(xen::client_id(domain), contexts);
    return 0;
}

bool Driver::context_released(uint64_t token) const
{
    Core *c = d_->owner(token);
    return c && c->context_released(token);
}

size_t Driver::live_shm() const
{
    std::vector<Core *> all;
    {
        std::lock_guard lk(d_->map_mu);
        for (auto &[domain, core] : d_->cores)
            all.push_back(core.get());
    }
    size_t n = 0;
    std::lock_guard lk(d_->sync->mu);
    for (Core *c : all)
        n += c->shm.live();
    return n;
}

size_t Driver::pending_releases() const
{
    if (d_->cfg.tee != TeeKind::Qtee)
        return 0;
    Core *c = d_->owner(0);
    std::lock_guard lk(d_->sync->mu);
    return static_cast<qtee::Qtee &>(c->personality()).pending_releases();
}

} // namespace teescope::teesim
