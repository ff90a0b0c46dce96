// A dataset argument as the local files of one split, for the row readers
// (row_reader.h): an existing file as it is; a local folder or a Hub dataset id
// ("org/name[@revision]") by picking the split's files by name (split_files.h).
#pragma once

#include "ragppo.h"

#include <string>
#include <vector>

namespace ragppo::data {

// For a Hub id, in this order: the Parquet shards of the revision (all of them, in
// order), else its one CSV / JSON / JSONL file of the split, else the Parquet the Hub
// converted under refs/convert/parquet (only for revision main). Chosen files are
// downloaded into the Hub cache (hash-checked); offline, the cached snapshots are used.
// `config` "" means the default config (or the only one). Throws ragppo::Error naming
// the dataset, config and split when nothing matches.
std::vector<std::string> resolve_dataset_files(const std::string & dataset, const std::string & config,
                                               const std::string & split, const HubParams & hub);

}  // namespace ragppo::data
