// POST /v1/embeddings: the index's embedder over one text or a list, as OpenAI's
// schema has it; "mode": "query" adds the index's query instruction.
#include "api_error.h"
#include "base64.h"
#include "requests.h"
#include "routes.h"

namespace ragppo::serve {

using nlohmann::json;

void install_embeddings_route(httplib::Server & svr, ServerState & st) {
    svr.Post("/v1/embeddings", guarded([&st](const httplib::Request & req, httplib::Response & res) {
        const EmbeddingsRequest er = parse_embeddings_request(req.body, st.config.max_embed_inputs);
        const std::vector<float> v = st.retrieval->embed(er.inputs, er.query);
        const int tokens = st.retrieval->count_tokens(er.inputs);
        const size_t dim = static_cast<size_t>(st.retrieval->dim());
        json data = json::array();
        for (size_t i = 0; i < er.inputs.size(); ++i) {
            const float * row = v.data() + i * dim;
            json e{{"object", "embedding"}, {"index", i}};
            if (er.base64) e["embedding"] = base64_encode(row, dim * sizeof(float));  // little-endian float32, as OpenAI sends
            else e["embedding"] = std::vector<float>(row, row + dim);
            data.push_back(std::move(e));
        }
        json out{{"object", "list"}, {"data", data}, {"model", kEmbedModel}, {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
        res.set_content(out.dump(), "application/json");
    }));
}

}  // namespace ragppo::serve
