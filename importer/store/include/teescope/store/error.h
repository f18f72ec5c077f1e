// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace teescope::store {

// Every failure of the store: the message names the file and what was wrong, ready for a user.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace teescope::store
