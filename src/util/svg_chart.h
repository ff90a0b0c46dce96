// Self-contained SVG line charts: a titled grid of small panels, each with
// axes, "nice" ticks (1, 2, 5 x 10^k), tick labels, axis labels and any number
// of polylines. No scripts, fonts or external references, so a browser opens
// the file as it is.
#pragma once

#include <string>
#include <vector>

namespace ragppo::util {

struct SvgSeries {
    std::vector<double> x, y;  // same length; pairs with a non-finite member are skipped
    std::string css_class;     // on the <polyline>, e.g. "raw" / "smooth"
    std::string color = "#1f77b4";
    double stroke_width = 1.5;
    double opacity = 1.0;
    bool markers = false;  // a dot per point too (for short series, where a line alone hides points)
};

struct SvgPanel {
    std::string title;
    std::string x_label, y_label;
    std::string note;  // small text under the title, right-aligned (e.g. the smoothing window)
    std::vector<SvgSeries> series;
};

struct SvgGridLayout {
    std::string title;
    int columns = 3;
    int panel_width = 380;
    int panel_height = 250;
    bool integer_x = false;  // x ticks at whole numbers only (training steps)
};

// The document: one <g class="panel"> per panel, in order, one <polyline> per
// series with at least one finite point.
std::string svg_line_chart_grid(const std::vector<SvgPanel> & panels, const SvgGridLayout & layout);

// Ticks covering [lo, hi] at about `target` positions, spaced 1, 2 or 5 x 10^k
// (at least 1 apart when `integer`). lo == hi widens to a range around it.
struct AxisTicks {
    double lo = 0, hi = 1, step = 1;  // the axis range: lo and hi are multiples of step
    std::vector<double> ticks;
};
AxisTicks nice_ticks(double lo, double hi, int target, bool integer = false);

// A tick value printed with as many decimals as `step` needs (no 0.30000000000000004).
std::string format_tick(double value, double step);

}  // namespace ragppo::util
