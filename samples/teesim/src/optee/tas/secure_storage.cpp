// SPDX-License-Identifier: MIT
// The GP examples' secure_storage TA (optee_examples/secure_storage/ta) over a small REE FS
// layout in the spirit of OP-TEE's (core/tee/tee_ree_fs.c): a directory file "dirf.db" whose
// records map (TA, object id) to a file named by a hex number, and one file per object. OP-TEE
// encrypts both and keeps a hash tree; teesim stores them in the clear (what it simulates is the
// RPC traffic, not the cryptography).
#include "optee/os/ree_fs.h"
#include "optee/tas/tas.h"

#include <cstring>
#include <optional>

namespace teescope::teesim::optee {

namespace {

constexpr char kDirFile[] = "dirf.db";
constexpr size_t kMaxIdLen = 64;          // TEE_OBJECT_ID_MAX_LEN
constexpr size_t kMaxRecords = 64;
constexpr uint64_t kMaxObject = 64 * 1024;

// One record of dirf.db.
struct Record {
    uint32_t in_use;
    uint32_t file;
    uint8_t ta[16];
    uint32_t id_len;
    uint8_t id[kMaxIdLen];
    uint32_t data_len;
    uint8_t pad[128 - 4 - 4 - 16 - 4 - kMaxIdLen - 4];
};
static_assert(sizeof(Record) == 128);

std::string file_name(uint32_t n)
{
    char text[16];
    std::snprintf(text, sizeof text, "%x", n);
    return text;
}

class SecureStorage final : public Ta {
public:
    uint32_t invoke(TaCall &call, uint32_t cmd, uint32_t types, TaParams &p) override
    {
        switch (cmd) {
        case teescope::optee::kSecureStorageCmdReadRaw:
            if (types != param_types(kMemrefInput, kMemrefOutput))
                return TEEC_ERROR_BAD_PARAMETERS;
            return read_raw(call, p);
        case teescope::optee::kSecureStorageCmdWriteRaw:
            if (types != param_types(kMemrefInput, kMemrefInput))
                return TEEC_ERROR_BAD_PARAMETERS;
            return write_raw(call, p);
        case teescope::optee::kSecureStorageCmdDelete:
            if (types != param_types(kMemrefInput))
                return TEEC_ERROR_BAD_PARAMETERS;
            return remove(call, p);
        default:
            return TEEC_ERROR_BAD_PARAMETERS;
        }
    }

private:
    // The directory, opened (created when `create`) and read whole.
    struct Dir {
        uint32_t fd = 0;
        std::vector<Record> records;
    };

    static uint32_t open_dir(ReeFs &fs, bool create, Dir &dir)
    {
        uint32_t r = fs.open(kDirFile, dir.fd);
        if (r == TEEC_ERROR_ITEM_NOT_FOUND && create)
            r = fs.create(kDirFile, dir.fd);
        if (r)
            return r;
        Bytes raw;
        if ((r = fs.read(dir.fd, 0, kMaxRecords * sizeof(Record), raw))) {
            fs.close(dir.fd);
            return r;
        }
        dir.records.resize(raw.size() / sizeof(Record));
        if (!dir.records.empty())
            std::memcpy(dir.records.data(), raw.data(), dir.records.size() * sizeof(Record));
        return TEEC_SUCCESS;
    }

    static std::optional<size_t> find(const Dir &dir, const Bytes &id)
    {
        for (size_t i = 0; i < dir.records.size(); ++i) {
            const Record &rec = dir.records[i];
            if (rec.in_use && rec.id_len == id.size() && std::memcmp(rec.ta, teescope::optee::kSecureStorageUuid.data(), 16) == 0 &&
                std::memcmp(rec.id, id.data(), id.size()) == 0)
                return i;
        }
        return std::nullopt;
    }

    static uint32_t write_record(ReeFs &fs, const Dir &dir, size_t index)
    {
        const auto *bytes = reinterpret_cast<const uint8_t *>(&dir.records[index]);
        return fs.write(dir.fd, index * sizeof(Record), std::span<const uint8_t>(bytes, sizeof(Record)));
    }

    static uint32_t object_id(TaCall &call, const TaParam &p, Bytes &id)
    {
        if (p.size == 0 || p.size > kMaxIdLen || !call.read(p, id))
            return TEEC_ERROR_BAD_PARAMETERS;
        return TEEC_SUCCESS;
    }

