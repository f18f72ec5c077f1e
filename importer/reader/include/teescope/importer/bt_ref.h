// SPDX-License-Identifier: MIT
// Owned Babeltrace2 references. A BtRef holds one reference and puts it when it goes; a plain
// pointer to a bt_* object is always borrowed.
#pragma once

#include <babeltrace2/babeltrace.h>

#include <utility>

namespace teescope::importer {

template <typename T, void (*Put)(const T *)>
class BtRef {
public:
    BtRef() = default;
    // Takes over a reference the caller owns (what bt_*_create and the like return).
    explicit BtRef(T *owned) : ptr_(owned) {}
    BtRef(const BtRef &) = delete;
    BtRef &operator=(const BtRef &) = delete;
    BtRef(BtRef &&other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
    BtRef &operator=(BtRef &&other) noexcept
    {
        if (this != &other)
            reset(std::exchange(other.ptr_, nullptr));
        return *this;
    }
    ~BtRef() { reset(); }

    void reset(T *owned = nullptr)
    {
        if (ptr_)
            Put(ptr_);
        ptr_ = owned;
    }
    T *get() const { return ptr_; }
    explicit operator bool() const { return ptr_ != nullptr; }
    // For out-parameters of bt_* functions that hand over a new reference.
    T **out()
    {
        reset();
        return &ptr_;
    }

private:
    T *ptr_ = nullptr;
};

using GraphRef = BtRef<bt_graph, bt_graph_put_ref>;
using ValueRef = BtRef<bt_value, bt_value_put_ref>;
using ConstValueRef = BtRef<const bt_value, bt_value_put_ref>;
using PluginRef = BtRef<const bt_plugin, bt_plugin_put_ref>;
using QueryExecutorRef = BtRef<bt_query_executor, bt_query_executor_put_ref>;
using MessageIteratorRef = BtRef<bt_message_iterator, bt_message_iterator_put_ref>;

} // namespace teescope::importer
