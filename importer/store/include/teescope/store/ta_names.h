// SPDX-License-Identifier: MIT
// Names of OP-TEE trusted applications and of their commands, by uuid: teescope's catalogue
// (ta_catalogue.cpp) and the user's names file (names_file.h). The import writes both into the
// ta_names and ta_commands tables, so the database names its TAs wherever it is read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace teescope::store {

struct TaName {
    std::string uuid; // lower case 8-4-4-4-12
    std::string name;
};

struct TaCommand {
    std::string uuid;
    int64_t func = 0;
    std::string name;
};

struct TaCatalogue {
    std::vector<TaName> names;
    std::vector<TaCommand> commands;
};

// teescope's own catalogue of known TAs (one entry per line of ta_catalogue.cpp).
const TaCatalogue &builtin_ta_catalogue();

// "8AAAF200-2450-11e4-..." -> lower case; empty when `text` is not a uuid in 8-4-4-4-12 form.
std::string normalize_uuid(std::string_view text);

} // namespace teescope::store
