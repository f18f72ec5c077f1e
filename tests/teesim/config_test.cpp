// SPDX-License-Identifier: MIT
// teesim's configuration file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include "teescope/tee_uapi.h"
#pragma GCC diagnostic pop

#include "teesim/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace teescope::teesim;

namespace {

Config parse(const std::string &text)
{
    std::istringstream in(text);
    return parse_config(in, "test.conf");
}

std::string error_of(const std::string &text)
{
    try {
        parse(text);
    } catch (const ConfigError &e) {
        return e.what();
    }
    return "";
}

TEST(TeesimConfig, DefaultsWithoutDirectives)
{
    Config c = parse("# nothing\n\n   \n");
    EXPECT_EQ(c.release_delay_us, 100u);
    EXPECT_EQ(c.release_retries, 3u);
    EXPECT_EQ(c.release_fail_p, 0);
    EXPECT_TRUE(c.latency.empty());
    EXPECT_TRUE(c.failures.empty());
}

TEST(TeesimConfig, ParsesEveryDirective)
{
    Config c = parse("seed 42\n"
                     "latency diagnostics 0 fixed us=150   # comment\n"
                     "latency 0x199 * uniform min=10 max=20\n"
                     "latency app * lognormal median=300 sigma=0.5\n"
                     "outlier registry 2 p=0.01 factor=50\n"
                     "fail apploader 0 p=0.5 ret=-98\n"
                     "release_delay us=2500\n"
                     "release_fail p=0.25\n"
                     "release_retries 5\n");
    EXPECT_EQ(c.seed, 42u);
    ASSERT_EQ(c.latency.size(), 3u);
    EXPECT_EQ(c.latency[0].service, static_cast<uint32_t>(QCOMTEE_UID_DIAGNOSTICS));
    EXPECT_EQ(c.latency[0].op, 0);
    EXPECT_EQ(c.latency[0].dist.kind, LatencyDist::Kind::Fixed);
    EXPECT_EQ(c.latency[0].dist.a, 150);
    EXPECT_EQ(c.latency[1].service, static_cast<uint32_t>(QCOMTEE_UID_GPAPPCLIENT));
    EXPECT_EQ(c.latency[1].op, kAnyOp);
    EXPECT_EQ(c.latency[1].dist.b, 20);
    EXPECT_EQ(c.latency[2].service, TEESIM_CLASS_APP);
    EXPECT_EQ(c.latency[2].dist.kind, LatencyDist::Kind::Lognormal);
    ASSERT_EQ(c.outliers.size(), 1u);
    EXPECT_EQ(c.outliers[0].service, static_cast<uint32_t>(TEESIM_UID_LISTENER_REGISTRY));
    EXPECT_EQ(c.outliers[0].factor, 50);
    ASSERT_EQ(c.failures.size(), 1u);
    EXPECT_EQ(c.failures[0].ret, -98);
    EXPECT_EQ(c.release_delay_us, 2500u);
    EXPECT_EQ(c.release_fail_p, 0.25);
    EXPECT_EQ(c.release_retries, 5u);
}

TEST(TeesimConfig, ErrorsNameFileLineAndProblem)
{
    EXPECT_EQ(error_of("seed 1\nbogus 3\n"), "test.conf:2: unknown directive 'bogus'");
    EXPECT_EQ(error_of("\n\nlatency nosuch 0 fixed us=1\n"), "test.conf:3: unknown service 'nosuch'");
    EXPECT_EQ(error_of("latency root 70000 fixed us=1\n"), "test.conf:1: operation 70000 does not fit in 16 bits");
    EXPECT_EQ(error_of("fail app 0 p=1.5 ret=1\n"), "test.conf:1: probability p must be between 0 and 1, got '1.5'");
    EXPECT_EQ(error_of("latency app 0 gaussian mu=1\n"),
              "test.conf:1: unknown distribution 'gaussian' (fixed, uniform or lognormal)");
    EXPECT_EQ(error_of("latency app 0 uniform min=5 max=1\n"), "test.conf:1: uniform: max is smaller than min");
    EXPECT_EQ(error_of("release_delay 100\n"), "test.conf:1: expected us=..., got '100'");
    EXPECT_EQ(error_of("seed\n"), "test.conf:1: seed: expected 'seed N'");
    EXPECT_EQ(error_of("seed x\n"), "test.conf:1: expected an integer for seed, got 'x'");
    EXPECT_NE(error_of("outlier app 0 p=0.1\n").find("test.conf:1:"), std::string::npos);
}

TEST(TeesimConfig, LoadNamesTheFile)
{
    std::string path = ::testing::TempDir() + "teesim_config_test.conf";
    {
        std::ofstream out(path);
        out << "seed 7\nrelease_retries many\n";
    }
    try {
        load_config(path);
        FAIL() << "no error";
    } catch (const ConfigError &e) {
        EXPECT_EQ(std::string(e.what()), path + ":2: expected an integer for release_retries, got 'many'");
    }
    std::remove(path.c_str());
    try {
        load_config(path);
        FAIL() << "no error";
    } catch (const ConfigError &e) {
        EXPECT_EQ(std::string(e.what()).rfind(path + ": cannot open", 0), 0u);
    }
}

TEST(TeesimConfig, ServiceNames)
{
    uint32_t s;
    EXPECT_TRUE(parse_service("root", s));
    EXPECT_EQ(s, kServiceRoot);
    EXPECT_TRUE(parse_service("client_env", s));
    EXPECT_EQ(s, TEESIM_CLASS_CLIENT_ENV);
    EXPECT_TRUE(parse_service("featureversions", s));
    EXPECT_EQ(s, 2033u);
    EXPECT_TRUE(parse_service("143", s));
    EXPECT_EQ(s, 143u);
    EXPECT_FALSE(parse_service("-1", s));
    EXPECT_FALSE(parse_service("12abc", s));
}

} // namespace
