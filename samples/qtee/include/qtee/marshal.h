// SPDX-License-Identifier: MIT
// Parameter marshalling for OBJECT_INVOKE, SUPPL_RECV and SUPPL_SEND. Pure functions over
// tee_ioctl_param arrays, so the layout can be checked without a TEE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "qtee/types.h"

namespace teescope::qtee {

// Largest parameter count one OBJECT_INVOKE can carry: 16 of each of the four classes.
constexpr size_t kMaxInvokeParams = 4 * QCOMTEE_ARGS_PER_TYPE;

// Fills `params` in the order QTEE requires: input buffers (UBUF_INPUT), output buffers
// (UBUF_OUTPUT), input objects (OBJREF_INPUT), output objects (OBJREF_OUTPUT placeholders).
// Returns the number of parameters written. Throws std::invalid_argument when a class has more
// than 16 entries or `params` is too small.
size_t marshal_invoke(std::span<tee_ioctl_param> params, std::span<const InBuffer> in_buffers,
                      std::span<const OutBuffer> out_buffers, std::span<const ObjectRef> in_objects,
                      size_t out_object_count);

// Reads back what the driver wrote: the size of every output buffer (its updated `b`) and the
// output objects. The counts must be those given to marshal_invoke. Throws std::runtime_error
// if a parameter does not have the type it was marshalled with.
void unmarshal_invoke(std::span<const tee_ioctl_param> params, size_t in_buffer_count,
                      size_t out_buffer_count, size_t in_object_count, std::span<size_t> out_sizes,
                      std::span<ObjectRef> out_objects);

// A callback request as SUPPL_RECV delivers it.
class Context;

struct CallbackRequest {
    Context *context = nullptr; // the context that received it (set by the supplicant)
    uint32_t op = 0;
    uint64_t user_id = 0;    // the hosted callback object it is for
    uint64_t request_id = 0; // to name in SUPPL_SEND
    std::vector<InBuffer> in_buffers;      // point into the payload buffer
    std::vector<size_t> out_capacities;    // how much QTEE accepts for each output buffer
    std::vector<ObjectRef> in_objects;
    size_t out_object_count = 0;
};

// Prepares params[0] of SUPPL_RECV (VALUE_INOUT|META naming the payload buffer) and clears the
// other slots.
void prepare_recv(std::span<tee_ioctl_param> params, std::span<uint8_t> payload);

// Decodes a SUPPL_RECV result: `params` holds the parameters the driver filled (its written-back
// num_params). Buffer addresses must lie inside `payload`. Throws std::runtime_error naming the
// problem for a malformed request.
CallbackRequest decode_request(uint32_t func, std::span<const tee_ioctl_param> params,
                               std::span<const uint8_t> payload);

// Turns the request's own parameters (as SUPPL_RECV filled them) into the SUPPL_SEND answer in
// place, as the driver wants it: params[0] = VALUE_OUTPUT|META with the request id, inputs left
// as they came, each UBUF_OUTPUT / OBJREF_OUTPUT filled with the next output buffer / object.
// Returns the parameter count (params.size()). Throws std::invalid_argument when the outputs do
// not match the request.
size_t encode_answer(std::span<tee_ioctl_param> params, uint64_t request_id,
                     std::span<const InBuffer> out_buffers, std::span<const ObjectRef> out_objects);

} // namespace teescope::qtee
