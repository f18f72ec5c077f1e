// SPDX-License-Identifier: MIT
// The whole client API: contexts, sessions, operations, shared memory, results.
#pragma once

#include "optee_client/context.h"
#include "optee_client/operation.h"
#include "optee_client/result.h"
#include "optee_client/session.h"
#include "optee_client/shared_memory.h"
#include "optee_client/uuid.h"
