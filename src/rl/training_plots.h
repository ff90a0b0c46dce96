// Training curves of a PPO run as one SVG: the stats.jsonl the trainer appends
// (one JSON object per PPO step, TRL's key names) drawn as a grid of small line
// charts, one per metric, x = step.
//
// It lives in rl/ because it reads the trainer's own log format and keys; the
// drawing itself is util/svg_chart.h.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ragppo::rl {

// TRL's PPOTrainer keys worth a panel, in panel order.
const std::vector<std::string> & default_training_metrics();

struct PlotOptions {
    std::vector<std::string> metrics = default_training_metrics();  // empty = every numeric key, in file order
    std::string x_key = "step";      // a record without it takes its 0-based line index
    std::string title = "PPO training";
    int columns = 3;
    // Series with at least this many finite points also get a trailing moving
    // average (the raw line is then drawn faint behind it).
    size_t smooth_min_points = 20;
    size_t smooth_window = 0;  // 0 = about a twentieth of the points, at least 5
};

// One metric's finite values against x, in file order.
struct MetricSeries {
    std::string key;
    std::vector<double> x, y;
};

// The metrics present in `stats_jsonl` (a key in no record, or never numeric and
// finite, gives no series). Non-finite values (null, NaN, Infinity as Python's
// json writes them) are skipped. A torn last line (no newline: the trainer was
// killed while appending) is ignored. Throws ragppo::Error, one line, when the
// file is missing, empty, holds a malformed line, or none of the metrics.
std::vector<MetricSeries> read_training_series(const std::filesystem::path & stats_jsonl, const PlotOptions & options = {});

// Trailing mean over `window` values (fewer at the start), one per value.
std::vector<double> moving_average(const std::vector<double> & values, size_t window);

// The SVG document for `series` (one panel each).
std::string training_plots_svg(const std::vector<MetricSeries> & series, const PlotOptions & options = {});

// read_training_series + training_plots_svg, written to `out_svg` atomically.
void write_training_plots(const std::filesystem::path & stats_jsonl, const std::filesystem::path & out_svg,
                          const PlotOptions & options = {});

}  // namespace ragppo::rl
