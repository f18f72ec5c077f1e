// SPDX-License-Identifier: MIT
#include "teescope/store/database.h"

#include "teescope/store/statement.h"
#include "teescope/store/schema_sql.h"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

namespace teescope::store {

using detail::fail;
using detail::Statement;

int schema_version() { return sql::kSchemaVersion; }

namespace {

void exec_on(sqlite3 *db, const std::string &sql, const std::string &file)
{
    char *message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string what = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error(file + ": " + what);
    }
}

// Owns a connection until it is handed to a Database.
struct Connection {
    sqlite3 *db = nullptr;
    ~Connection() { sqlite3_close(db); }
    sqlite3 *release()
    {
        sqlite3 *d = db;
        db = nullptr;
        return d;
    }
};

} // namespace

Database Database::open_read_only(const std::string &path)
{
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status))
        throw Error(path + ": no such file");
    if (std::filesystem::is_directory(status))
        throw Error(path + ": is a directory, not a teescope database");

    Connection c;
    // A connection is used by one thread at a time: no per-call locking (SQLite's multi-thread mode).
    if (sqlite3_open_v2(path.c_str(), &c.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        fail(c.db, "cannot open", path);
    sqlite3_extended_result_codes(c.db, 1);

    // A file that is not SQLite at all fails on its first read.
    sqlite3_stmt *probe = nullptr;
    int rc = sqlite3_prepare_v2(c.db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'metadata'",
                                -1, &probe, nullptr);
    bool has_metadata = false;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(probe);
        if (rc == SQLITE_ROW)
            has_metadata = sqlite3_column_int(probe, 0) == 1;
    }
    sqlite3_finalize(probe);
    if (rc != SQLITE_ROW) {
        if ((rc & 0xff) == SQLITE_NOTADB)
            throw Error(path + ": not a teescope database (not an SQLite file)");
        fail(c.db, "cannot read", path);
    }

    std::optional<int64_t> written_version;
    if (has_metadata) {
        Statement s(c.db, "SELECT value FROM metadata WHERE key = 'schema_version'", path);
        if (s.next() && !s.null_at(0))
            written_version = s.int_at(0);
    }
    if (!written_version)
        throw Error(path + ": not a teescope database (no metadata.schema_version)");

    Statement uv(c.db, "PRAGMA user_version", path);
    int64_t version = uv.next() ? uv.int_at(0) : 0;
    if (version > schema_version())
        throw Error(path + ": written by a newer teescope (database version " + std::to_string(version) +
                    ", this teescope reads version " + std::to_string(schema_version()) +
                    "); upgrade teescope to read it");
    if (version < schema_version())
        throw Error(path + ": written by an older teescope (database version " + std::to_string(version) +
                    ", this teescope reads version " + std::to_string(schema_version()) +
                    "); import the trace again");
    // The two version marks are written together: a file where they disagree was altered or
    // assembled by something else, and what its tables mean cannot be known.
    if (*written_version != version)
        throw Error(path + ": inconsistent teescope database: metadata.schema_version is " +
                    std::to_string(*written_version) + " but PRAGMA user_version is " + std::to_string(version) +
                    "; import the trace again");
    return Database(c.release(), path);
}

Database Database::create(const std::string &path, Replace replace)
{
    std::error_code ec;
    if (replace == Replace::Yes)
        std::filesystem::remove(path, ec);
    if (ec)
        throw Error(path + ": cannot replace: " + ec.message());

    Connection c;
    // Only the writer's thread uses this connection: no per-call locking.
    if (sqlite3_open_v2(path.c_str(), &c.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
        fail(c.db, "cannot create", path);
    // A file being written is thrown away on failure, so neither a journal nor syncs are needed.
    // Rows are appended in id order, so a small cache costs the bulk load little; it bounds the
    // import's memory.
    exec_on(c.db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384;", path);
    exec_on(c.db, "BEGIN", path);
    exec_on(c.db, std::string(sql::kSchema), path);
    exec_on(c.db, std::string(sql::kViews), path);
    exec_on(c.db,
            "INSERT INTO metadata (key, value) VALUES ('schema_version', '" + std::to_string(schema_version()) +
                "'), ('complete', '0')",
            path);
    exec_on(c.db, "COMMIT", path);
    return Database(c.release(), path);
}

Database Database::open_shared_writer(const std::string &path)
{
    Connection c;
    if (sqlite3_open_v2(path.c_str(), &c.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        fail(c.db, "cannot open", path);
    sqlite3_busy_timeout(c.db, 5000); // a reader's checkpoint-blocking moment, never a deadlock
    // NORMAL: a commit is durable at the next checkpoint; a crash loses at most the last commits,
    // which the metadata (live, complete) already says are not the end.
    exec_on(c.db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;", path);
    return Database(c.release(), path);
}

Database::Database(Database &&o) noexcept : db_(o.db_), path_(std::move(o.path_)) { o.db_ = nullptr; }

Database &Database::operator=(Database &&o) noexcept
{
    if (this != &o) {
        sqlite3_close(db_);
        db_ = o.db_;
        path_ = std::move(o.path_);
        o.db_ = nullptr;
    }
    return *this;
}

Database::~Database() { sqlite3_close(db_); }

void Database::close()
{
    if (db_ && sqlite3_close(db_) != SQLITE_OK)
        fail(db_, "cannot close", path_);
    db_ = nullptr;
}

std::optional<std::string> Database::metadata(const std::string &key) const
{
    Statement s(db_, "SELECT value FROM metadata WHERE key = ?1", path_);
    s.bind(1, key);
    if (s.next() && !s.null_at(0))
        return s.text_at(0);
    return std::nullopt;
}

bool Database::complete() const { return metadata("complete").value_or("0") == "1"; }

void Database::exec(const std::string &sql) const { exec_on(db_, sql, path_); }

} // namespace teescope::store
