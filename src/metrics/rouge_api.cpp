// include/ragppo/metrics.h: the public name of metrics::rouge_scores.
#include "metrics/rouge.h"
#include "ragppo/metrics.h"

namespace ragppo {

RougeScores rouge(std::string_view target, std::string_view prediction, bool use_stemmer) {
    return metrics::rouge_scores(target, prediction, use_stemmer);
}

}  // namespace ragppo
