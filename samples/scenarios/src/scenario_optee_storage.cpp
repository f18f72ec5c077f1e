// SPDX-License-Identifier: MIT
// scenario_optee_storage: secure storage through the supplicant's REE file system, from two
// processes in turn. The writer stores an object (WRITE_RAW); the storage root then holds files.
// The TA takes one session at a time: the reader is refused (BUSY) until the writer closes. It
// then reads the object back, first into a buffer too small (SHORT_BUFFER and the object's
// size), then whole, checks the bytes, and deletes it. The writer's last read finds nothing
// (ITEM_NOT_FOUND).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "scenarios/common.h"
#include "scenarios/optee.h"

using namespace teescope;
using namespace teescope::optee;
using namespace teescope::scenarios;

namespace {

const std::string kObjectId = "teescope-storage-object";

std::vector<uint8_t> object_data(size_t size)
{
    std::vector<uint8_t> data(size);
    for (size_t i = 0; i < size; ++i)
        data[i] = static_cast<uint8_t>(i * 31 + 11);
    return data;
}

Result write_raw(Session &session, const std::vector<uint8_t> &data)
{
    Operation op;
    op.temp(0, ParamType::MemrefTempInput, const_cast<char *>(kObjectId.data()), kObjectId.size());
    op.temp(1, ParamType::MemrefTempInput, const_cast<uint8_t *>(data.data()), data.size());
    return session.invoke(kSecureStorageCmdWriteRaw, &op);
}

// READ_RAW into `out`; `size` gets the size the TA reported.
Result read_raw(Session &session, std::vector<uint8_t> &out, size_t &size)
{
    Operation op;
    op.temp(0, ParamType::MemrefTempInput, const_cast<char *>(kObjectId.data()), kObjectId.size());
    op.temp(1, ParamType::MemrefTempOutput, out.data(), out.size());
    const Result r = session.invoke(kSecureStorageCmdReadRaw, &op);
    size = op.params[1].tmpref.size;
    return r;
}

Result delete_object(Session &session)
{
    Operation op;
    op.temp(0, ParamType::MemrefTempInput, const_cast<char *>(kObjectId.data()), kObjectId.size());
    return session.invoke(kSecureStorageCmdDelete, &op);
}

bool has_files(const std::string &dir)
{
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file())
            return true;
    return false;
}

int writer(Pipe &to_reader, Pipe &from_reader, const std::string &fs_dir, uint64_t size)
{
    Context ctx;
    initialize(ctx);
    {
        Session session;
        open_session(session, ctx, kSecureStorageUuid);
        expect_success(write_raw(session, object_data(size)), "WRITE_RAW");
        check(has_files(fs_dir), "no file in the storage root " + fs_dir + " after WRITE_RAW");
        std::printf("%s: stored %llu bytes; the storage root holds files\n", program().c_str(),
                    static_cast<unsigned long long>(size));
        // Still holding the TA's only session while the reader tries.
        to_reader.send('w');
        from_reader.expect('b', "the reader to be refused");
    }
    to_reader.send('c');
    from_reader.expect('d', "the reader to delete the object");
    Session session;
    open_session(session, ctx, kSecureStorageUuid);
    std::vector<uint8_t> out(size);
    size_t got = 0;
    expect_result(read_raw(session, out, got), TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TRUSTED_APP,
                  "READ_RAW of the deleted object");
    std::printf("%s: the deleted object is not found\n", program().c_str());
    return 0;
}

int reader(Pipe &from_writer, Pipe &to_writer, uint64_t size)
{
    from_writer.expect('w', "the writer to store the object");
    Context ctx;
    initialize(ctx);
    Session session;
    // One session at a time: refused while the writer holds its own.
    expect_result(session.open(ctx, teec_uuid(kSecureStorageUuid)), TEEC_ERROR_BUSY, TEEC_ORIGIN_TEE,
                  "a second session with secure_storage");
    to_writer.send('b');
    from_writer.expect('c', "the writer to close its session");
    open_session(session, ctx, kSecureStorageUuid);
    std::vector<uint8_t> small(16);
    size_t needed = 0;
    expect_result(read_raw(session, small, needed), TEEC_ERROR_SHORT_BUFFER, TEEC_ORIGIN_TRUSTED_APP,
                  "READ_RAW into 16 bytes");
    check(needed == size, "SHORT_BUFFER asks for " + std::to_string(needed) + " bytes, the object has " +
                              std::to_string(size));
    std::vector<uint8_t> out(needed);
    size_t got = 0;
    expect_success(read_raw(session, out, got), "READ_RAW with the size asked for");
    check(got == size && out == object_data(size), "READ_RAW returned other bytes than were written");
    expect_success(delete_object(session), "DELETE");
    session.close();
    std::printf("%s: read back %zu bytes intact after a SHORT_BUFFER; deleted\n", program().c_str(), got);
    to_writer.send('d');
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    set_program("scenario_optee_storage");
    const std::string supplicant = take_supplicant_option(argc, argv);
    uint64_t size = 3000;
    if (!parse_options(argc, argv,
                       "Secure storage written, read back and deleted by two processes (--supplicant PATH).",
                       {{"--size", &size, "bytes of the stored object"}}))
        return 0;
    return run_main("scenario_optee_storage", [&] {
        check(size >= 17, "--size must exceed the 16-byte first read");
        OpteeWorld world(supplicant);
        Pipe written, deleted;
        const pid_t w = spawn("writer", [&] {
            written.close_read();
            deleted.close_write();
            return writer(written, deleted, world.fs_dir(), size);
        });
        const pid_t r = spawn("reader", [&] {
            written.close_write();
            deleted.close_read();
            return reader(written, deleted, size);
        });
        written.close_read();
        written.close_write();
        deleted.close_read();
        deleted.close_write();
        expect_success(r, "the reader");
        expect_success(w, "the writer");
        world.supplicant().stop();
        std::printf("scenario_optee_storage: the object round-trips and is gone after DELETE\n");
    });
}
