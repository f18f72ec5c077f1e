// SPDX-License-Identifier: MIT
#include "teescope/export/time_spec.h"

#include <gtest/gtest.h>

using namespace teescope::exporter;

TEST(TimeSpec, OffsetsInNanosecondsOrWithUnits)
{
    EXPECT_EQ(parse_offset("0"), 0);
    EXPECT_EQ(parse_offset("1500000"), 1500000);
    EXPECT_EQ(parse_offset("900ns"), 900);
    EXPECT_EQ(parse_offset("40us"), 40000);
    EXPECT_EQ(parse_offset("250ms"), 250000000);
    EXPECT_EQ(parse_offset("1.5s"), 1500000000);
    EXPECT_EQ(parse_offset(".5ms"), 500000);
    for (const char *bad : {"", "s", "-1", "1.2.3", "1h", "ms5", "1 s", "abc", "99999999999999999999"})
        EXPECT_FALSE(parse_offset(bad)) << bad;
}

TEST(TimeSpec, Ranges)
{
    std::string why;
    auto r = parse_offset_range("250ms..1.5s", why);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->begin, 250000000);
    EXPECT_EQ(r->end, 1500000000);
    EXPECT_FALSE(parse_offset_range("2s..1s", why));
    EXPECT_NE(why.find("after its end"), std::string::npos);
    EXPECT_FALSE(parse_offset_range("1s", why));
    EXPECT_FALSE(parse_offset_range("1s..x", why));
    EXPECT_FALSE(parse_offset_range("..1s", why));
}
