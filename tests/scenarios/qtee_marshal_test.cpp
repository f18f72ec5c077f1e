// SPDX-License-Identifier: MIT
// Marshalling of the QTEE client library, checked without a TEE.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <string>

#include "qtee/context.h"
#include "qtee/marshal.h"
#include "qtee/services.h"

using namespace teescope::qtee;

namespace {

uint32_t type_of(const tee_ioctl_param &p)
{
    return tee_param_type(p.attr);
}

} // namespace

TEST(QteeMarshal, InvokeParametersFollowQteeOrder)
{
    uint8_t in1[3] = {1, 2, 3}, in2[5] = {};
    uint8_t out1[8];
    const InBuffer in[] = {InBuffer(in1), InBuffer(in2)};
    const OutBuffer out[] = {OutBuffer(out1)};
    const ObjectRef objs[] = {ObjectRef::tee(4), ObjectRef::user(9)};
    tee_ioctl_param params[kMaxInvokeParams];
    const size_t n = marshal_invoke(params, in, out, objs, 2);
    ASSERT_EQ(n, 7u);
    EXPECT_EQ(type_of(params[0]), TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT);
    EXPECT_EQ(params[0].a, reinterpret_cast<uintptr_t>(in1));
    EXPECT_EQ(params[0].b, 3u);
    EXPECT_EQ(type_of(params[1]), TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT);
    EXPECT_EQ(params[1].b, 5u);
    EXPECT_EQ(type_of(params[2]), TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT);
    EXPECT_EQ(params[2].a, reinterpret_cast<uintptr_t>(out1));
    EXPECT_EQ(params[2].b, 8u);
    EXPECT_EQ(type_of(params[3]), TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT);
    EXPECT_EQ(params[3].a, 4u);
    EXPECT_EQ(params[3].b, QCOMTEE_OBJREF_FLAG_TEE);
    EXPECT_EQ(type_of(params[4]), TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT);
    EXPECT_EQ(params[4].a, 9u);
    EXPECT_EQ(params[4].b, QCOMTEE_OBJREF_FLAG_USER);
    for (size_t i = 5; i < 7; ++i) {
        EXPECT_EQ(type_of(params[i]), TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT);
        EXPECT_EQ(params[i].a, TEE_OBJREF_NULL);
    }
    for (size_t i = 0; i < n; ++i)
        EXPECT_EQ(params[i].attr & TEE_IOCTL_PARAM_ATTR_META, 0u) << "no META flag in an invocation";
}

TEST(QteeMarshal, MemoryAndNullObjects)
{
    const ObjectRef objs[] = {ObjectRef::memory(7), ObjectRef::null()};
    tee_ioctl_param params[4];
    ASSERT_EQ(marshal_invoke(params, {}, {}, objs, 0), 2u);
    EXPECT_EQ(params[0].a, 7u);
    EXPECT_EQ(params[0].b, QCOMTEE_OBJREF_FLAG_MEM);
    EXPECT_EQ(params[1].a, TEE_OBJREF_NULL);
    EXPECT_EQ(params[1].b, 0u);
}

TEST(QteeMarshal, RejectsMoreThanSixteenOfAClass)
{
    std::vector<InBuffer> in(17);
    tee_ioctl_param params[kMaxInvokeParams];
    EXPECT_THROW(marshal_invoke(params, in, {}, {}, 0), std::invalid_argument);
    EXPECT_THROW(marshal_invoke(params, {}, {}, {}, 17), std::invalid_argument);
    tee_ioctl_param small[2];
    EXPECT_THROW(marshal_invoke(small, {}, {}, {}, 3), std::invalid_argument);
}

