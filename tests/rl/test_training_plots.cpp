// rl/training_plots: stats.jsonl -> one SVG of training curves. A synthetic
// log with gaps (NaN, Infinity, null, keys missing from some steps, a torn last
// line) must give a well-formed document with one panel per metric present and
// exactly one polyline point per finite value.
#include "ragppo.h"
#include "rl/training_plots.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"
#include "util/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <sstream>

using namespace ragppo;
using namespace ragppo::rl;
namespace fs = std::filesystem;

namespace {

// A minimal XML well-formedness check: tags nest and match, one root element,
// attribute values quoted, '&' only in entities, no '<' in text or values.
std::string xml_problem(const std::string & xml) {
    std::vector<std::string> open;
    int roots = 0;
    size_t i = 0;
    auto entity_ok = [](const std::string & s, size_t amp) {
        static const std::regex entity("^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);");
        return std::regex_search(s.substr(amp, 12), entity);
    };
    while (i < xml.size()) {
        if (xml[i] != '<') {
            if (xml[i] == '&' && !entity_ok(xml, i)) return "bad entity at " + std::to_string(i);
            if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i])))
                return "text outside the root at " + std::to_string(i);
            ++i;
            continue;
        }
        if (xml.compare(i, 2, "<?") == 0) {
            const size_t end = xml.find("?>", i);
            if (end == std::string::npos) return "unterminated <?";
            i = end + 2;
            continue;
        }
        if (xml.compare(i, 4, "<!--") == 0) {
            const size_t end = xml.find("-->", i);
            if (end == std::string::npos) return "unterminated comment";
            i = end + 3;
            continue;
        }
        const size_t end = xml.find('>', i);
        if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
        std::string tag = xml.substr(i + 1, end - i - 1);
        i = end + 1;
        if (!tag.empty() && tag[0] == '/') {
            if (open.empty() || open.back() != tag.substr(1)) return "mismatched </" + tag.substr(1) + ">";
            open.pop_back();
            continue;
        }
        const bool self_closing = !tag.empty() && tag.back() == '/';
        if (self_closing) tag.pop_back();
        // name, then name="value" pairs
        auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_:.-", c); };
        size_t k = 0;
        while (k < tag.size() && name_char(tag[k])) ++k;
        if (k == 0 || std::isdigit(static_cast<unsigned char>(tag[0]))) return "malformed tag <" + tag.substr(0, 40) + ">";
        const std::string name = tag.substr(0, k);
        while (k < tag.size()) {
            const size_t ws = k;
            while (k < tag.size() && std::isspace(static_cast<unsigned char>(tag[k]))) ++k;
            if (k == tag.size()) break;
            const size_t attr = k;
            while (k < tag.size() && name_char(tag[k])) ++k;
            if (k == attr || ws == attr || k + 1 >= tag.size() || tag[k] != '=' || tag[k + 1] != '"')
                return "malformed attribute in <" + name + ">";
            const size_t close = tag.find('"', k + 2);
            if (close == std::string::npos) return "unterminated attribute in <" + name + ">";
            const std::string value = tag.substr(k + 2, close - k - 2);
            if (value.find('<') != std::string::npos) return "'<' in an attribute of <" + name + ">";
            for (size_t a = value.find('&'); a != std::string::npos; a = value.find('&', a + 1))
                if (!entity_ok(value, a)) return "bad entity in <" + name + ">";
            k = close + 1;
        }
        if (open.empty() && ++roots > 1) return "more than one root element";
        if (!self_closing) open.push_back(name);
    }
    if (!open.empty()) return "unclosed <" + open.back() + ">";
    return roots == 1 ? "" : "no root element";
}

