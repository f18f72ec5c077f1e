// SPDX-License-Identifier: MIT
#include "teescope/store/names_file.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace teescope::store {

namespace {

// A command or op number: decimal or 0x hex, 0 .. 2^32-1.
bool parse_number(const std::string &text, int64_t &out)
{
    char *end = nullptr;
    errno = 0;
    const long long n = std::strtoll(text.c_str(), &end, 0);
    if (text.empty() || errno || *end || n < 0 || n > 0xFFFFFFFFLL)
        return false;
    out = n;
    return true;
}

} // namespace

std::string default_names_path()
{
    for (const char *variable : {"TEESCOPE_NAMES", "TEESCOPE_TA_NAMES"})
        if (const char *explicit_path = std::getenv(variable); explicit_path && *explicit_path)
            return explicit_path;
    std::string dir;
    if (const char *config = std::getenv("XDG_CONFIG_HOME"); config && *config)
        dir = std::string(config) + "/teescope/";
    else if (const char *home = std::getenv("HOME"); home && *home)
        dir = std::string(home) + "/.config/teescope/";
    else
        return {};
    std::error_code ec;
    if (!std::filesystem::exists(dir + "names.txt", ec) && std::filesystem::exists(dir + "ta-names.txt", ec))
        return dir + "ta-names.txt";
    return dir + "names.txt";
}

UserNames read_names_file(const std::string &path, std::vector<std::string> &problems)
{
    UserNames out;
    if (path.empty())
        return out;
    std::ifstream in(path);
    if (!in)
        return out;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (const size_t hash = line.find('#'); hash != std::string::npos)
            line.erase(hash);
        std::istringstream fields(line);
        std::vector<std::string> f;
        for (std::string w; fields >> w;)
            f.push_back(w);
        if (f.empty())
            continue;
        auto problem = [&](const std::string &why) {
            problems.push_back(path + ":" + std::to_string(number) + ": " + why);
        };
        if (f[0] == "op") {
            int64_t op = 0;
            if (f.size() != 4)
                problem("expected 'op CLASS OP NAME'");
            else if (!parse_number(f[2], op))
                problem("'" + f[2] + "' is not an op number");
            else
                out.ops.push_back({f[1], op, f[3]});
            continue;
        }
        const std::string uuid = normalize_uuid(f[0]);
        if (uuid.empty()) {
            problem("'" + f[0] + "' is not a uuid (8-4-4-4-12 hex digits) nor 'op'");
            continue;
        }
        if (f.size() == 2) {
            out.tas.names.push_back({uuid, f[1]});
            continue;
        }
        if (f.size() == 3) {
            int64_t func = 0;
            if (!parse_number(f[1], func)) {
                problem("'" + f[1] + "' is not a command number");
                continue;
            }
            out.tas.commands.push_back({uuid, func, f[2]});
            continue;
        }
        problem("expected 'UUID NAME', 'UUID COMMAND NAME' or 'op CLASS OP NAME'");
    }
    return out;
}

} // namespace teescope::store
