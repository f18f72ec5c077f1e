// SPDX-License-Identifier: MIT
// Time <-> pixel mapping of the timeline: a trace interval, a view interval inside it and a width
// in pixels. A value type without painting, so the arithmetic is tested on its own.
// Timestamps are ~1.8e18 ns, beyond what a double holds exactly: everything is computed as
// offsets from the start of the trace.
#pragma once

#include <QtGlobal>

namespace teescope::gui {

class TimeMapping {
public:
    // The narrowest view: 1 µs over the whole width (a few ns per pixel at most).
    static constexpr qint64 kMinSpan = 1000;

    TimeMapping() = default;
    TimeMapping(qint64 traceBegin, qint64 traceEnd, double width);

    // Sets the trace interval and shows all of it. An empty or inverted interval is widened to
    // 1 ns.
    void setTrace(qint64 begin, qint64 end);
    // Width of the drawing area in pixels (at least 1).
    void setWidth(double width);
    // Shows [begin, end), clamped to the trace and to at least kMinSpan (or the whole trace).
    void setView(qint64 begin, qint64 end);
    void showAll() { setView(traceBegin_, traceEnd_); }

    qint64 traceBegin() const { return traceBegin_; }
    qint64 traceEnd() const { return traceEnd_; }
    qint64 viewBegin() const { return traceBegin_ + viewOffset_; }
    qint64 viewEnd() const { return traceBegin_ + viewOffset_ + viewSpan_; }
    qint64 viewSpan() const { return viewSpan_; }
    qint64 traceSpan() const { return traceEnd_ - traceBegin_; }
    double width() const { return width_; }
    double nsPerPixel() const { return double(viewSpan_) / width_; }
    bool showsAll() const { return viewOffset_ == 0 && viewSpan_ == traceSpan(); }

    // x of `ts` (may be outside [0, width] for times outside the view).
    double tsToX(qint64 ts) const;
    // The timestamp at `x`, clamped to the trace.
    qint64 xToTs(double x) const;

    // Zooms by `factor` (> 1 zooms in) keeping the timestamp under `anchorX` where it is.
    void zoom(double factor, double anchorX);
    // Moves the view by `dx` pixels: positive shows later times. Stops at the trace's ends.
    void pan(double dx);

private:
    qint64 clampOffset(qint64 offset, qint64 span) const;

    qint64 traceBegin_ = 0;
    qint64 traceEnd_ = 1;
    qint64 viewOffset_ = 0; // view begin - trace begin
    qint64 viewSpan_ = 1;   // view end - view begin
    double width_ = 1;
};

} // namespace teescope::gui
