#include "util/svg_chart.h"

#include "util/markup_escape.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ragppo::util {

namespace {

// Space around each panel's plot area: tick labels left and below, title above.
constexpr double kLeft = 64, kRight = 14, kTop = 36, kBottom = 42;
constexpr double kTitleHeight = 44;  // the document title's band

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

struct Range {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool empty() const { return lo > hi; }
};

bool finite_pair(const SvgSeries & s, size_t i) { return std::isfinite(s.x[i]) && std::isfinite(s.y[i]); }

std::string panel_svg(const SvgPanel & panel, const SvgGridLayout & layout) {
    const double pw = layout.panel_width, ph = layout.panel_height;
    const double w = pw - kLeft - kRight, h = ph - kTop - kBottom;
    std::string s;
    s += "<text class=\"panel-title\" x=\"" + num(pw / 2) + "\" y=\"17\" text-anchor=\"middle\" font-size=\"13\" "
         "font-weight=\"bold\">" + markup_escape(panel.title) + "</text>\n";
    if (!panel.note.empty())
        s += "<text x=\"" + num(pw - kRight) + "\" y=\"30\" text-anchor=\"end\" font-size=\"10\" fill=\"#666\">" +
             markup_escape(panel.note) + "</text>\n";

    Range xr, yr;
    for (const auto & series : panel.series)
        for (size_t i = 0; i < std::min(series.x.size(), series.y.size()); ++i)
            if (finite_pair(series, i)) {
                xr.add(series.x[i]);
                yr.add(series.y[i]);
            }
    if (xr.empty()) {
        s += "<text x=\"" + num(kLeft + w / 2) + "\" y=\"" + num(kTop + h / 2) +
             "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#666\">no data</text>\n";
        return s;
    }
    const int x_target = std::max(3, static_cast<int>(w / 70));
    const int y_target = std::max(3, static_cast<int>(h / 40));
    const AxisTicks xt = nice_ticks(xr.lo, xr.hi, x_target, layout.integer_x);
    const AxisTicks yt = nice_ticks(yr.lo, yr.hi, y_target);
    auto sx = [&](double x) { return kLeft + (x - xt.lo) / (xt.hi - xt.lo) * w; };
    auto sy = [&](double y) { return kTop + h - (y - yt.lo) / (yt.hi - yt.lo) * h; };

    // Grid lines and tick labels, then the frame over them.
    for (double t : xt.ticks) {
        s += "<line x1=\"" + num(sx(t)) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(sx(t)) + "\" y2=\"" +
             num(kTop + h) + "\" stroke=\"#eee\"/>";
        s += "<text class=\"tick\" x=\"" + num(sx(t)) + "\" y=\"" + num(kTop + h + 14) +
             "\" text-anchor=\"middle\" font-size=\"10\">" + format_tick(t, xt.step) + "</text>\n";
    }
    for (double t : yt.ticks) {
        s += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(sy(t)) + "\" x2=\"" + num(kLeft + w) + "\" y2=\"" +
             num(sy(t)) + "\" stroke=\"#eee\"/>";
        s += "<text class=\"tick\" x=\"" + num(kLeft - 5) + "\" y=\"" + num(sy(t) + 3.5) +
             "\" text-anchor=\"end\" font-size=\"10\">" + format_tick(t, yt.step) + "</text>\n";
    }
    s += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
         "\" fill=\"none\" stroke=\"#888\"/>\n";
    if (!panel.x_label.empty())
        s += "<text class=\"axis-label\" x=\"" + num(kLeft + w / 2) + "\" y=\"" + num(ph - 8) +
             "\" text-anchor=\"middle\" font-size=\"11\">" + markup_escape(panel.x_label) + "</text>\n";
    if (!panel.y_label.empty())
        s += "<text class=\"axis-label\" transform=\"translate(13," + num(kTop + h / 2) +
             ") rotate(-90)\" text-anchor=\"middle\" font-size=\"11\">" + markup_escape(panel.y_label) + "</text>\n";

    for (const auto & series : panel.series) {
        std::string points;
        std::string dots;
        for (size_t i = 0; i < std::min(series.x.size(), series.y.size()); ++i) {
            if (!finite_pair(series, i)) continue;
            const std::string px = num(sx(series.x[i])), py = num(sy(series.y[i]));
            if (!points.empty()) points += ' ';
            points += px;
            points += ',';
            points += py;
            if (series.markers)
                dots += "<circle cx=\"" + px + "\" cy=\"" + py + "\" r=\"2.2\" fill=\"" + series.color + "\"/>";
        }
        if (points.empty()) continue;
        s += "<polyline class=\"" + markup_escape(series.css_class) + "\" fill=\"none\" stroke=\"" +
             markup_escape(series.color) + "\" stroke-width=\"" + num(series.stroke_width) + "\" stroke-opacity=\"" +
             num(series.opacity) + "\" stroke-linejoin=\"round\" points=\"" + points + "\"/>\n";
        if (!dots.empty()) s += dots + "\n";
    }
    return s;
}

}  // namespace

