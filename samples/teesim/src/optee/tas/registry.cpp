// SPDX-License-Identifier: MIT
#include "optee/tas/tas.h"

namespace teescope::teesim::optee {

std::unique_ptr<Ta> make_ta(const TaInfo &info)
{
    namespace cat = teescope::optee;
    if (info.uuid == cat::kHelloWorldUuid)
        return make_hello_world();
    if (info.uuid == cat::kSecureStorageUuid)
        return make_secure_storage();
    if (info.uuid == cat::kWorkloadUuid)
        return make_workload();
    if (info.uuid == cat::kPanicUuid)
        return make_panic();
    return make_supp_services();
}

} // namespace teescope::teesim::optee