int count(const std::string & s, const std::string & what) {
    int n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

struct Panel {
    std::string title;
    std::map<std::string, std::vector<std::pair<double, double>>> lines;  // css class -> points
    int ticks = 0;
};

// The panels of a document we wrote, in order.
std::vector<Panel> panels_of(const std::string & svg) {
    std::vector<Panel> out;
    static const std::regex title(R"(<text class="panel-title"[^>]*>([^<]*)</text>)");
    static const std::regex line(R"re(<polyline class="([^"]*)"[^>]* points="([^"]*)")re");
    size_t pos = svg.find("<g class=\"panel\"");
    while (pos != std::string::npos) {
        const size_t end = svg.find("</g>", pos);
        const std::string body = svg.substr(pos, end - pos);
        Panel p;
        std::smatch m;
        if (std::regex_search(body, m, title)) p.title = m[1];
        for (auto it = std::sregex_iterator(body.begin(), body.end(), line); it != std::sregex_iterator(); ++it) {
            std::istringstream points((*it)[2].str());
            std::string xy;
            auto & pts = p.lines[(*it)[1].str()];
            while (points >> xy) {
                const auto comma = xy.find(',');
                pts.emplace_back(std::stod(xy.substr(0, comma)), std::stod(xy.substr(comma + 1)));
            }
        }
        p.ticks = count(body, "class=\"tick\"");
        out.push_back(std::move(p));
        pos = svg.find("<g class=\"panel\"", end);
    }
    return out;
}

// 60 PPO steps: some metrics with holes, one constant, one logged only at the
// start, one never logged, a string field, and a torn last line.
struct Log {
    fs::path path;
    std::map<std::string, int> finite;  // metric -> finite values written
};

Log synthetic_log() {
    Log log;
    log.path = fs::path(test::make_temp_dir("plots")) / "stats.jsonl";
    std::string text;
    for (int step = 0; step < 60; ++step) {
        std::string line = "{\"step\": " + std::to_string(step);
        auto add = [&](const std::string & key, const std::string & value, bool finite) {
            line += ", \"" + key + "\": " + value;
            if (finite) log.finite[key]++;
        };
        add("env/reward_mean", std::to_string(0.1 + 0.004 * step + 0.02 * std::sin(step)), true);
        if (step % 7 == 3) add("objective/kl", "NaN", false);  // Python's json.dumps of float('nan')
        else if (step % 11 == 5) add("objective/kl", "null", false);
        else if (step != 40) add("objective/kl", std::to_string(0.5 * step), true);  // step 40: key absent
        add("objective/kl_coef", "0.2", true);
        add("ppo/loss/value", step == 17 ? "Infinity" : step == 18 ? "-Infinity" : std::to_string(1.0 / (1 + step)),
            step != 17 && step != 18);
        if (step < 10) add("ppo/policy/clipfrac", std::to_string(0.01 * step), true);
        add("env/note", "\"NaN in a string stays a string\"", false);
        text += line + "}\n";
    }
    text += "{\"step\": 60, \"env/reward_mean\": 0.";  // killed while appending
    test::write_file(log.path, text);
    return log;
}

}  // namespace

