// SPDX-License-Identifier: MIT
// The UAPI header uses C flexible array members, which ISO C++ only accepts as an extension.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include "teescope/tee_uapi.h"
#pragma GCC diagnostic pop