TEST(QteeMarshal, UnmarshalReadsSizesAndObjects)
{
    uint8_t inb[4], outb[16];
    const InBuffer in[] = {InBuffer(inb)};
    const OutBuffer out[] = {OutBuffer(outb)};
    tee_ioctl_param params[kMaxInvokeParams];
    const size_t n = marshal_invoke(params, in, out, {}, 1);
    params[1].b = 6;                       // the driver wrote 6 bytes
    params[2].a = 3;                       // and returned handle 3
    params[2].b = QCOMTEE_OBJREF_FLAG_TEE;
    size_t sizes[1] = {0};
    ObjectRef objs[1];
    unmarshal_invoke(std::span<const tee_ioctl_param>(params, n), 1, 1, 0, sizes, objs);
    EXPECT_EQ(sizes[0], 6u);
    EXPECT_EQ(objs[0], ObjectRef::tee(3));

    params[2].attr = TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT;
    EXPECT_THROW(unmarshal_invoke(std::span<const tee_ioctl_param>(params, n), 1, 1, 0, sizes, objs), std::runtime_error);
    EXPECT_THROW(unmarshal_invoke(std::span<const tee_ioctl_param>(params, 2), 1, 1, 0, sizes, objs), std::runtime_error);
}

TEST(QteeMarshal, RecvMetaParameterNamesThePayloadBuffer)
{
    std::vector<uint8_t> payload(256);
    tee_ioctl_param params[5];
    params[3].attr = 99;
    prepare_recv(params, payload);
    EXPECT_EQ(type_of(params[0]), TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT);
    EXPECT_NE(params[0].attr & TEE_IOCTL_PARAM_ATTR_META, 0u);
    EXPECT_EQ(params[0].a, reinterpret_cast<uintptr_t>(payload.data()));
    EXPECT_EQ(params[0].b, 256u);
    for (size_t i = 1; i < 5; ++i)
        EXPECT_EQ(params[i].attr, 0u);
}

TEST(QteeMarshal, DecodesACallbackRequest)
{
    std::vector<uint8_t> payload(64);
    const uint64_t offset = 12;
    std::memcpy(payload.data() + 8, &offset, sizeof(offset));
    // The driver filled five parameters (its written-back num_params); the rest is not looked at.
    tee_ioctl_param params[5] = {};
    params[0] = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META, 5, 2, 0};
    params[1] = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, reinterpret_cast<uintptr_t>(payload.data() + 8), 8, 0};
    params[2] = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, 0, 100, 0};
    params[3] = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, 1, QCOMTEE_OBJREF_FLAG_TEE, 0};
    params[4] = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 0, 0, 0};
    const CallbackRequest req = decode_request(QCOMTEE_IIO_OP_READ_AT_OFFSET, params, payload);
    EXPECT_EQ(req.op, QCOMTEE_IIO_OP_READ_AT_OFFSET);
    EXPECT_EQ(req.user_id, 5u);
    EXPECT_EQ(req.request_id, 2u);
    ASSERT_EQ(req.in_buffers.size(), 1u);
    EXPECT_EQ(req.in_buffers[0].data(), payload.data() + 8);
    EXPECT_EQ(req.in_buffers[0].size(), 8u);
    ASSERT_EQ(req.out_capacities.size(), 1u);
    EXPECT_EQ(req.out_capacities[0], 100u);
    ASSERT_EQ(req.in_objects.size(), 1u);
    EXPECT_EQ(req.in_objects[0], ObjectRef::tee(1));
    EXPECT_EQ(req.out_object_count, 1u);
}

