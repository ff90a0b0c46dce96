// POST /v1/chat/completions (OpenAI's schema; SSE when stream is true) and
// POST /v1/query (the native call: RAG and vanilla answers, as `ragppo ask -s` shows).
// Handlers parse and check the body, queue the answer on a slot and relay its events.
#include "answer_channel.h"
#include "answer_json.h"
#include "api_error.h"
#include "routes.h"

#include "ragppo/util.h"

#include <cstdio>
#include <ctime>

namespace ragppo::serve {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

AnswerSpec spec_for(const ServerState & st, AnswerMode mode, const std::string & question, const RequestSampling & params) {
    AnswerSpec s;
    s.mode = mode;
    s.question = question;
    s.params = params;
    s.top_k = st.config.engine.top_k;
    s.response_mode = st.config.engine.mode;
    return s;
}

// A failure inside the worker, as the event the HTTP side turns into its status.
AnswerEvent failure(int status, const char * type, const std::string & message) {
    AnswerEvent e;
    e.kind = AnswerEvent::Kind::Failed;
    e.status = status;
    e.type = type;
    e.text = message;
    return e;
}

// Runs `work` on a slot and reports how it ended on the channel; 503 when the queue is full.
void queue_job(ServerState & st, const std::shared_ptr<AnswerChannel> & ch, std::function<json(Generator &)> work) {
    const bool queued = st.slots->try_submit([&st, ch, work = std::move(work)](Generator & g) {
        if (ch->cancelled()) return;  // the client left while it waited
        try {
            AnswerEvent done;
            done.kind = AnswerEvent::Kind::Done;
            done.data = work(g);
            ch->push(std::move(done));
        } catch (const ClientGone &) {
            std::fprintf(stderr, "ragppo serve: client disconnected; its slot is free\n");
        } catch (const Error & e) {
            ch->push(failure(400, "invalid_request_error", e.what()));  // e.g. a prompt longer than the context window
        } catch (const std::exception & e) {
            ch->push(failure(500, "server_error", e.what()));
        }
    });
    if (!queued) {
        throw ApiError(503, "overloaded_error",
                       "the server is busy: " + std::to_string(st.slots->max_queued()) + " requests are already waiting; retry later");
    }
}

// Waits for the next event, giving up (and freeing the slot) when the client has gone.
// The connection is checked before every event, not only after a quiet 100 ms: an
// answer being generated sends one event per token, so a check that waited for a
// quiet spell never ran, and a client that hung up on a non-streamed answer kept its
// slot to the last token. (The check is a select and a peek: microseconds per token.)
AnswerEvent wait_event(AnswerChannel & ch, const httplib::Request & req) {
    for (;;) {
        if (req.is_connection_closed()) {
            ch.cancel();
            throw ApiError(499, "client_closed", "the client closed the connection");
        }
        if (auto e = ch.pop(100ms)) return std::move(*e);
    }
}

// Runs one answer with the metrics every answer feeds; the callbacks stream it.
AnswerResult answer_on_slot(ServerState & st, Generator & g, const AnswerSpec & spec, const std::string & model,
                            Clock::time_point queued_at, const AnswerCallbacks & cb) {
    const double waited_ms = ms_since(queued_at);
    AnswerResult r = run_answer(g, *st.retrieval, spec, cb);
    st.metrics.count_answer(model, r.prompt_tokens, r.completion_tokens,
                            r.first_token_ms >= 0 ? (waited_ms + r.first_token_ms) / 1000.0 : -1, ms_since(queued_at) / 1000.0);
    return r;
}

json chat_chunk(const std::string & id, long long created, const std::string & model, json delta, json finish) {
    return {{"id", id},
            {"object", "chat.completion.chunk"},
            {"created", created},
            {"model", model},
            {"choices", json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}})}};
}

