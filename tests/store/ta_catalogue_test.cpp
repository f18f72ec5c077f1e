// SPDX-License-Identifier: MIT
// The importer's catalogue of TA names knows every trusted application teesim's OP-TEE runs, under
// the same name, so that their latency rows and graph nodes are named.
#include "optee_tas/catalogue.h"
#include "teescope/store/ta_names.h"

#include <gtest/gtest.h>

#include <algorithm>

TEST(TaCatalogue, NamesEveryTeesimTa)
{
    const auto &known = teescope::store::builtin_ta_catalogue().names;
    for (const auto &ta : teescope::optee::catalogue()) {
        const std::string uuid = teescope::optee::to_string(ta.uuid);
        auto it = std::find_if(known.begin(), known.end(), [&](const auto &n) { return n.uuid == uuid; });
        ASSERT_NE(it, known.end()) << uuid << " (" << ta.name << ") is not in importer/store/src/ta_catalogue.cpp";
        EXPECT_EQ(it->name, ta.name);
    }
}
