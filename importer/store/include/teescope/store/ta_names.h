// SPDX-License-Identifier: MIT
// Names of OP-TEE trusted applications and of their commands, by uuid: teescope's catalogue
// (ta_catalogue.cpp) and the user's TA name file. The import writes both into the ta_names and
// ta_commands tables, so the database names its TAs wherever it is read.
//
// The TA name file: one entry per line, `#` starts a comment, fields separated by blanks:
//   UUID NAME          the TA's name
//   UUID FUNC NAME     the name of command FUNC (a number, decimal or 0x hex) of that TA
// Its default place is $TEESCOPE_TA_NAMES, else $XDG_CONFIG_HOME/teescope/ta-names.txt, else
// ~/.config/teescope/ta-names.txt. Its entries win over the catalogue's.
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

// The TA name file to read at import time (see above); empty if no place can be named.
std::string default_ta_names_path();

// Reads a TA name file. A missing file gives an empty catalogue and no problem; a line that is
// not an entry is skipped and described in `problems` ("FILE:LINE: why").
TaCatalogue read_ta_names_file(const std::string &path, std::vector<std::string> &problems);

} // namespace teescope::store
