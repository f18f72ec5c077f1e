// SPDX-License-Identifier: MIT
// One trace database file: opened read-only for queries, or created fresh for the writer.
#pragma once

#include "teescope/store/error.h"

#include <memory>
#include <optional>
#include <string>

struct sqlite3;

namespace teescope::store {

// The database version this teescope writes and reads (PRAGMA user_version of the schema).
int schema_version();

class Database {
public:
    // Opens an existing trace database for queries. Throws Error if the file is missing, is not
    // a teescope database, or was written by a newer teescope.
    static Database open_read_only(const std::string &path);
    // Creates a new database at `path` with the tables and views, metadata.schema_version set
    // and metadata.complete = 0. Replace::Yes replaces an existing file there; Replace::No fills
    // the empty file the caller created (and owns) at `path`.
    enum class Replace { Yes, No };
    static Database create(const std::string &path, Replace replace = Replace::Yes);
    // Opens a database this teescope created (create()) to go on writing it while others read
    // it: write-ahead logging, so that readers never block the writer nor see half a commit.
    static Database open_shared_writer(const std::string &path);

    Database(Database &&) noexcept;
    Database &operator=(Database &&) noexcept;
    ~Database();

    sqlite3 *handle() const { return db_; }
    const std::string &path() const { return path_; }

    // metadata.value of `key`, if set.
    std::optional<std::string> metadata(const std::string &key) const;
    // metadata.complete == 1: the import that wrote it finished.
    bool complete() const;
    // Runs SQL without results; throws Error naming the file.
    void exec(const std::string &sql) const;
    // Closes the connection now (the destructor does it otherwise); throws Error on failure.
    void close();

private:
    Database(sqlite3 *db, std::string path) : db_(db), path_(std::move(path)) {}
    sqlite3 *db_ = nullptr;
    std::string path_;
};

} // namespace teescope::store
