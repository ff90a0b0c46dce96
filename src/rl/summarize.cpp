#include "rl/summarize.h"

#include "metrics/rouge.h"
#include "util/timer.h"
#include "ragppo.h"

#include <algorithm>

namespace ragppo::rl {

text::Gpt2Tokenizer load_checkpoint_tokenizer(const std::filesystem::path & dir) {
    try {
        return text::Gpt2Tokenizer::from_directory(dir);
    } catch (const Error &) {
        throw;
    } catch (const std::exception & e) {
        throw Error("no usable GPT-2 tokenizer in " + dir.string() + " (needs tokenizer.json, or vocab.json + merges.txt): " +
                    e.what());
    }
}

std::vector<int32_t> article_query(const text::Gpt2Tokenizer & tok, const std::string & article, int64_t max_tokens) {
    auto ids = tok.encode(article);
    if (max_tokens > 0 && static_cast<int64_t>(ids.size()) > max_tokens) ids.resize(static_cast<size_t>(max_tokens));
    return ids;
}

std::string response_text(const text::Gpt2Tokenizer & tok, const std::vector<int32_t> & response) {
    return tok.decode(response, /*skip_special_tokens=*/true);
}

SummarizeEvalResult summarize_eval(Gpt2PolicyImpl & policy, const text::Gpt2Tokenizer & tok,
                                   const std::vector<SummaryExample> & examples, const SummarizeParams & params,
                                   const std::function<void(size_t)> & on_progress) {
    const auto t0 = util::Clock::now();
    SummarizeEvalResult out;
    auto rng = make_cpu_generator(params.seed);
    const size_t bs = static_cast<size_t>(std::max<int64_t>(1, params.batch_size));
    for (size_t start = 0; start < examples.size(); start += bs) {
        const size_t end = std::min(examples.size(), start + bs);
        std::vector<std::vector<int32_t>> queries;
        for (size_t i = start; i < end; ++i) queries.push_back(article_query(tok, examples[i].article, params.query_max_tokens));
        const auto seqs = rollout(policy, queries, params.rollout, rng);
        for (size_t i = start; i < end; ++i) {
            const auto & seq = seqs[i - start];
            SummaryResult r;
            r.id = examples[i].id;
            r.summary = response_text(tok, seq.response);
            const auto s = metrics::rouge_scores(examples[i].summary, r.summary, params.use_stemmer);
            r.rouge1 = s.rouge1.fmeasure;
            r.rouge2 = s.rouge2.fmeasure;
            r.rougeL = s.rougeL.fmeasure;
            r.response_tokens = static_cast<int64_t>(seq.response.size());
            r.truncated = seq.truncated;
            out.rouge1 += r.rouge1, out.rouge2 += r.rouge2, out.rougeL += r.rougeL;
            out.items.push_back(std::move(r));
        }
        if (on_progress) on_progress(end);
    }
    if (!out.items.empty()) {
        const double n = static_cast<double>(out.items.size());
        out.rouge1 /= n, out.rouge2 /= n, out.rougeL /= n;
    }
    out.seconds = util::ms_since(t0) / 1000.0;
    return out;
}

nlohmann::json summarize_eval_json(const SummarizeEvalResult & r) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto & it : r.items)
        items.push_back({{"id", it.id}, {"summary", it.summary}, {"rouge1", it.rouge1}, {"rouge2", it.rouge2},
                         {"rougeL", it.rougeL}, {"truncated", it.truncated}});
    return {{"rouge1", r.rouge1}, {"rouge2", r.rouge2}, {"rougeL", r.rougeL}, {"n", r.items.size()},
            {"seconds", r.seconds}, {"items", items}};
}

}  // namespace ragppo::rl
