// SPDX-License-Identifier: MIT
#include "teesim/config.h"

#include "optee_tas/catalogue.h"

#include "teescope/tee_uapi.h"

#include <cerrno>
#include <cstring>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace teescope::teesim {

namespace {

struct LineParser {
    const std::string &file;
    int line;

    [[noreturn]] void fail(const std::string &what) const
    {
        throw ConfigError(file + ":" + std::to_string(line) + ": " + what);
    }

    uint64_t number(const std::string &text, const char *what) const
    {
        if (text.empty() || text[0] == '-')
            fail(std::string("expected a non-negative integer for ") + what + ", got '" + text + "'");
        errno = 0;
        char *end = nullptr;
        unsigned long long v = std::strtoull(text.c_str(), &end, 0);
        if (errno || *end)
            fail(std::string("expected an integer for ") + what + ", got '" + text + "'");
        return v;
    }

    int64_t signed_number(const std::string &text, const char *what) const
    {
        errno = 0;
        char *end = nullptr;
        long long v = std::strtoll(text.c_str(), &end, 0);
        if (text.empty() || errno || *end || v < INT32_MIN || v > INT32_MAX)
            fail(std::string("expected a 32-bit integer for ") + what + ", got '" + text + "'");
        return v;
    }

    double real(const std::string &text, const char *what) const
    {
        errno = 0;
        char *end = nullptr;
        double v = std::strtod(text.c_str(), &end);
        if (text.empty() || errno || *end || !std::isfinite(v) || v < 0)
            fail(std::string("expected a non-negative number for ") + what + ", got '" + text + "'");
        return v;
    }

    double probability(const std::string &text) const
    {
        double p = real(text, "p");
        if (p > 1)
            fail("probability p must be between 0 and 1, got '" + text + "'");
        return p;
    }

    // "key=value" with the expected key.
    std::string keyed(const std::string &word, const char *key) const
    {
        std::string prefix = std::string(key) + "=";
        if (word.compare(0, prefix.size(), prefix) != 0)
            fail("expected " + prefix + "..., got '" + word + "'");
        return word.substr(prefix.size());
    }

    uint32_t service(const std::string &text) const
    {
        uint32_t s;
        if (!parse_service(text, s))
            fail("unknown service '" + text + "'");
        return s;
    }

    int64_t op(const std::string &text) const
    {
        if (text == "*")
            return kAnyOp;
        uint64_t v = number(text, "OP");
        if (v > 0xFFFF)
            fail("operation " + text + " does not fit in 16 bits");
        return static_cast<int64_t>(v);
    }
};

} // namespace

bool parse_service(const std::string &text, uint32_t &service)
{
    static const std::map<std::string, uint32_t> names = {
        {"root", kServiceRoot},
        {"client_env", TEESIM_CLASS_CLIENT_ENV},
        {"apploader", QCOMTEE_UID_APPLOADER},
        {"diagnostics", QCOMTEE_UID_DIAGNOSTICS},
        {"app_controller", TEESIM_CLASS_APP_CONTROLLER},
        {"app", TEESIM_CLASS_APP},
        {"registry", TEESIM_UID_LISTENER_REGISTRY},
        {"region_store", TEESIM_UID_REGION_STORE},
        {"featureversions", QCOMTEE_UID_FEATUREVERSIONS},
        {"gpappclient", QCOMTEE_UID_GPAPPCLIENT},
    };
    if (auto it = names.find(text); it != names.end()) {
        service = it->second;
        return true;
    }
    if (text.rfind("ta:", 0) == 0) {
        const optee::TaInfo *ta = optee::find_ta(std::string_view(text).substr(3));
        if (!ta)
            return false;
        service = kTaServiceBase + static_cast<uint32_t>(ta - optee::catalogue().data());
        return true;
    }
    if (text.empty() || text[0] == '-')
        return false;
    errno = 0;
    char *end = nullptr;
    unsigned long long v = std::strtoull(text.c_str(), &end, 0);
    if (errno || *end || v > UINT32_MAX)
        return false;
    service = static_cast<uint32_t>(v);
    return true;
}

