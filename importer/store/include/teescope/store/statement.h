// SPDX-License-Identifier: MIT
// A RAII prepared statement over a store connection, for the store and its readers (CLI, GUI).
// One connection and its statements are used by one thread at a time.
#pragma once

#include "teescope/store/error.h"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace teescope::store {

// "what: sqlite message (file)" for an error of `db`.
[[noreturn]] void fail(sqlite3 *db, const std::string &what, const std::string &file);

class Statement {
public:
    Statement() = default;
    Statement(sqlite3 *db, std::string_view sql, const std::string &file);
    Statement(Statement &&o) noexcept : stmt_(o.stmt_), file_(std::move(o.file_)) { o.stmt_ = nullptr; }
    Statement &operator=(Statement &&o) noexcept;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    ~Statement() { sqlite3_finalize(stmt_); }

    sqlite3_stmt *get() const { return stmt_; }

    // Binding by 1-based index. Text is bound without a copy: it must outlive step().
    void bind(int i, int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
    void bind(int i, bool v) { check(sqlite3_bind_int64(stmt_, i, v ? 1 : 0)); }
    void bind(int i, const std::string &v)
    {
        check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
    }
    void bind(int i, const std::optional<int64_t> &v)
    {
        check(v ? sqlite3_bind_int64(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
    }
    void bind(int i, const std::optional<std::string> &v)
    {
        check(v ? sqlite3_bind_text(stmt_, i, v->data(), static_cast<int>(v->size()), SQLITE_STATIC)
                : sqlite3_bind_null(stmt_, i));
    }
    // Steps a statement that returns no rows, then resets it for the next binding.
    void run();
    // Steps once: true while a row is available.
    bool next();
    void reset() { sqlite3_reset(stmt_); }

    int64_t int_at(int col) const { return sqlite3_column_int64(stmt_, col); }
    double real_at(int col) const { return sqlite3_column_double(stmt_, col); }
    bool null_at(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string text_at(int col) const;

private:
    void check(int rc);
    sqlite3_stmt *stmt_ = nullptr;
    std::string file_;
};

namespace detail {
using store::fail;
using store::Statement;
} // namespace detail

} // namespace teescope::store
