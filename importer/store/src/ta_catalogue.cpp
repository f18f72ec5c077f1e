// SPDX-License-Identifier: MIT
// teescope's catalogue of known trusted applications: one line per TA name or command name.
// Adding a TA is adding a line here (users add theirs in their TA name file, see ta_names.h).
#include "teescope/store/ta_names.h"

namespace teescope::store {

namespace {

// { uuid (lower case), name }
const TaName kNames[] = {
    {"8aaaf200-2450-11e4-abe2-0002a5d5c51b", "hello_world"},    // optee_examples
    {"f4e750bb-1437-4fbf-8785-8d3580c34994", "secure_storage"}, // optee_examples
    // teesim's own TAs (samples/teesim, OP-TEE personality), one line each:
    // {"00000000-0000-0000-0000-000000000000", "teesim_..."},
};

// { uuid, func, name }
const TaCommand kCommands[] = {
    {"8aaaf200-2450-11e4-abe2-0002a5d5c51b", 0, "increment"},
    {"8aaaf200-2450-11e4-abe2-0002a5d5c51b", 1, "decrement"},
    {"f4e750bb-1437-4fbf-8785-8d3580c34994", 0, "read_raw"},
    {"f4e750bb-1437-4fbf-8785-8d3580c34994", 1, "write_raw"},
    {"f4e750bb-1437-4fbf-8785-8d3580c34994", 2, "delete"},
    // teesim's own TAs' commands:
    // {"00000000-0000-0000-0000-000000000000", 0, "..."},
};

} // namespace

const TaCatalogue &builtin_ta_catalogue()
{
    static const TaCatalogue catalogue{{std::begin(kNames), std::end(kNames)},
                                       {std::begin(kCommands), std::end(kCommands)}};
    return catalogue;
}

} // namespace teescope::store