TEST(QteeMarshal, RejectsMalformedRequests)
{
    std::vector<uint8_t> payload(16);
    tee_ioctl_param params[3] = {};
    params[0] = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT, 1, 1, 0}; // META missing
    EXPECT_THROW(decode_request(0, params, payload), std::runtime_error);

    params[0].attr |= TEE_IOCTL_PARAM_ATTR_META;
    params[1] = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, reinterpret_cast<uintptr_t>(payload.data() + 10), 8, 0};
    EXPECT_THROW(decode_request(0, params, payload), std::runtime_error) << "buffer past the payload end";

    params[1] = {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, 1, QCOMTEE_OBJREF_FLAG_TEE, 0};
    params[2] = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, 0, 4, 0};
    EXPECT_THROW(decode_request(0, params, payload), std::runtime_error) << "output buffer after an input object";

    params[1] = {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT, 1, 1, 0};
    EXPECT_THROW(decode_request(0, params, payload), std::runtime_error) << "value parameter";

    params[1] = {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, 0, 4, 0};
    params[2] = {};
    EXPECT_THROW(decode_request(0, params, payload), std::runtime_error) << "an empty slot among the filled ones";
}

TEST(QteeMarshal, AnswerIsWrittenOverTheRequest)
{
    uint8_t in[8] = {};
    uint8_t bytes[3] = {7, 8, 9};
    const InBuffer out[] = {InBuffer(bytes)};
    const ObjectRef objs[] = {ObjectRef::user(4)};
    // The request as SUPPL_RECV left it: an input buffer, an output buffer, an input object and an
    // output object.
    tee_ioctl_param params[5] = {
        {TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT | TEE_IOCTL_PARAM_ATTR_META, 9, 11, 0},
        {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_INPUT, reinterpret_cast<uintptr_t>(in), sizeof in, 0},
        {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, 0, 16, 0},
        {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_INPUT, 3, QCOMTEE_OBJREF_FLAG_TEE, 0},
        {TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT, 0, 0, 0},
    };
    const tee_ioctl_param input_buffer = params[1], input_object = params[3];
    const size_t n = encode_answer(params, 11, out, objs);
    ASSERT_EQ(n, 5u);
    EXPECT_EQ(params[0].attr, uint64_t{TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT | TEE_IOCTL_PARAM_ATTR_META});
    EXPECT_EQ(params[0].a, 11u);
    // Inputs stay as they came: the driver wants the answer to mirror the request.
    EXPECT_EQ(std::memcmp(&params[1], &input_buffer, sizeof input_buffer), 0);
    EXPECT_EQ(std::memcmp(&params[3], &input_object, sizeof input_object), 0);
    EXPECT_EQ(type_of(params[2]), TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT);
    EXPECT_EQ(params[2].a, reinterpret_cast<uintptr_t>(bytes));
    EXPECT_EQ(params[2].b, 3u);
    EXPECT_EQ(type_of(params[4]), TEE_IOCTL_PARAM_ATTR_TYPE_OBJREF_OUTPUT);
    EXPECT_EQ(params[4].a, 4u);
    EXPECT_EQ(params[4].b, QCOMTEE_OBJREF_FLAG_USER);
    // Outputs that do not match the request are refused.
    tee_ioctl_param one_output[2] = {params[0], {TEE_IOCTL_PARAM_ATTR_TYPE_UBUF_OUTPUT, 0, 16, 0}};
    EXPECT_THROW(encode_answer(one_output, 1, {}, {}), std::invalid_argument);
    const InBuffer two[] = {InBuffer(bytes), InBuffer(bytes)};
    EXPECT_THROW(encode_answer(one_output, 1, two, {}), std::invalid_argument);
    // An error answer is the meta parameter alone.
    EXPECT_EQ(encode_answer(std::span<tee_ioctl_param>(params, 1), 12, {}, {}), 1u);
    EXPECT_EQ(params[0].a, 12u);
}

