// SPDX-License-Identifier: MIT
#include "teescope/store/ta_names.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace teescope::store {

std::string normalize_uuid(std::string_view text)
{
    if (text.size() != 36)
        return {};
    std::string out(text);
    for (size_t i = 0; i < out.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const auto c = static_cast<unsigned char>(out[i]);
        if (dash ? c != '-' : !std::isxdigit(c))
            return {};
        out[i] = static_cast<char>(std::tolower(c));
    }
    return out;
}

std::string default_ta_names_path()
{
    if (const char *explicit_path = std::getenv("TEESCOPE_TA_NAMES"))
        return explicit_path;
    if (const char *config = std::getenv("XDG_CONFIG_HOME"); config && *config)
        return std::string(config) + "/teescope/ta-names.txt";
    if (const char *home = std::getenv("HOME"); home && *home)
        return std::string(home) + "/.config/teescope/ta-names.txt";
    return {};
}

TaCatalogue read_ta_names_file(const std::string &path, std::vector<std::string> &problems)
{
    TaCatalogue out;
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
        const std::string uuid = normalize_uuid(f[0]);
        if (uuid.empty()) {
            problem("'" + f[0] + "' is not a uuid (8-4-4-4-12 hex digits)");
            continue;
        }
        if (f.size() == 2) {
            out.names.push_back({uuid, f[1]});
            continue;
        }
        if (f.size() == 3) {
            char *end = nullptr;
            errno = 0;
            const long long func = std::strtoll(f[1].c_str(), &end, 0);
            if (errno || *end || func < 0 || func > 0xFFFFFFFFLL) {
                problem("'" + f[1] + "' is not a command number");
                continue;
            }
            out.commands.push_back({uuid, func, f[2]});
            continue;
        }
        problem("expected 'UUID NAME' or 'UUID COMMAND NAME'");
    }
    return out;
}

} // namespace teescope::store
