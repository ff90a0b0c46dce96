#include "data/dataset_files.h"

#include "data/split_files.h"
#include "hub/repo_listing.h"
#include "hub/repo_spec.h"

#include <filesystem>
#include <optional>

namespace ragppo::data {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kParquet = {".parquet"};
const std::vector<std::string> kText = {".csv", ".jsonl", ".json"};

// The Hub's automatic conversion of every dataset's splits to Parquet.
const char * kConvertedRevision = "refs/convert/parquet";

std::string describe(const std::string & dataset, const std::string & config, const std::string & split) {
    return "dataset " + dataset + (config.empty() ? "" : " config '" + config + "'") + " split '" + split + "'";
}

// The split's files among `files`: Parquet shards, else one text file. Empty when the
// listing has neither kind at all; a ragppo::Error when it has but none fits.
std::vector<std::string> pick(const std::vector<std::string> & files, const std::string & config,
                              const std::string & split, const std::string & what) {
    const SplitFiles parquet = pick_split_files(files, config, split, kParquet);
    if (!parquet.files.empty()) return parquet.files;
    if (parquet.any) throw Error(what + ": " + parquet.why_none);
    const SplitFiles text = pick_split_files(files, config, split, kText);
    if (text.files.size() > 1) {
        throw Error(what + ": " + std::to_string(text.files.size()) + " files fit (" + text.files[0] + ", " +
                    text.files[1] + (text.files.size() > 2 ? ", ..." : "") + "); pass one of them as a local file");
    }
    if (text.any && text.files.empty()) throw Error(what + ": " + text.why_none);
    return text.files;
}

std::vector<std::string> local_folder_files(const fs::path & dir) {
    std::vector<std::string> out;
    for (const auto & e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) out.push_back(e.path().lexically_relative(dir).generic_string());
    }
    return out;
}

}  // namespace

std::vector<std::string> resolve_dataset_files(const std::string & dataset, const std::string & config,
                                               const std::string & split, const HubParams & hub_params) {
    if (dataset.empty()) throw Error("no dataset given");
    const std::string what = describe(dataset, config, split);
    if (hub::looks_local(dataset)) {
        const fs::path p = hub::expand_user(dataset);
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return {p.string()};
        if (!fs::is_directory(p, ec)) throw Error("dataset file or folder not found: " + dataset);
        auto files = pick(local_folder_files(p), config, split, what);
        if (files.empty()) throw Error(what + ": no Parquet / CSV / JSON / JSONL file in the folder");
        for (auto & f : files) f = (p / f).string();
        return files;
    }

    const hub::RepoSpec rs = hub::parse_repo_spec(dataset, /*allow_quant=*/false);
    const auto list = [&](const std::string & revision) -> std::optional<hub::RepoListing> {
        return hub::list_repo_files(rs.repo, revision, RepoType::Dataset, hub_params);
    };
    std::optional<hub::RepoListing> listing;
    std::string listing_error;
    try {
        listing = list(rs.revision);
    } catch (const Error & e) {
        listing_error = e.what();  // offline, only the conversion may be cached: try it below
    }
    if (listing) {
        const auto files = pick(listing->files, config, split, what);
        if (!files.empty()) return hub::fetch_repo_files(*listing, files, RepoType::Dataset, hub_params);
    }
    const std::string none = what + ": no Parquet / CSV / JSON / JSONL file at revision '" + rs.revision + "'";
    if (rs.revision != "main") throw Error(listing ? none : listing_error);

    std::optional<hub::RepoListing> converted;
    try {
        converted = list(kConvertedRevision);
    } catch (const Error &) {
        throw Error(listing ? none + " and no Parquet conversion (" + kConvertedRevision + ")" : listing_error);
    }
    const auto files = pick(converted->files, config, split, what + " (" + kConvertedRevision + ")");
    if (files.empty()) throw Error(none + ", nor under " + kConvertedRevision);
    return hub::fetch_repo_files(*converted, files, RepoType::Dataset, hub_params);
}

}  // namespace ragppo::data
