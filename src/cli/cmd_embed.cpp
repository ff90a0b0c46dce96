// ragppo embed: texts in, L2-normalised vectors out (JSON lines, one per text).
#include "commands.h"
#include "options.h"
#include "ragppo/util.h"

#include <cstdio>
#include <fstream>
#include <iostream>

namespace ragppo::cli {

namespace {

struct EmbedArgs {
    EmbedderParams params;
    std::vector<std::string> texts;
    std::string file;
    bool as_query = false;
    int threads = 0;
};

std::vector<std::string> read_lines(const std::string & path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot read " + path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

void run(EmbedArgs & a) {
    if (!a.file.empty()) {
        auto more = read_lines(a.file);
        a.texts.insert(a.texts.end(), more.begin(), more.end());
    }
    if (a.texts.empty()) {
        throw Error("nothing to embed: give texts as arguments or --file (one text per line)");
    }
    a.params.n_threads = a.threads;
    auto e = embedder_load(a.params);
    std::vector<float> v;
    if (a.as_query) {
        v = embed_queries(*e, a.texts);
    } else {
        ProgressBar bar("embed", a.texts.size(), "texts");
        v = embed_documents(*e, a.texts, [&](size_t done, size_t) { bar.update(done); });
    }
    const int dim = embedder_dim(*e);
    for (size_t i = 0; i < a.texts.size(); ++i) {
        std::string line = "[";
        char buf[32];
        for (int j = 0; j < dim; ++j) {
            std::snprintf(buf, sizeof buf, j ? ",%.7g" : "%.7g", v[i * dim + j]);
            line += buf;
        }
        line += "]\n";
        std::fputs(line.c_str(), stdout);
    }
}

}  // namespace

void register_embed(CLI::App & app) {
    auto args = std::make_shared<EmbedArgs>();
    auto * cmd = app.add_subcommand("embed", "Embed texts with a BERT-family GGUF; prints one JSON vector per line");
    cmd->add_option("texts", args->texts, "Texts to embed");
    cmd->add_option("-f,--file", args->file, "Read texts from a file, one per line")->check(CLI::ExistingFile);
    cmd->add_flag("--query", args->as_query, "Treat texts as queries (prefix the query instruction)");
    cmd->add_option("-t,--threads", args->threads, "CPU threads; 0 = all");
    add_embedder_options(cmd, args->params);
    cmd->callback([args] { run(*args); });
}

}  // namespace ragppo::cli