AxisTicks nice_ticks(double lo, double hi, int target, bool integer) {
    // One value, or values equal but for rounding (a moving average of a
    // constant): a range around it. Ticks 1e-17 apart would also never end.
    if (!(hi - lo > 1e-9 * std::max(std::abs(lo), std::abs(hi)))) {
        const double mid = lo + (hi - lo) / 2;
        const double pad = integer ? 1.0 : (mid != 0 ? std::abs(mid) * 0.1 : 1.0);
        lo = mid - pad;
        hi = mid + pad;
    }
    const double raw = (hi - lo) / std::max(1, target - 1);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / magnitude;
    double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
    if (integer) step = std::max(1.0, std::round(step));
    AxisTicks t;
    t.step = step;
    const double k_lo = std::floor(lo / step + 1e-9), k_hi = std::ceil(hi / step - 1e-9);
    t.lo = k_lo * step;
    t.hi = k_hi * step;
    const long n = std::lround(k_hi - k_lo);  // target - 1 to 2 * target or so
    for (long i = 0; i <= n; ++i) {
        const double v = (k_lo + static_cast<double>(i)) * step;
        t.ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    }
    return t;
}

std::string format_tick(double value, double step) {
    char buf[48];
    const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    if (std::abs(value) >= 1e6 || decimals > 6)
        std::snprintf(buf, sizeof buf, "%.3g", value);
    else
        std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    const std::string s = buf;
    // "-0", "-0.00" and "0.00" all read 0. (Returning a new string rather than
    // assigning "0" to s dodges a false GCC 12 -Wrestrict warning.)
    if (s.find_first_not_of("-0.") == std::string::npos) return std::string(1, '0');
    return s;
}

std::string svg_line_chart_grid(const std::vector<SvgPanel> & panels, const SvgGridLayout & layout) {
    const int columns = std::max(1, std::min<int>(layout.columns, std::max<int>(1, panels.size())));
    const int rows = static_cast<int>((panels.size() + columns - 1) / columns);
    const double width = columns * layout.panel_width;
    const double height = kTitleHeight + rows * layout.panel_height;
    std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
         "\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" font-family=\"sans-serif\">\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text class=\"title\" x=\"" + num(width / 2) + "\" y=\"28\" text-anchor=\"middle\" font-size=\"17\" "
         "font-weight=\"bold\">" + markup_escape(layout.title) + "</text>\n";
    for (size_t i = 0; i < panels.size(); ++i) {
        const double x = static_cast<double>(i % columns) * layout.panel_width;
        const double y = kTitleHeight + static_cast<double>(i / columns) * layout.panel_height;
        s += "<g class=\"panel\" transform=\"translate(" + num(x) + "," + num(y) + ")\">\n";
        s += panel_svg(panels[i], layout);
        s += "</g>\n";
    }
    return s + "</svg>\n";
}

}  // namespace ragppo::util
