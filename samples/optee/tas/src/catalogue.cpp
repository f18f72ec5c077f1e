// SPDX-License-Identifier: MIT
#include "optee_tas/catalogue.h"

namespace teescope::optee {

namespace {

// Flags as the TAs' headers declare them: single instance, multi-session, keep alive, concurrent.
constexpr TaInfo kCatalogue[] = {
    {kHelloWorldUuid, "hello_world", false, false, false, false},
    {kSecureStorageUuid, "secure_storage", true, false, false, false},
    {kWorkloadUuid, "workload", true, true, true, true},
    {kPanicUuid, "panic", false, false, false, false},
    {kSuppServicesUuid, "supp_services", false, false, false, false},
};

} // namespace

std::span<const TaInfo> catalogue() { return kCatalogue; }

const TaInfo *find_ta(const Uuid &uuid)
{
    for (const TaInfo &ta : kCatalogue)
        if (ta.uuid == uuid)
            return &ta;
    return nullptr;
}

const TaInfo *find_ta(std::string_view name_or_uuid)
{
    for (const TaInfo &ta : kCatalogue)
        if (ta.name == name_or_uuid)
            return &ta;
    if (auto u = parse_uuid(name_or_uuid))
        return find_ta(*u);
    return nullptr;
}

} // namespace teescope::optee
