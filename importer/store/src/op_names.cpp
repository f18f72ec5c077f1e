// SPDX-License-Identifier: MIT
#include "teescope/store/op_names.h"

#include "teescope/store/latency.h"
#include "teescope/store/statement.h"

namespace teescope::store {

OpNames::OpNames()
{
    for (const OpName &n : builtin_op_names())
        add(n.klass, n.op, n.name);
}

OpNames OpNames::read(sqlite3 *db, const std::string &file)
{
    OpNames out;
    bool has_table = false;
    {
        Statement t(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'op_names'", file);
        has_table = t.next() && t.int_at(0) > 0;
    }
    // A table not filled yet (a database being written) keeps the catalogue.
    if (has_table) {
        std::map<std::pair<std::string, int64_t>, std::string> stored;
        Statement s(db, "SELECT class, op, name FROM op_names", file);
        while (s.next())
            stored[{s.text_at(0), s.int_at(1)}] = s.text_at(2);
        if (!stored.empty())
            out.names_ = std::move(stored);
    }
    // Callback objects by the call that passed them: the root's register calls take the
    // credentials, whose ops QTEE calls to read them (IIO getLength / readAtOffset); teesim's
    // registry register takes a listener.
    Statement c(db,
                "SELECT o.id, CASE WHEN r.kind = 'root' THEN 0 ELSE 1 END FROM objects o"
                " JOIN invocations i ON i.id = o.produced_by JOIN objects r ON r.id = i.object_id"
                " WHERE o.kind = 'callback' AND ((r.kind = 'root' AND i.op IN (2, 5))"
                "                                OR (r.class = 'registry' AND i.op = 0))",
                file);
    while (c.next())
        out.interface_[c.int_at(0)] = c.int_at(1) == 0 ? kCredentialsClass : kListenerClass;
    return out;
}

void OpNames::add(const std::string &klass, int64_t op, const std::string &name) { names_[{klass, op}] = name; }

std::string OpNames::name(const std::string &klass, int64_t op) const
{
    if (auto it = names_.find({klass, op}); it != names_.end())
        return it->second;
    if (auto it = names_.find({kEveryClass, op}); it != names_.end())
        return it->second;
    return {};
}

std::string OpNames::name(int64_t object_id, const std::string &klass, int64_t op) const
{
    if (auto it = interface_.find(object_id); it != interface_.end())
        if (std::string n = name(it->second, op); !n.empty())
            return n;
    return name(klass, op);
}

std::string OpNames::text(const std::string &klass, int64_t op) const
{
    std::string n = name(klass, op);
    return n.empty() ? op_text(op) : n;
}

std::string OpNames::labelled(const std::string &klass, int64_t op) const
{
    std::string n = name(klass, op);
    return n.empty() ? op_text(op) : n + " (" + std::to_string(op) + ")";
}

} // namespace teescope::store