std::string sse(const json & j) { return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n"; }

// The stream's state between calls of httplib's content provider.
struct ChatStream {
    std::shared_ptr<AnswerChannel> ch;
    std::optional<AnswerEvent> first;
    std::string id, model;
    long long created = 0;
    bool role_sent = false;
    bool finished = false;
};

// One call: send what the next event says. false ends the stream (the client has gone).
bool stream_step(ChatStream & s, httplib::DataSink & sink) {
    if (s.finished) return false;
    auto write = [&](const std::string & text) {
        if (!sink.write(text.data(), text.size())) {
            s.ch->cancel();
            return false;
        }
        return true;
    };
    std::optional<AnswerEvent> e = std::move(s.first);
    s.first.reset();
    while (!e) {
        e = s.ch->pop(100ms);
        if (!e && !sink.is_writable()) {
            s.ch->cancel();
            return false;
        }
    }
    json role_delta{{"role", "assistant"}, {"content", ""}};
    switch (e->kind) {
        case AnswerEvent::Kind::Sources: {
            // The first chunk: the role, and for RAG the retrieved recipes (they come before any text).
            json chunk = chat_chunk(s.id, s.created, s.model, role_delta, nullptr);
            chunk["ragppo"] = {{"sources", e->data}};
            s.role_sent = true;
            return write(sse(chunk));
        }
        case AnswerEvent::Kind::Text: {
            std::string out;
            if (!s.role_sent) {
                out += sse(chat_chunk(s.id, s.created, s.model, role_delta, nullptr));
                s.role_sent = true;
            }
            out += sse(chat_chunk(s.id, s.created, s.model, {{"content", e->text}}, nullptr));
            return write(out);
        }
        case AnswerEvent::Kind::Done: {
            json chunk = chat_chunk(s.id, s.created, s.model, json::object(), e->data["finish_reason"]);
            chunk["usage"] = e->data["usage"];
            chunk["ragppo"] = e->data["ragppo"];
            s.finished = true;
            if (!write(sse(chunk) + "data: [DONE]\n\n")) return false;
            sink.done();
            return true;
        }
        case AnswerEvent::Kind::Failed: {
            // Headers are gone already: the error travels as an event, then the stream ends.
            s.finished = true;
            if (!write(sse({{"error", {{"message", e->text}, {"type", e->type}}}}) + "data: [DONE]\n\n")) return false;
            std::fprintf(stderr, "ragppo serve: a streamed answer failed: %s\n", e->text.c_str());
            sink.done();
            return true;
        }
    }
    return false;
}

void chat_completions(ServerState & st, const httplib::Request & req, httplib::Response & res) {
    const ChatRequest cr = parse_chat_request(req.body, st.config.engine.sampling, st.n_ctx);
    const AnswerSpec spec = spec_for(st, cr.mode, cr.question, cr.params);
    auto ch = std::make_shared<AnswerChannel>();
    const auto queued_at = Clock::now();
    queue_job(st, ch, [&st, ch, spec, model = cr.model, queued_at](Generator & g) {
        AnswerCallbacks cb;
        cb.cancelled = [ch] { return ch->cancelled(); };
        cb.on_sources = [ch, &spec](const std::vector<SourceNode> & sources) {
            if (spec.mode != AnswerMode::Rag) return;
            AnswerEvent e;
            e.kind = AnswerEvent::Kind::Sources;
            e.data = sources_json(sources);
            ch->push(std::move(e));
        };
        cb.on_text = [ch](const std::string & text) {
            AnswerEvent e;
            e.kind = AnswerEvent::Kind::Text;
            e.text = text;
            ch->push(std::move(e));
        };
        const AnswerResult r = answer_on_slot(st, g, spec, model, queued_at, cb);
        return json{{"finish_reason", finish_reason(r)}, {"usage", usage_json(r)}, {"ragppo", stats_json(r, spec.mode, false)}};
    });

    const std::string id = "chatcmpl-" + std::to_string(st.next_id++);
    const long long created = static_cast<long long>(std::time(nullptr));
    // Wait for the first event before choosing the status: an answer that fails
    // before its first token (a prompt too long for the context) is still a 400.
    AnswerEvent first = wait_event(*ch, req);
    if (first.kind == AnswerEvent::Kind::Failed) throw ApiError(first.status, first.type, first.text);

    if (cr.stream) {
        auto s = std::make_shared<ChatStream>();
        s->ch = ch;
        s->first = std::move(first);
        s->id = id;
        s->model = cr.model;
        s->created = created;
        res.set_header("Cache-Control", "no-cache");
        res.set_chunked_content_provider(
            "text/event-stream", [s](size_t, httplib::DataSink & sink) { return stream_step(*s, sink); },
            [ch](bool success) {
                if (!success) ch->cancel();
            });
        return;
    }

    std::string text;
    json sources = json::array();
    for (AnswerEvent e = std::move(first);; e = wait_event(*ch, req)) {
        if (e.kind == AnswerEvent::Kind::Failed) throw ApiError(e.status, e.type, e.text);
        if (e.kind == AnswerEvent::Kind::Sources) sources = e.data;
        if (e.kind == AnswerEvent::Kind::Text) text += e.text;
        if (e.kind == AnswerEvent::Kind::Done) {
            json extra = e.data["ragppo"];
            if (cr.mode == AnswerMode::Rag) extra["sources"] = sources;
            json out{{"id", id},
                     {"object", "chat.completion"},
                     {"created", created},
                     {"model", cr.model},
                     {"choices", json::array({{{"index", 0},
                                               {"message", {{"role", "assistant"}, {"content", text}}},
                                               {"finish_reason", e.data["finish_reason"]}}})},
                     {"usage", e.data["usage"]},
                     {"ragppo", extra}};
            res.set_content(out.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
            return;
        }
    }
}

void query(ServerState & st, const httplib::Request & req, httplib::Response & res) {
    const QueryRequest qr = parse_query_request(req.body, st.config.engine.sampling, st.n_ctx);
    auto ch = std::make_shared<AnswerChannel>();
    const auto queued_at = Clock::now();
    queue_job(st, ch, [&st, ch, qr, queued_at](Generator & g) {
        AnswerCallbacks cb;
        cb.cancelled = [ch] { return ch->cancelled(); };
        json out{{"question", qr.question}};
        for (AnswerMode mode : {AnswerMode::Rag, AnswerMode::Vanilla}) {
            const AnswerSpec spec = spec_for(st, mode, qr.question, qr.params);
            const AnswerResult r = answer_on_slot(st, g, spec, mode == AnswerMode::Rag ? kRagModel : kVanillaModel, queued_at, cb);
            json a = stats_json(r, mode, true);
            a["answer"] = r.text;
            a["finish_reason"] = finish_reason(r);
            out[mode == AnswerMode::Rag ? "rag" : "vanilla"] = a;
        }
        return out;
    });
    const AnswerEvent e = wait_event(*ch, req);
    if (e.kind == AnswerEvent::Kind::Failed) throw ApiError(e.status, e.type, e.text);
    res.set_content(e.data.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

}  // namespace

void install_answer_routes(httplib::Server & svr, ServerState & st) {
    svr.Post("/v1/chat/completions", guarded([&st](const auto & req, auto & res) { chat_completions(st, req, res); }));
    svr.Post("/v1/query", guarded([&st](const auto & req, auto & res) { query(st, req, res); }));
}

}  // namespace ragppo::serve
