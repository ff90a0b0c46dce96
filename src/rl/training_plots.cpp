#include "rl/training_plots.h"

#include "ragppo.h"
#include "util/atomic_write.h"
#include "util/svg_chart.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

namespace ragppo::rl {

namespace {

// What each TRL key measures, for the y-axis label.
const std::map<std::string, std::string> & metric_labels() {
    static const std::map<std::string, std::string> labels = {
        {"env/reward_mean", "mean reward"},
        {"env/reward_std", "reward std"},
        {"ppo/mean_scores", "mean score (ROUGE-1 F1)"},
        {"objective/kl", "KL(policy || reference)"},
        {"objective/kl_coef", "KL coefficient"},
        {"objective/entropy", "entropy (nats)"},
        {"ppo/mean_non_score_reward", "mean KL penalty reward"},
        {"ppo/loss/policy", "policy loss"},
        {"ppo/loss/value", "value loss"},
        {"ppo/loss/total", "total loss"},
        {"ppo/policy/clipfrac", "fraction clipped"},
        {"ppo/policy/approxkl", "approx. KL (old || new)"},
        {"ppo/policy/entropy", "entropy (nats)"},
        {"ppo/val/clipfrac", "fraction clipped"},
        {"ppo/val/vpred", "mean predicted value"},
        {"ppo/returns/mean", "mean return"},
        {"tokens/responses_len_mean", "tokens"},
    };
    return labels;
}

std::string y_label(const std::string & key) {
    if (auto it = metric_labels().find(key); it != metric_labels().end()) return it->second;
    const auto slash = key.rfind('/');
    return slash == std::string::npos ? key : key.substr(slash + 1);
}

// Python's json module writes NaN, Infinity and -Infinity, which JSON (and
// nlohmann) does not have: outside strings they become null, i.e. "no value".
std::string python_nonfinite_to_null(const std::string & line) {
    std::string out;
    out.reserve(line.size());
    bool in_string = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < line.size()) out += line[++i];
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        bool replaced = false;
        for (const char * token : {"-Infinity", "Infinity", "NaN"}) {
            const std::string t = token;
            if (line.compare(i, t.size(), t) == 0) {
                out += "null";
                i += t.size() - 1;
                replaced = true;
                break;
            }
        }
        if (!replaced) out += c;
    }
    return out;
}

std::optional<double> finite_number(const nlohmann::ordered_json & j) {
    if (!j.is_number()) return std::nullopt;
    const double v = j.get<double>();
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::vector<nlohmann::ordered_json> read_records(const fs::path & path) {
    const std::string where = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open training stats " + where);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();

    std::vector<nlohmann::ordered_json> records;
    size_t line_no = 0;
    for (size_t start = 0; start < text.size();) {
        const size_t end = text.find('\n', start);
        const bool torn = end == std::string::npos;
        const std::string line = text.substr(start, torn ? std::string::npos : end - start);
        start = torn ? text.size() : end + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::ordered_json j;
        try {
            j = nlohmann::ordered_json::parse(python_nonfinite_to_null(line));
        } catch (const nlohmann::json::exception &) {
            if (torn) break;  // the last append was cut short; the lines before it are whole
            throw Error(where + ":" + std::to_string(line_no) + ": not valid JSON");
        }
        if (!j.is_object()) throw Error(where + ":" + std::to_string(line_no) + ": not a JSON object");
        records.push_back(std::move(j));
    }
    if (records.empty()) throw Error("training stats " + where + " is empty: no PPO step logged yet");
    return records;
}

}  // namespace

const std::vector<std::string> & default_training_metrics() {
    static const std::vector<std::string> metrics = {
        "env/reward_mean",     "ppo/mean_scores",     "objective/kl",        "objective/kl_coef",
        "objective/entropy",   "ppo/loss/policy",     "ppo/loss/value",      "ppo/loss/total",
        "ppo/policy/clipfrac", "ppo/policy/approxkl", "ppo/val/clipfrac",    "ppo/returns/mean",
        "ppo/val/vpred",       "env/reward_std",      "tokens/responses_len_mean",
    };
    return metrics;
}

