// GET /, /health, /v1/models and /metrics: the page, liveness, the model list
// and the Prometheus counters.
#include "requests.h"
#include "routes.h"
#include "web_page.h"

#include "ragppo/util.h"

#include <nlohmann/json.hpp>

#include <ctime>

namespace ragppo::serve {

using nlohmann::json;

void install_info_routes(httplib::Server & svr, ServerState & st) {
    svr.Get("/", [](const httplib::Request &, httplib::Response & res) {
        res.set_content(web_page_html(), "text/html; charset=utf-8");
    });
    svr.Get("/health", [&st](const httplib::Request &, httplib::Response & res) {
        const SlotGauges g = st.gauges();
        json j{{"status", "ok"},
               {"slots", g.slots},
               {"slots_busy", g.busy},
               {"queue_depth", g.queued},
               {"queue_capacity", g.max_queued},
               {"index_nodes", st.retrieval->manifest().n_nodes},
               {"uptime_s", ms_since(st.started) / 1000.0}};
        res.set_content(j.dump(), "application/json");
    });
    svr.Get("/v1/models", [&st](const httplib::Request &, httplib::Response & res) {
        const long long created = static_cast<long long>(std::time(nullptr));
        const std::string llm = st.config.engine.llm.model.empty() ? default_llm_id() : st.config.engine.llm.model;
        json data = json::array();
        for (const char * id : {kRagModel, kVanillaModel, kEmbedModel}) {
            json m{{"id", id}, {"object", "model"}, {"created", created}, {"owned_by", "ragppo"}};
            m["ragppo"] = std::string(id) == kEmbedModel ? json{{"model", st.retrieval->manifest().info.embed_model}, {"dim", st.retrieval->dim()}}
                                                         : json{{"llm", llm}, {"n_ctx", st.n_ctx}};
            data.push_back(m);
        }
        res.set_content(json{{"object", "list"}, {"data", data}}.dump(), "application/json");
    });
    svr.Get("/metrics", [&st](const httplib::Request &, httplib::Response & res) {
        res.set_content(st.metrics.render(st.gauges()), "text/plain; version=0.0.4; charset=utf-8");
    });
}

}  // namespace ragppo::serve