TEST(QteeCredentials, ServeLengthAndReadAtOffset)
{
    Credentials creds(std::vector<uint8_t>{'u', 'i', 'd', '=', '0'});
    CallbackRequest req;
    CallbackOutputs outputs;
    outputs.buffers.emplace_back(8);
    ASSERT_EQ(creds.invoke(QCOMTEE_IIO_OP_GET_LENGTH, req, outputs), QCOMTEE_MSG_OK);
    uint64_t length = 0;
    ASSERT_EQ(outputs.buffers[0].size(), 8u);
    std::memcpy(&length, outputs.buffers[0].data(), 8);
    EXPECT_EQ(length, 5u);

    const uint64_t offset = 2;
    req.in_buffers.emplace_back(reinterpret_cast<const uint8_t *>(&offset), sizeof(offset));
    outputs.buffers.assign(1, std::vector<uint8_t>(2));
    ASSERT_EQ(creds.invoke(QCOMTEE_IIO_OP_READ_AT_OFFSET, req, outputs), QCOMTEE_MSG_OK);
    EXPECT_EQ(std::string(outputs.buffers[0].begin(), outputs.buffers[0].end()), "d=");

    const uint64_t too_far = 6;
    req.in_buffers[0] = InBuffer(reinterpret_cast<const uint8_t *>(&too_far), sizeof(too_far));
    EXPECT_EQ(creds.invoke(QCOMTEE_IIO_OP_READ_AT_OFFSET, req, outputs), QCOMTEE_MSG_ERROR_INVALID);
    EXPECT_EQ(creds.invoke(7, req, outputs), QCOMTEE_MSG_ERROR_INVALID);
}

TEST(QteeCredentials, OfThisProcessNamesIt)
{
    const auto creds = Credentials::of_this_process();
    const std::string text(creds->bytes().begin(), creds->bytes().end());
    EXPECT_NE(text.find("pid=" + std::to_string(getpid())), std::string::npos) << text;
    EXPECT_NE(text.find("uid="), std::string::npos);
}

TEST(QteeServices, AppImageIsTappAndName)
{
    const auto image = app_image("calc");
    EXPECT_EQ(std::string(image.begin(), image.end()), "TAPPcalc");
}

TEST(QteeContext, OpenFailureNamesTheDevice)
{
    try {
        Context ctx("/nonexistent/tee9");
        FAIL() << "opened a missing device";
    } catch (const TeeError &e) {
        EXPECT_EQ(e.error(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("/nonexistent/tee9"), std::string::npos);
    }
}

TEST(QteeContext, IoctlErrorsCarryErrno)
{
    // /dev/null is no TEE: the ioctls fail with ENOTTY and the error says which call failed.
    Context ctx(Adopt{::open("/dev/null", O_RDWR | O_CLOEXEC)});
    try {
        ctx.invoke(3, QCOMTEE_APP_OP_ADD);
        FAIL() << "invoke on /dev/null succeeded";
    } catch (const TeeError &e) {
        EXPECT_EQ(e.error(), ENOTTY);
        EXPECT_NE(std::string(e.what()).find("handle 3 op 0"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ctx.version(), TeeError);
    EXPECT_THROW(Context(Adopt{-1}), TeeError);
}

TEST(QteeContext, HostedObjectsGetUniqueIds)
{
    Context ctx(Adopt{::open("/dev/null", O_RDWR | O_CLOEXEC)});
    const auto creds = Credentials::of_this_process();
    const uint64_t a = ctx.host(creds);
    const uint64_t b = ctx.host(creds);
    EXPECT_NE(a, b);
    EXPECT_EQ(ctx.hosted(a), creds);
    ctx.forget(a);
    EXPECT_EQ(ctx.hosted(a), nullptr);
    EXPECT_EQ(ctx.hosted_count(), 1u);
    EXPECT_NE(ctx.host(creds), a) << "user ids are not reused";
}

TEST(QteeResults, NamesAreReadable)
{
    EXPECT_EQ(result_name(QCOMTEE_MSG_OK), "OK");
    EXPECT_EQ(result_name(QCOMTEE_MSG_ERROR_DEFUNCT), "ERROR_DEFUNCT");
    EXPECT_EQ(result_name(12), "service error 12");
    const QteeResultError e("app.add", QCOMTEE_MSG_ERROR_INVALID);
    EXPECT_STREQ(e.what(), "app.add returned ERROR_INVALID");
}
