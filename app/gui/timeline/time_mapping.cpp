// SPDX-License-Identifier: MIT
#include "timeline/time_mapping.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace teescope::gui {

namespace {
// a - b without overflow (saturating); timestamps may be anything a broken trace holds.
qint64 saturatingSub(qint64 a, qint64 b)
{
    qint64 r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
    return r;
}
} // namespace

TimeMapping::TimeMapping(qint64 traceBegin, qint64 traceEnd, double width)
{
    setWidth(width);
    setTrace(traceBegin, traceEnd);
}

void TimeMapping::setTrace(qint64 begin, qint64 end)
{
    // The span must be positive and representable.
    if (end > begin && saturatingSub(end, begin) < std::numeric_limits<qint64>::max()) {
        traceBegin_ = begin;
        traceEnd_ = end;
    } else if (begin < std::numeric_limits<qint64>::max()) {
        traceBegin_ = begin;
        traceEnd_ = begin + 1;
    } else {
        traceBegin_ = begin - 1;
        traceEnd_ = begin;
    }
    viewOffset_ = 0;
    viewSpan_ = traceSpan();
}

void TimeMapping::setWidth(double width)
{
    width_ = (std::isfinite(width) && width >= 1) ? width : 1;
}

qint64 TimeMapping::clampOffset(qint64 offset, qint64 span) const
{
    return std::clamp<qint64>(offset, 0, traceSpan() - span);
}

void TimeMapping::setView(qint64 begin, qint64 end)
{
    const qint64 minSpan = std::min(kMinSpan, traceSpan());
    qint64 offset = saturatingSub(begin, traceBegin_);
    qint64 span = std::max<qint64>(saturatingSub(end, begin), 0);
    if (span < minSpan) {
        // Too narrow (or inverted): widen around its middle.
        qint64 middle;
        if (__builtin_add_overflow(offset, span / 2, &middle))
            middle = std::numeric_limits<qint64>::max();
        span = minSpan;
        offset = saturatingSub(middle, span / 2);
    }
    span = std::min(span, traceSpan());
    viewSpan_ = span;
    viewOffset_ = clampOffset(offset, span);
}

double TimeMapping::tsToX(qint64 ts) const
{
    const qint64 off = saturatingSub(saturatingSub(ts, traceBegin_), viewOffset_);
    return double(off) * width_ / double(viewSpan_);
}

qint64 TimeMapping::xToTs(double x) const
{
    if (!std::isfinite(x))
        x = 0;
    const double off = double(viewOffset_) + x * double(viewSpan_) / width_;
    const double clamped = std::clamp(off, 0.0, double(traceSpan()));
    return traceBegin_ + std::min(qint64(std::llround(clamped)), traceSpan());
}

void TimeMapping::zoom(double factor, double anchorX)
{
    if (!std::isfinite(factor) || factor <= 0 || !std::isfinite(anchorX))
        return;
    anchorX = std::clamp(anchorX, 0.0, width_);
    // Offset of the anchor in the trace, kept fixed: anchor = offset + anchorX * span / width.
    const double anchor = double(viewOffset_) + anchorX * double(viewSpan_) / width_;
    const qint64 minSpan = std::min(kMinSpan, traceSpan());
    const double wanted = std::clamp(double(viewSpan_) / factor, double(minSpan), double(traceSpan()));
    const qint64 span = std::clamp(qint64(std::llround(wanted)), minSpan, traceSpan());
    const qint64 offset = qint64(std::llround(anchor - anchorX * double(span) / width_));
    viewSpan_ = span;
    viewOffset_ = clampOffset(offset, span);
}

void TimeMapping::pan(double dx)
{
    if (!std::isfinite(dx))
        return;
    const double delta = std::clamp(dx * nsPerPixel(), -double(traceSpan()), double(traceSpan()));
    viewOffset_ = clampOffset(viewOffset_ + qint64(std::llround(delta)), viewSpan_);
}

} // namespace teescope::gui