TEST(TrainingPlots, OnePanelPerPresentMetricAndOnePointPerFiniteValue) {
    const Log log = synthetic_log();
    const fs::path svg_path = log.path.parent_path() / "plots" / "training.svg";
    write_training_plots(log.path, svg_path);
    const std::string svg = test::read_file(svg_path);

    EXPECT_EQ(xml_problem(svg), "");
    EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
    EXPECT_EQ(count(svg, "<script"), 0);
    EXPECT_EQ(count(svg, "href"), 0);  // self-contained
    EXPECT_EQ(count(svg, "nan") + count(svg, "inf") + count(svg, "NaN"), 0);
    EXPECT_NE(svg.find(">PPO training</text>"), std::string::npos);

    // The default metrics present, in the default order; the rest omitted.
    std::vector<std::string> expected;
    for (const auto & key : default_training_metrics())
        if (log.finite.count(key)) expected.push_back(key);
    ASSERT_EQ(expected.size(), 5u);
    const auto panels = panels_of(svg);
    ASSERT_EQ(panels.size(), expected.size());
    EXPECT_EQ(count(svg, "<g class=\"panel\""), static_cast<int>(expected.size()));
    for (size_t i = 0; i < panels.size(); ++i) {
        const auto & p = panels[i];
        SCOPED_TRACE(expected[i]);
        EXPECT_EQ(p.title, expected[i]);
        const int n = log.finite.at(expected[i]);
        ASSERT_TRUE(p.lines.count("raw"));
        EXPECT_EQ(static_cast<int>(p.lines.at("raw").size()), n);
        // A moving average where there are many points, over the same x.
        EXPECT_EQ(p.lines.count("smooth"), n >= 20 ? 1u : 0u);
        if (n >= 20) EXPECT_EQ(p.lines.at("smooth").size(), p.lines.at("raw").size());
        EXPECT_GE(p.ticks, 4);  // x and y ticks
        for (const auto & [cls, pts] : p.lines)
            for (const auto & [x, y] : pts) {
                EXPECT_TRUE(x > 0 && x < 380 && y > 0 && y < 250) << cls << " " << x << "," << y;
            }
    }
    auto panel = [&](const std::string & title) -> const Panel & {
        for (const auto & p : panels)
            if (p.title == title) return p;
        throw std::runtime_error("no panel " + title);
    };
    // x grows to the right; a larger value sits higher (smaller screen y).
    const auto & kl = panel("objective/kl").lines.at("raw");
    EXPECT_LT(kl.front().first, kl.back().first);
    EXPECT_GT(kl.front().second, kl.back().second);
    // The constant KL coefficient is a flat line inside the plot, not a division by zero.
    const auto & coef = panel("objective/kl_coef").lines.at("raw");
    for (const auto & [x, y] : coef) EXPECT_EQ(y, coef[0].second);
    EXPECT_NE(svg.find(">step</text>"), std::string::npos);

    // A browser-grade parser agrees that it is XML.
    const auto r = test::run_command(test::shell_quote(test::python()) +
                                     " -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
                                     "print(len(d.getElementsByTagName(\"polyline\")))' " +
                                     test::shell_quote(svg_path.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    int polylines = 0;
    for (const auto & p : panels) polylines += static_cast<int>(p.lines.size());
    EXPECT_EQ(std::stoi(r.out), polylines);
}

TEST(TrainingPlots, MetricListIsAParameter) {
    const Log log = synthetic_log();
    PlotOptions options;
    options.metrics = {"ppo/policy/clipfrac", "no/such/key", "env/reward_mean"};
    options.title = "Run <7> & more";
    options.smooth_window = 3;
    const auto series = read_training_series(log.path, options);
    ASSERT_EQ(series.size(), 2u);
    EXPECT_EQ(series[0].key, "ppo/policy/clipfrac");
    EXPECT_EQ(series[0].x, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    const std::string svg = training_plots_svg(series, options);
    EXPECT_EQ(xml_problem(svg), "");
    EXPECT_NE(svg.find("Run &lt;7&gt; &amp; more"), std::string::npos);
    EXPECT_NE(svg.find("mean of last 3"), std::string::npos);

    // An empty list: every numeric key, in the order the log first has them.
    options.metrics = {};
    std::vector<std::string> keys;
    for (const auto & s : read_training_series(log.path, options)) keys.push_back(s.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"env/reward_mean", "objective/kl", "objective/kl_coef", "ppo/loss/value",
                                              "ppo/policy/clipfrac"}));
}

TEST(TrainingPlots, StepsDefaultToTheLineIndex) {
    const fs::path path = fs::path(test::make_temp_dir("plots")) / "stats.jsonl";
    test::write_file(path, "{\"objective/kl\": 1}\n\n{\"objective/kl\": 2}\n{\"objective/kl\": 4, \"step\": 10}\n");
    const auto series = read_training_series(path);
    ASSERT_EQ(series.size(), 1u);
    EXPECT_EQ(series[0].x, (std::vector<double>{0, 1, 10}));
    EXPECT_EQ(series[0].y, (std::vector<double>{1, 2, 4}));
}

TEST(TrainingPlots, BadStatsFilesAreOneLineErrors) {
    const fs::path dir = test::make_temp_dir("plots");
    const fs::path svg = dir / "out.svg";
    auto error_for = [&](const std::string & name, const std::string * content) {
        if (content) test::write_file(dir / name, *content);
        const std::string msg = test::error_of([&] { write_training_plots(dir / name, svg); });
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
        return msg;
    };
    const std::string empty, blank = "\n  \n", no_metrics = "{\"step\": 1, \"other\": 3}\n",
                      all_nan = "{\"step\": 1, \"objective/kl\": NaN}\n",
                      bad_middle = "{\"step\": 1}\n{\"step\": 2}\n{oops\n{\"step\": 3}\n", array = "[1, 2]\n";
    EXPECT_NE(error_for("missing.jsonl", nullptr).find("cannot open"), std::string::npos);
    EXPECT_NE(error_for("empty.jsonl", &empty).find("is empty"), std::string::npos);
    EXPECT_NE(error_for("blank.jsonl", &blank).find("is empty"), std::string::npos);
    EXPECT_NE(error_for("none.jsonl", &no_metrics).find("no finite values"), std::string::npos);
    EXPECT_NE(error_for("nan.jsonl", &all_nan).find("no finite values"), std::string::npos);
    EXPECT_NE(error_for("bad.jsonl", &bad_middle).find("bad.jsonl:3: not valid JSON"), std::string::npos);
    EXPECT_NE(error_for("array.jsonl", &array).find(":1: not a JSON object"), std::string::npos);
    EXPECT_FALSE(fs::exists(svg));  // nothing written on error
}

TEST(TrainingPlots, MovingAverageAndTicks) {
    EXPECT_EQ(moving_average({1, 2, 3, 4, 5}, 2), (std::vector<double>{1, 1.5, 2.5, 3.5, 4.5}));
    EXPECT_EQ(moving_average({2, 4, 6}, 10), (std::vector<double>{2, 3, 4}));
    EXPECT_EQ(moving_average({}, 3), std::vector<double>{});

    const auto t = util::nice_ticks(0.013, 0.987, 6);
    EXPECT_DOUBLE_EQ(t.step, 0.2);
    EXPECT_DOUBLE_EQ(t.lo, 0.0);
    EXPECT_DOUBLE_EQ(t.hi, 1.0);
    EXPECT_EQ(t.ticks.size(), 6u);
    EXPECT_EQ(util::nice_ticks(0, 3, 8, true).step, 1.0);      // whole steps only
    const auto flat = util::nice_ticks(0.2, 0.2, 5);             // a constant still gets a range
    EXPECT_LT(flat.lo, 0.2);
    EXPECT_GT(flat.hi, 0.2);
    const auto rounding = util::nice_ticks(0.2, 0.2 + 3e-17, 5);  // a moving average of a constant
    EXPECT_LT(rounding.lo, 0.2);
    EXPECT_GT(rounding.hi, 0.2);
    EXPECT_LE(rounding.ticks.size(), 10u);
    const auto neg = util::nice_ticks(-37, 512, 5);
    EXPECT_LE(neg.lo, -37);
    EXPECT_GE(neg.hi, 512);
    EXPECT_EQ(util::format_tick(0.1 + 0.2, 0.1), "0.3");
    EXPECT_EQ(util::format_tick(-1e-17, 0.5), "0");
    EXPECT_EQ(util::format_tick(1500, 500), "1500");
    EXPECT_EQ(util::format_tick(0.00025, 0.00005), "0.00025");
}
