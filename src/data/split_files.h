// Which files of a dataset repo (or local folder) hold one split of one config, judged
// by name the way the Hub lays datasets out:
//   <config>/<split>-00000-of-00003.parquet       push_to_hub with a config (abisee/cnn_dailymail)
//   data/<split>-00000-of-00001[-<hash>].parquet  push_to_hub, default config
//   <split>.csv, <name>-<split>.jsonl, <split>/<any>.parquet
//   <config>/<split>/0000.parquet, <config>/partial-<split>/0000.parquet
//                                                 the Hub's own conversion (refs/convert/parquet)
// The default config ("" or "default") is the files at the top, under data/ or
// default/; failing those, the only config folder there is.
#pragma once

#include <string>
#include <vector>

namespace ragppo::data {

struct SplitFiles {
    std::vector<std::string> files;    // the split's files in shard order (sorted paths)
    std::vector<std::string> configs;  // config folders seen, for messages
    bool any = false;                  // the listing has files with one of the extensions at all
    std::string why_none;              // when `files` is empty: a one-line reason
};

// `extensions` like {".parquet"}, matched case-insensitively. A name holds `split` when a
// folder below the config is `split` or "partial-<split>", or when the file name holds
// `split` between separators (start, end, '-', '_', '.', ' ', a digit), as the datasets
// library's split patterns do. Full (non-partial) files win over partial ones.
SplitFiles pick_split_files(const std::vector<std::string> & files, const std::string & config,
                            const std::string & split, const std::vector<std::string> & extensions);

}  // namespace ragppo::data
