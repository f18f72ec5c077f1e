// SPDX-License-Identifier: MIT
#include "teescope/store/statement.h"

namespace teescope::store {

void fail(sqlite3 *db, const std::string &what, const std::string &file)
{
    throw Error(file + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Statement::Statement(sqlite3 *db, std::string_view sql, const std::string &file) : file_(file)
{
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
        fail(db, "cannot prepare a query", file);
}

Statement &Statement::operator=(Statement &&o) noexcept
{
    if (this != &o) {
        sqlite3_finalize(stmt_);
        stmt_ = o.stmt_;
        file_ = std::move(o.file_);
        o.stmt_ = nullptr;
    }
    return *this;
}

void Statement::check(int rc)
{
    if (rc != SQLITE_OK)
        fail(sqlite3_db_handle(stmt_), "cannot bind a value", file_);
}

void Statement::run()
{
    int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        fail(sqlite3_db_handle(stmt_), "cannot write", file_);
}

bool Statement::next()
{
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(sqlite3_db_handle(stmt_), "cannot read", file_);
}

std::string Statement::text_at(int col) const
{
    const unsigned char *text = sqlite3_column_text(stmt_, col);
    if (!text)
        return {};
    return std::string(reinterpret_cast<const char *>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

} // namespace teescope::store
