// SPDX-License-Identifier: MIT
#include "core/injection.h"

#include <cmath>

namespace teescope::teesim {

namespace {

bool matches(uint32_t rule_service, int64_t rule_op, uint32_t service, uint32_t op)
{
    return rule_service == service && (rule_op == kAnyOp || rule_op == op);
}

} // namespace

double injected_latency_us(const Config &cfg, std::mt19937_64 &rng, uint32_t service, uint32_t op)
{
    double us = 0;
    for (auto &rule : cfg.latency) {
        if (!matches(rule.service, rule.op, service, op))
            continue;
        switch (rule.dist.kind) {
        case LatencyDist::Kind::Fixed:
            us = rule.dist.a;
            break;
        case LatencyDist::Kind::Uniform:
            us = std::uniform_real_distribution<double>(rule.dist.a, rule.dist.b)(rng);
            break;
        case LatencyDist::Kind::Lognormal:
            us = std::lognormal_distribution<double>(std::log(rule.dist.a), rule.dist.b)(rng);
            break;
        }
        break;
    }
    for (auto &rule : cfg.outliers) {
        if (!matches(rule.service, rule.op, service, op))
            continue;
        if (std::bernoulli_distribution(rule.p)(rng))
            us *= rule.factor;
        break;
    }
    return us;
}

bool injected_failure(const Config &cfg, std::mt19937_64 &rng, uint32_t service, uint32_t op, int32_t &ret)
{
    for (auto &rule : cfg.failures) {
        if (!matches(rule.service, rule.op, service, op))
            continue;
        if (std::bernoulli_distribution(rule.p)(rng)) {
            ret = rule.ret;
            return true;
        }
    }
    return false;
}

} // namespace teescope::teesim