std::vector<MetricSeries> read_training_series(const fs::path & stats_jsonl, const PlotOptions & options) {
    const auto records = read_records(stats_jsonl);

    std::vector<std::string> keys = options.metrics;
    if (keys.empty()) {  // every key holding a number somewhere, in the order keys first appear
        std::map<std::string, bool> seen;
        for (const auto & r : records)
            for (const auto & [key, value] : r.items())
                if (key != options.x_key && value.is_number() && !seen[key]) {
                    seen[key] = true;
                    keys.push_back(key);
                }
    }

    std::vector<MetricSeries> out;
    for (const auto & key : keys) {
        MetricSeries s{key, {}, {}};
        for (size_t i = 0; i < records.size(); ++i) {
            const auto it = records[i].find(key);
            if (it == records[i].end()) continue;
            const auto y = finite_number(*it);
            if (!y) continue;
            const auto x_it = records[i].find(options.x_key);
            const auto x = x_it == records[i].end() ? std::nullopt : finite_number(*x_it);
            s.x.push_back(x ? *x : static_cast<double>(i));
            s.y.push_back(*y);
        }
        if (!s.y.empty()) out.push_back(std::move(s));
    }
    if (out.empty()) {
        std::string wanted;
        for (size_t i = 0; i < keys.size() && i < 4; ++i) wanted += (i ? ", " : "") + keys[i];
        if (keys.size() > 4) wanted += ", ...";
        throw Error("training stats " + stats_jsonl.string() + " has no finite values for any metric plotted (" +
                    (wanted.empty() ? "no numeric keys" : wanted) + ")");
    }
    return out;
}

std::vector<double> moving_average(const std::vector<double> & values, size_t window) {
    window = std::max<size_t>(1, window);
    std::vector<double> out;
    out.reserve(values.size());
    double sum = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        sum += values[i];
        if (i >= window) sum -= values[i - window];
        out.push_back(sum / static_cast<double>(std::min(i + 1, window)));
    }
    return out;
}

std::string training_plots_svg(const std::vector<MetricSeries> & series, const PlotOptions & options) {
    std::vector<util::SvgPanel> panels;
    bool integer_x = true;
    for (const auto & s : series) {
        for (double x : s.x) integer_x = integer_x && x == std::floor(x);
        util::SvgPanel panel;
        panel.title = s.key;
        panel.x_label = options.x_key;
        panel.y_label = y_label(s.key);
        const bool smooth = s.y.size() >= std::max<size_t>(2, options.smooth_min_points);
        util::SvgSeries raw;
        raw.x = s.x;
        raw.y = s.y;
        raw.css_class = "raw";
        raw.markers = s.y.size() <= 12;
        if (smooth) {
            raw.opacity = 0.35;
            raw.stroke_width = 1.0;
        }
        panel.series.push_back(std::move(raw));
        if (smooth) {
            const size_t window = options.smooth_window > 0 ? options.smooth_window : std::max<size_t>(5, s.y.size() / 20);
            util::SvgSeries avg;
            avg.x = s.x;
            avg.y = moving_average(s.y, window);
            avg.css_class = "smooth";
            avg.color = "#d62728";
            avg.stroke_width = 2.0;
            panel.series.push_back(std::move(avg));
            panel.note = "red: mean of last " + std::to_string(window);
        }
        panels.push_back(std::move(panel));
    }
    util::SvgGridLayout layout;
    layout.title = options.title;
    layout.columns = options.columns;
    layout.integer_x = integer_x;
    return util::svg_line_chart_grid(panels, layout);
}

void write_training_plots(const fs::path & stats_jsonl, const fs::path & out_svg, const PlotOptions & options) {
    const auto series = read_training_series(stats_jsonl, options);
    util::write_file_atomic(out_svg.string(), training_plots_svg(series, options));
}

}  // namespace ragppo::rl
