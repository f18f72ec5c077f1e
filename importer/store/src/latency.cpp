// SPDX-License-Identifier: MIT
#include "teescope/store/latency.h"

#include "teescope/store/op_names.h"
#include "teescope/store/statement.h"

#include <filesystem>
#include <map>
#include <system_error>
#include <unordered_map>

namespace teescope::store {

namespace {

// Where the durations are spilled: beside the database (a file of the machine's disk, where
// there is room for the database itself); empty for a database of no file.
std::string spill_dir(sqlite3 *db)
{
    const char *name = sqlite3_db_filename(db, "main");
    if (!name || !*name)
        return {};
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::absolute(name, ec).parent_path();
    return ec ? std::string() : dir.string();
}

} // namespace

std::string op_text(int64_t op)
{
    if (op == -1)
        return "open";
    if (op == -2)
        return "close";
    if (op == 65535)
        return "release";
    return std::to_string(op);
}

// The durations are streamed out of the invocations without a join or a sort in SQL (objects and
// sessions are few; invocations are millions) into ExactPercentiles, which holds only a histogram
// per group and spills the durations beside the database.
std::vector<LatencyGroup> compute_latency_groups(sqlite3 *db, const std::string &file, std::optional<int64_t> guest,
                                                 std::optional<LatencyWindow> window, ExactPercentiles::Limits limits)
{
    std::unordered_map<int64_t, std::string> object_class;
    {
        Statement objects(db, "SELECT id, class FROM objects", file);
        while (objects.next())
            object_class.emplace(objects.int_at(0), objects.text_at(1));
    }
    // Sessions: their TA's class, and the uuid for the command names.
    struct Ta {
        std::string klass, uuid;
    };
    std::unordered_map<int64_t, Ta> session_ta;
    {
        Statement sessions(db,
                           "SELECT s.id, COALESCE(t.name, s.uuid, 'unknown'), COALESCE(s.uuid, '') FROM sessions s"
                           " LEFT JOIN ta_names t ON t.uuid = s.uuid",
                           file);
        while (sessions.next())
            session_ta.emplace(sessions.int_at(0), Ta{sessions.text_at(1), sessions.text_at(2)});
    }
    std::map<std::pair<std::string, int64_t>, std::string> command_name;
    {
        Statement commands(db, "SELECT uuid, func, name FROM ta_commands", file);
        while (commands.next())
            command_name.emplace(std::make_pair(commands.text_at(0), commands.int_at(1)), commands.text_at(2));
    }

    struct Group {
        uint32_t index = 0; // in `durations`
        std::string uuid;   // the TA's, for OP-TEE groups
        bool optee = false;
    };
    std::map<std::pair<std::string, int64_t>, Group> groups;
    ExactPercentiles durations(spill_dir(db), file, limits);
    std::string sql = "SELECT object_id, op, drv_end_ts - drv_begin_ts, session_id, internal FROM invocations "
                      "WHERE drv_begin_ts IS NOT NULL AND drv_end_ts IS NOT NULL";
    if (guest)
        sql += " AND guest = ?1";
    if (window)
        sql += " AND drv_end_ts >= ?2 AND drv_end_ts <= ?3";
    Statement in(db, sql, file);
    if (guest)
        in.bind(1, *guest);
    if (window) {
        in.bind(2, window->begin_ts);
        in.bind(3, window->end_ts);
    }
    const std::string unknown = "unknown", driver = kDriverClass;
    std::pair<std::string, int64_t> key;
    Group *group = nullptr;
    while (in.next()) {
        const std::string *klass = in.int_at(4) != 0 ? &driver : &unknown;
        const std::string *uuid = nullptr;
        if (!in.null_at(0)) {
            if (auto it = object_class.find(in.int_at(0)); it != object_class.end())
                klass = &it->second;
        } else if (!in.null_at(3)) {
            if (auto it = session_ta.find(in.int_at(3)); it != session_ta.end()) {
                klass = &it->second.klass;
                uuid = &it->second.uuid;
            }
        }
        const int64_t op = in.int_at(1);
        if (!group || key.first != *klass || key.second != op) {
            key = {*klass, op};
            auto [it, added] = groups.try_emplace(key);
            group = &it->second;
            if (added)
                group->index = static_cast<uint32_t>(groups.size() - 1);
            if (uuid) {
                group->optee = true;
                if (group->uuid.empty())
                    group->uuid = *uuid;
            }
        }
        durations.add(group->index, in.int_at(2));
    }
    const std::vector<Percentiles> percentiles = durations.compute();

    const OpNames op_names = OpNames::read(db, file);
    std::vector<LatencyGroup> out;
    out.reserve(groups.size());
    for (auto &[k, g] : groups) {
        const Percentiles &p = percentiles[g.index];
        LatencyGroup row;
        row.klass = k.first;
        row.op = k.second;
        row.count = static_cast<int64_t>(durations.count(g.index));
        row.min_ns = p.min_ns;
        row.max_ns = p.max_ns;
        row.p50_ns = p.p50_ns;
        row.p90_ns = p.p90_ns;
        row.p99_ns = p.p99_ns;
        row.p999_ns = p.p999_ns;
        if (g.optee) {
            auto name = command_name.find({g.uuid, row.op});
            row.named = name != command_name.end();
            row.op_name = row.named ? name->second : row.op < 0 ? op_text(row.op) : std::to_string(row.op);
        } else {
            row.op_name = op_names.text(row.klass, row.op);
        }
        out.push_back(std::move(row));
    }
    return out;
}

} // namespace teescope::store
