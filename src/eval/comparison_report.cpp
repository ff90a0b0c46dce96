// The three report files of `ragppo compare`: JSON lines for machines, Markdown
// for reading in a terminal or a PR, and one self-contained HTML page showing
// RAG and vanilla side by side with the sources and their scores.
#include "eval/comparison.h"
#include "util/atomic_write.h"
#include "util/markup_escape.h"
#include "util/summary_stats.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace ragppo::eval {

namespace {

nlohmann::json response_json(const rag::Response & r) {
    nlohmann::json j{{"answer", r.answer},
                     {"llm_calls", r.llm_calls},
                     {"prompt_tokens", r.prompt_tokens},
                     {"completion_tokens", r.completion_tokens},
                     {"stop", stop_reason_name(r.stop)},
                     {"retrieve_ms", r.retrieve_ms},
                     {"llm_ms", r.llm_ms},
                     {"total_ms", r.total_ms}};
    nlohmann::json sources = nlohmann::json::array();
    for (const auto & s : r.sources) {
        sources.push_back({{"cosine", s.cosine}, {"name", s.node.name}, {"uid", s.node.uid}, {"node_id", s.node.id},
                           {"text", s.node.text}});
    }
    j["sources"] = sources;
    return j;
}

nlohmann::json metrics_json(const AnswerMetrics & m) {
    return {{"rouge_l", m.rouge_l}, {"ingredient_recall", m.ingredient_recall}};
}

std::string one_line(std::string s) {
    for (auto & c : s) if (c == '\n' || c == '|') c = ' ';
    return s;
}

std::string markdown(const std::vector<ComparisonItem> & items, const ComparisonSummary & s, const std::string & title) {
    std::string md = "# " + title + "\n\n";
    md += "| | RAG | vanilla |\n|---|---|---|\n";
    md += "| ROUGE-L F1 vs gold steps (mean) | " + util::format_number("%.3f", s.rag_mean.rouge_l) + " | " + util::format_number("%.3f", s.vanilla_mean.rouge_l) + " |\n";
    md += "| gold ingredients mentioned (mean) | " + util::format_number("%.3f", s.rag_mean.ingredient_recall) + " | " +
          util::format_number("%.3f", s.vanilla_mean.ingredient_recall) + " |\n";
    md += "| mean top-1 cosine | " + util::format_number("%.3f", s.rag_mean_top1_cosine) + " | |\n\n";
    for (size_t i = 0; i < items.size(); ++i) {
        const auto & it = items[i];
        md += "## " + std::to_string(i + 1) + ". " + it.rag.query + "\n\n";
        md += "Retrieved (cosine similarity):\n\n";
        for (const auto & src : it.rag.sources) md += "- " + util::format_number("%.3f", src.cosine) + " " + one_line(src.node.name) + "\n";
        md += "\n**RAG** (ROUGE-L " + util::format_number("%.3f", it.rag_metrics.rouge_l) + ", ingredients " +
              util::format_number("%.2f", it.rag_metrics.ingredient_recall) + "):\n\n" + it.rag.answer + "\n\n";
        md += "**Vanilla** (ROUGE-L " + util::format_number("%.3f", it.vanilla_metrics.rouge_l) + ", ingredients " +
              util::format_number("%.2f", it.vanilla_metrics.ingredient_recall) + "):\n\n" + it.vanilla.answer + "\n\n";
    }
    return md;
}

std::string html(const std::vector<ComparisonItem> & items, const ComparisonSummary & s, const std::string & title) {
    std::string h = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + util::markup_escape(title) + "</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
        ".pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}.card{border:1px solid #ddd;border-radius:6px;padding:.8em}"
        ".answer{white-space:pre-wrap}.src{font-size:.85em;color:#444;white-space:pre-wrap;border-left:3px solid #8ab;padding-left:.6em;margin:.4em 0}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .7em}.score{font-weight:bold;color:#265}"
        "</style></head><body><h1>" + util::markup_escape(title) + "</h1>";
    h += "<table><tr><th></th><th>RAG</th><th>vanilla</th></tr>"
         "<tr><td>ROUGE-L F1 vs gold steps (mean)</td><td>" + util::format_number("%.3f", s.rag_mean.rouge_l) + "</td><td>" + util::format_number("%.3f", s.vanilla_mean.rouge_l) + "</td></tr>"
         "<tr><td>gold ingredients mentioned (mean)</td><td>" + util::format_number("%.3f", s.rag_mean.ingredient_recall) + "</td><td>" + util::format_number("%.3f", s.vanilla_mean.ingredient_recall) + "</td></tr>"
         "<tr><td>mean top-1 cosine</td><td>" + util::format_number("%.3f", s.rag_mean_top1_cosine) + "</td><td></td></tr></table>";
    for (size_t i = 0; i < items.size(); ++i) {
        const auto & it = items[i];
        h += "<h2>" + std::to_string(i + 1) + ". " + util::markup_escape(it.rag.query) + "</h2><div class=\"pair\">";
        h += "<div class=\"card\"><h3>RAG</h3><p>ROUGE-L " + util::format_number("%.3f", it.rag_metrics.rouge_l) + ", ingredients " +
             util::format_number("%.2f", it.rag_metrics.ingredient_recall) + ", " + std::to_string(it.rag.llm_calls) + " LLM call(s)</p>"
             "<div class=\"answer\">" + util::markup_escape(it.rag.answer) + "</div><h4>Sources</h4>";
        for (const auto & src : it.rag.sources) {
            h += "<div class=\"src\"><span class=\"score\">cosine " + util::format_number("%.3f", src.cosine) + "</span> " +
                 util::markup_escape(src.node.name) + "\n" + util::markup_escape(src.node.text) + "</div>";
        }
        h += "</div><div class=\"card\"><h3>Vanilla</h3><p>ROUGE-L " + util::format_number("%.3f", it.vanilla_metrics.rouge_l) +
             ", ingredients " + util::format_number("%.2f", it.vanilla_metrics.ingredient_recall) + "</p><div class=\"answer\">" +
             util::markup_escape(it.vanilla.answer) + "</div><h4>Gold recipe</h4><div class=\"src\">" +
             util::markup_escape(data::document_text(it.gold)) + "</div></div></div>";
    }
    return h + "</body></html>\n";
}

}  // namespace

void write_comparison_reports(const std::string & dir, const std::vector<ComparisonItem> & items,
                              const ComparisonSummary & summary, const std::string & title) {
    std::filesystem::create_directories(dir);
    std::string jsonl;
    for (const auto & it : items) {
        nlohmann::json j{{"query", it.rag.query},
                         {"gold", {{"uid", it.gold.uid}, {"name", it.gold.name}, {"steps", it.gold.steps}, {"ner", it.gold.ner}}},
                         {"rag", response_json(it.rag)},
                         {"vanilla", response_json(it.vanilla)},
                         {"rag_metrics", metrics_json(it.rag_metrics)},
                         {"vanilla_metrics", metrics_json(it.vanilla_metrics)}};
        jsonl += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    util::write_file_atomic(dir + "/report.jsonl", jsonl);
    util::write_file_atomic(dir + "/report.md", markdown(items, summary, title));
    util::write_file_atomic(dir + "/report.html", html(items, summary, title));
}

}  // namespace ragppo::eval
