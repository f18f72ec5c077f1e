// SPDX-License-Identifier: MIT
// The user's names file, read at import time: names of OP-TEE TAs and of their commands, and of
// the ops of QTEE objects. Its entries win over teescope's catalogues (ta_catalogue.cpp,
// op_catalogue.cpp); the import writes both into the ta_names, ta_commands and op_names tables,
// so the database names its TAs and ops wherever it is read.
//
// One entry per line, `#` starts a comment, fields separated by blanks, names without blanks:
//   UUID NAME              the name of a TA
//   UUID COMMAND NAME      the name of command COMMAND of that TA
//   op CLASS OP NAME       the name of op OP of QTEE objects of class CLASS (objects.class, e.g.
//                          app, diagnostics, uid:1234; `*` for every class; `credentials` for
//                          the credentials callback object)
// COMMAND and OP are numbers, decimal or 0x hex. A line that is not an entry is skipped and
// counted (import_stats bad_names_line), never fatal.
//
// Its place: $TEESCOPE_NAMES, else $TEESCOPE_TA_NAMES (the older name), else names.txt in
// $XDG_CONFIG_HOME/teescope (or ~/.config/teescope); where there is no names.txt but a
// ta-names.txt (the older name, TA lines only), that one.
#pragma once

#include "teescope/store/op_names.h"
#include "teescope/store/ta_names.h"

#include <string>
#include <vector>

namespace teescope::store {

struct UserNames {
    TaCatalogue tas;
    std::vector<OpName> ops;
};

// The names file to read at import time (see above); empty if no place can be named.
std::string default_names_path();

// Reads a names file. A missing file gives no names and no problem; a line that is not an entry
// is skipped and described in `problems` ("FILE:LINE: why").
UserNames read_names_file(const std::string &path, std::vector<std::string> &problems);

} // namespace teescope::store
