// OpenAI's `stop` sequences over streamed text (SamplingParams::stop): text that
// might be the start of a stop sequence is held back until the next piece decides;
// once a sequence appears, the text before it is released, everything after is
// dropped, and the generator stops decoding.
#pragma once

#include <string>
#include <vector>

namespace ragppo::llm {

class StopFilter {
public:
    explicit StopFilter(const std::vector<std::string> & stops) {
        for (const auto & s : stops)
            if (!s.empty()) stops_.push_back(s);  // "" would match everywhere
    }

    // Text that is safe to send now.
    std::string push(const std::string & piece) {
        if (stopped_) return "";
        pending_ += piece;
        size_t cut = std::string::npos;
        for (const auto & s : stops_) cut = std::min(cut, pending_.find(s));
        if (cut != std::string::npos) {
            stopped_ = true;
            std::string out = pending_.substr(0, cut);
            pending_.clear();
            return out;
        }
        // Hold back the longest tail that is a proper prefix of some stop sequence.
        size_t hold = 0;
        for (const auto & s : stops_) {
            for (size_t n = std::min(s.size() - 1, pending_.size()); n > hold; --n) {
                if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
                    hold = n;
                    break;
                }
            }
        }
        std::string out = pending_.substr(0, pending_.size() - hold);
        pending_.erase(0, pending_.size() - hold);
        return out;
    }

    // At the end of generation: what was held back was not a stop sequence after all.
    std::string flush() {
        std::string out = stopped_ ? "" : pending_;
        pending_.clear();
        return out;
    }

    bool stopped() const { return stopped_; }

private:
    std::vector<std::string> stops_;
    std::string pending_;
    bool stopped_ = false;
};

}  // namespace ragppo::llm
