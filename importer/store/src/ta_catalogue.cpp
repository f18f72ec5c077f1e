// SPDX-License-Identifier: MIT
// teescope's catalogue of known trusted applications: one line per TA name or command name.
// Adding a TA is adding a line here (users add theirs in their names file, see names_file.h).
#include "teescope/store/ta_names.h"

namespace teescope::store {

namespace {

// { uuid (lower case), name }
const TaName kNames[] = {
    {"8aaaf200-2450-11e4-abe2-0002a5d5c51b", "hello_world"},    // optee_examples
    {"f4e750bb-1437-4fbf-8785-8d3580c34994", "secure_storage"}, // optee_examples
    // teesim's own TAs (samples/optee/tas):
    {"1e824db6-ecfe-4846-a677-f102d99ee174", "workload"},
    {"b0ace2a6-7047-405d-8a98-565c0e83b192", "panic"},
    {"45e48b12-af2e-4493-bbfb-5bbd0e02cf3b", "supp_services"},
};

// { uuid, func, name }
const TaCommand kCommands[] = {
    {"8aaaf200-2450-11e4-abe2-0002a5d5c51b", 0, "increment"},
    {"8aaaf200-2450-11e4-abe2-0002a5d5c51b", 1, "decrement"},
    {"f4e750bb-1437-4fbf-8785-8d3580c34994", 0, "read_raw"},
    {"f4e750bb-1437-4fbf-8785-8d3580c34994", 1, "write_raw"},
    {"f4e750bb-1437-4fbf-8785-8d3580c34994", 2, "delete"},
    {"1e824db6-ecfe-4846-a677-f102d99ee174", 0, "work"},
    {"1e824db6-ecfe-4846-a677-f102d99ee174", 1, "echo"},
    {"1e824db6-ecfe-4846-a677-f102d99ee174", 2, "sleep"},
    {"b0ace2a6-7047-405d-8a98-565c0e83b192", 0, "ok"},
    {"b0ace2a6-7047-405d-8a98-565c0e83b192", 1, "panic"},
    {"45e48b12-af2e-4493-bbfb-5bbd0e02cf3b", 0, "socket"},
    {"45e48b12-af2e-4493-bbfb-5bbd0e02cf3b", 1, "rpmb"},
    {"45e48b12-af2e-4493-bbfb-5bbd0e02cf3b", 2, "gprof"},
    {"45e48b12-af2e-4493-bbfb-5bbd0e02cf3b", 3, "ftrace"},
    {"45e48b12-af2e-4493-bbfb-5bbd0e02cf3b", 4, "plugin"},
};

} // namespace

const TaCatalogue &builtin_ta_catalogue()
{
    static const TaCatalogue catalogue{{std::begin(kNames), std::end(kNames)},
                                       {std::begin(kCommands), std::end(kCommands)}};
    return catalogue;
}

} // namespace teescope::store
