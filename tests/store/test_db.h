// SPDX-License-Identifier: MIT
// Helpers for the store tests: a temporary directory, row builders and SQL read-back.
#pragma once

#include "teescope/importer/rows.h"
#include "teescope/store/database.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace teescope::store::test {

using namespace teescope::importer;

// A fresh directory per test, removed afterwards.
class TempDir {
public:
    TempDir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "teescope-store-XXXXXX").string();
        if (!mkdtemp(tmpl.data()))
            throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::string file(const std::string &name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

inline ProcessRow process(Id id, int64_t pid, std::string name, std::string end_kind, Ts start = 0)
{
    ProcessRow r{};
    r.id = id;
    r.pid = pid;
    r.name = std::move(name);
    r.start_ts = start;
    r.end_kind = std::move(end_kind);
    if (r.end_kind != "alive_at_end")
        r.end_ts = 900;
    return r;
}

inline ContextRow context(Id id, Id process_id, std::string end_kind)
{
    ContextRow r{};
    r.id = id;
    r.serial = 100 + id;
    r.process_id = process_id;
    r.dev = "tee0";
    r.open_ts = 1;
    r.end_kind = std::move(end_kind);
    return r;
}

inline ObjectRow object(Id id, std::string kind, std::string klass, Id context_id, std::string end_kind)
{
    ObjectRow r{};
    r.id = id;
    r.address = 0x1000 + id;
    r.kind = std::move(kind);
    r.klass = std::move(klass);
    r.context_id = context_id;
    r.created_ts = 10 * id;
    r.end_kind = std::move(end_kind);
    return r;
}

inline HandleRow handle(Id id, Id context_id, Id object_id, OptTs bind, OptTs unbind,
                        std::optional<std::string> reason = std::nullopt)
{
    HandleRow r{};
    r.id = id;
    r.context_id = context_id;
    r.handle = id;
    r.object_id = object_id;
    r.bind_ts = bind;
    r.unbind_ts = unbind;
    r.unbind_reason = std::move(reason);
    return r;
}

inline InvocationRow invocation(Id id, OptId object_id, int64_t op, OptTs begin, OptTs end)
{
    InvocationRow r{};
    r.id = id;
    r.object_id = object_id;
    r.op = op;
    r.drv_begin_ts = begin;
    r.drv_end_ts = end;
    return r;
}

// Every row of a query, columns joined by '|', NULL as "NULL".
inline std::vector<std::string> rows(const Database &db, const std::string &sql)
{
    std::vector<std::string> out;
    sqlite3_stmt *s = nullptr;
    if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db.handle());
        return out;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        std::string line;
        for (int c = 0; c < sqlite3_column_count(s); ++c) {
            if (c)
                line += '|';
            const unsigned char *t = sqlite3_column_text(s, c);
            line += t ? reinterpret_cast<const char *>(t) : "NULL";
        }
        out.push_back(line);
    }
    sqlite3_finalize(s);
    return out;
}

} // namespace teescope::store::test
