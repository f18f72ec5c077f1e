// SPDX-License-Identifier: MIT
// The TAs of the catalogue (samples/optee/tas) as teesim runs them, one file each.
#pragma once

#include "optee/tas/ta.h"

namespace teescope::teesim::optee {

std::unique_ptr<Ta> make_hello_world();
std::unique_ptr<Ta> make_secure_storage();
std::unique_ptr<Ta> make_workload();
std::unique_ptr<Ta> make_panic();
std::unique_ptr<Ta> make_supp_services();

} // namespace teescope::teesim::optee