    // TEE_CreatePersistentObject(OVERWRITE) and TEE_WriteObjectData.
    static uint32_t write_raw(TaCall &call, TaParams &p)
    {
        Bytes id, data;
        if (uint32_t r = object_id(call, p[0], id))
            return r;
        if (p[1].size > kMaxObject)
            return TEEC_ERROR_STORAGE_NO_SPACE;
        if (p[1].size && !call.read(p[1], data))
            return TEEC_ERROR_BAD_PARAMETERS;
        ReeFs fs(call);
        Dir dir;
        if (uint32_t r = open_dir(fs, true, dir))
            return r;
        std::optional<size_t> at = find(dir, id);
        if (!at) {
            // The lowest free file number and the first free record.
            uint32_t file = 0;
            for (bool used = true; used; file += used) {
                used = false;
                for (const Record &rec : dir.records)
                    used = used || (rec.in_use && rec.file == file);
            }
            size_t slot = 0;
            while (slot < dir.records.size() && dir.records[slot].in_use)
                ++slot;
            if (slot == kMaxRecords) {
                fs.close(dir.fd);
                return TEEC_ERROR_STORAGE_NO_SPACE;
            }
            if (slot == dir.records.size())
                dir.records.emplace_back();
            Record &rec = dir.records[slot];
            std::memset(&rec, 0, sizeof rec);
            rec.in_use = 1;
            rec.file = file;
            std::memcpy(rec.ta, teescope::optee::kSecureStorageUuid.data(), 16);
            rec.id_len = static_cast<uint32_t>(id.size());
            std::memcpy(rec.id, id.data(), id.size());
            at = slot;
        }
        Record &rec = dir.records[*at];
        uint32_t fd = 0;
        uint32_t r = fs.create(file_name(rec.file), fd);
        if (r == TEEC_SUCCESS) {
            r = fs.write(fd, 0, data);
            fs.close(fd);
        }
        if (r == TEEC_SUCCESS) {
            rec.data_len = static_cast<uint32_t>(data.size());
            r = write_record(fs, dir, *at);
        }
        fs.close(dir.fd);
        return r;
    }

    // TEE_OpenPersistentObject, TEE_GetObjectInfo1 (SHORT_BUFFER with the size) and
    // TEE_ReadObjectData.
    static uint32_t read_raw(TaCall &call, TaParams &p)
    {
        Bytes id;
        if (uint32_t r = object_id(call, p[0], id))
            return r;
        ReeFs fs(call);
        Dir dir;
        if (uint32_t r = open_dir(fs, false, dir))
            return r;
        std::optional<size_t> at = find(dir, id);
        fs.close(dir.fd);
        if (!at)
            return TEEC_ERROR_ITEM_NOT_FOUND;
        const Record rec = dir.records[*at];
        if (rec.data_len > p[1].size) {
            p[1].size = rec.data_len;
            return TEEC_ERROR_SHORT_BUFFER;
        }
        uint32_t fd = 0;
        if (uint32_t r = fs.open(file_name(rec.file), fd))
            return r;
        Bytes data;
        uint32_t r = fs.read(fd, 0, rec.data_len, data);
        fs.close(fd);
        if (r)
            return r;
        if (data.size() != rec.data_len)
            return TEEC_ERROR_CORRUPT_OBJECT;
        if (!data.empty() && !call.write(p[1], data))
            return TEEC_ERROR_BAD_PARAMETERS;
        p[1].size = data.size();
        return TEEC_SUCCESS;
    }

    // TEE_CloseAndDeletePersistentObject1.
    static uint32_t remove(TaCall &call, TaParams &p)
    {
        Bytes id;
        if (uint32_t r = object_id(call, p[0], id))
            return r;
        ReeFs fs(call);
        Dir dir;
        if (uint32_t r = open_dir(fs, false, dir))
            return r;
        std::optional<size_t> at = find(dir, id);
        uint32_t r = TEEC_ERROR_ITEM_NOT_FOUND;
        if (at) {
            r = fs.remove(file_name(dir.records[*at].file));
            if (r == TEEC_SUCCESS || r == TEEC_ERROR_ITEM_NOT_FOUND) {
                dir.records[*at].in_use = 0;
                r = write_record(fs, dir, *at);
            }
        }
        fs.close(dir.fd);
        return r;
    }
};

} // namespace

std::unique_ptr<Ta> make_secure_storage() { return std::make_unique<SecureStorage>(); }

} // namespace teescope::teesim::optee