Config parse_config(std::istream &in, const std::string &name)
{
    Config cfg;
    std::string raw;
    int lineno = 0;
    while (std::getline(in, raw)) {
        ++lineno;
        LineParser p{name, lineno};
        if (auto hash = raw.find('#'); hash != std::string::npos)
            raw.erase(hash);
        std::istringstream words(raw);
        std::vector<std::string> w;
        for (std::string s; words >> s;)
            w.push_back(s);
        if (w.empty())
            continue;
        const std::string &kw = w[0];
        auto need = [&](size_t n, const char *usage) {
            if (w.size() != n)
                p.fail(kw + ": expected '" + usage + "'");
        };
        if (kw == "seed") {
            need(2, "seed N");
            cfg.seed = p.number(w[1], "seed");
        } else if (kw == "latency") {
            if (w.size() < 4)
                p.fail("latency: expected 'latency SERVICE OP DIST'");
            LatencyRule r;
            r.service = p.service(w[1]);
            r.op = p.op(w[2]);
            const std::string &dist = w[3];
            if (dist == "fixed") {
                need(5, "latency SERVICE OP fixed us=N");
                r.dist.kind = LatencyDist::Kind::Fixed;
                r.dist.a = p.real(p.keyed(w[4], "us"), "us");
            } else if (dist == "uniform") {
                need(6, "latency SERVICE OP uniform min=N max=N");
                r.dist.kind = LatencyDist::Kind::Uniform;
                r.dist.a = p.real(p.keyed(w[4], "min"), "min");
                r.dist.b = p.real(p.keyed(w[5], "max"), "max");
                if (r.dist.b < r.dist.a)
                    p.fail("uniform: max is smaller than min");
            } else if (dist == "lognormal") {
                need(6, "latency SERVICE OP lognormal median=N sigma=S");
                r.dist.kind = LatencyDist::Kind::Lognormal;
                r.dist.a = p.real(p.keyed(w[4], "median"), "median");
                r.dist.b = p.real(p.keyed(w[5], "sigma"), "sigma");
                if (r.dist.a <= 0)
                    p.fail("lognormal: median must be positive");
            } else {
                p.fail("unknown distribution '" + dist + "' (fixed, uniform or lognormal)");
            }
            cfg.latency.push_back(r);
        } else if (kw == "outlier") {
            need(5, "outlier SERVICE OP p=P factor=F");
            OutlierRule r;
            r.service = p.service(w[1]);
            r.op = p.op(w[2]);
            r.p = p.probability(p.keyed(w[3], "p"));
            r.factor = p.real(p.keyed(w[4], "factor"), "factor");
            cfg.outliers.push_back(r);
        } else if (kw == "fail") {
            need(5, "fail SERVICE OP p=P ret=R");
            FailRule r;
            r.service = p.service(w[1]);
            r.op = p.op(w[2]);
            r.p = p.probability(p.keyed(w[3], "p"));
            r.ret = static_cast<int32_t>(p.signed_number(p.keyed(w[4], "ret"), "ret"));
            cfg.failures.push_back(r);
        } else if (kw == "tee") {
            need(2, "tee qtee|optee");
            if (w[1] == "qtee")
                cfg.tee = TeeKind::Qtee;
            else if (w[1] == "optee")
                cfg.tee = TeeKind::Optee;
            else
                p.fail("tee: unknown TEE '" + w[1] + "' (qtee or optee)");
        } else if (kw == "optee_threads") {
            need(2, "optee_threads N");
            uint64_t n = p.number(w[1], "optee_threads");
            if (n < 1 || n > 256)
                p.fail("optee_threads: between 1 and 256");
            cfg.optee_threads = static_cast<unsigned>(n);
        } else if (kw == "optee_dynamic_shm") {
            need(2, "optee_dynamic_shm on|off");
            if (w[1] != "on" && w[1] != "off")
                p.fail("optee_dynamic_shm: expected on or off, got '" + w[1] + "'");
            cfg.optee_dynamic_shm = w[1] == "on";
        } else if (kw == "xen") {
            need(2, "xen on|off");
            if (w[1] != "on" && w[1] != "off")
                p.fail("xen: expected on or off, got '" + w[1] + "'");
            cfg.xen = w[1] == "on";
        } else if (kw == "release_delay") {
            need(2, "release_delay us=N");
            cfg.release_delay_us = p.number(p.keyed(w[1], "us"), "us");
        } else if (kw == "release_fail") {
            need(2, "release_fail p=P");
            cfg.release_fail_p = p.probability(p.keyed(w[1], "p"));
        } else if (kw == "release_retries") {
            need(2, "release_retries N");
            uint64_t n = p.number(w[1], "release_retries");
            if (n > 1000)
                p.fail("release_retries: at most 1000");
            cfg.release_retries = static_cast<unsigned>(n);
        } else {
            p.fail("unknown directive '" + kw + "'");
        }
    }
    return cfg;
}

Config load_config(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        throw ConfigError(path + ": cannot open: " + std::strerror(errno));
    return parse_config(in, path);
}

} // namespace teescope::teesim
