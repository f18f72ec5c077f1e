// SPDX-License-Identifier: MIT
// The Driver facade: the driver core with the QTEE personality.
#include "teesim/driver.h"

#include "core/core.h"
#include "qtee/qtee.h"

namespace teescope::teesim {

Driver::Driver(Config config) : core_(std::make_unique<Core>(std::move(config), std::make_unique<qtee::Qtee>())) {}

Driver::~Driver() { core_->shutdown(); }

void Driver::set_observer(std::function<void(const DriverEvent &)> observer) { core_->set_observer(std::move(observer)); }

uint64_t Driver::open_context(int32_t pid, int32_t tid, const std::string &dev) { return core_->open_context(pid, tid, dev); }

void Driver::close_context(uint64_t token) { core_->close_context(token); }

IoctlReply Driver::ioctl(const Caller &caller, uint64_t token, uint32_t cmd, uint64_t buf_len,
                         std::span<const uint8_t> arg, std::span<const uint8_t> data, int passed_fd)
{
    return core_->ioctl(caller, token, cmd, buf_len, arg, data, passed_fd);
}

void Driver::shutdown() { core_->shutdown(); }

uint32_t Driver::driver_ioctls() const { return core_->driver_ioctls(); }

bool Driver::context_released(uint64_t token) const { return core_->context_released(token); }

size_t Driver::live_shm() const
{
    std::lock_guard lk(core_->mu);
    return core_->shm.live();
}

size_t Driver::pending_releases() const
{
    std::lock_guard lk(core_->mu);
    return static_cast<qtee::Qtee &>(core_->personality()).pending_releases();
}

} // namespace teescope::teesim
