// hub/: Hub ids -> local files, against a local mock of the Hub (tests/support/mock_hub.h).
#include "support/files.h"
#include "ragppo.h"
#include "support/mock_hub.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using ragppo::Error;
using ragppo::HubFile;
using ragppo::HubParams;
using ragppo::RepoType;
using ragppo::test::MockFile;
using ragppo::test::MockHub;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "ragppo-hub-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string slurp(const fs::path & p) { return ragppo::test::read_file(p); }
void spit(const fs::path & p, const std::string & s) { ragppo::test::write_file(p, s); }

// Deterministic, non-repeating-looking bytes.
std::string bytes(size_t n, unsigned seed = 1) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u + seed * 97) >> 13);
    return s;
}

std::vector<std::string> dir_entries(const fs::path & dir) {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (const auto & e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    return out;
}

using ragppo::test::error_of;

class Hub : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char * v : {"HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT", "MODEL_ENDPOINT", "HF_HUB_CACHE", "HF_HOME",
                               "XDG_CACHE_HOME"}) {
            unsetenv(v);
        }
        setenv("RAGPPO_HOME", home.path.c_str(), 1);  // no bundled cache unless a test asks for it
        params.endpoint = hub.endpoint();
        params.cache_dir = cache.path.string();
        params.progress = false;
    }

    fs::path repo_dir(const std::string & folder) const { return cache.path / folder; }

    MockHub hub;
    TempDir cache, home;
    HubParams params;
    const std::string weights = bytes(300000);
    const std::string config = R"({"model_type": "gpt2", "n_layer": 2})";
};

// ------------------------------------------------------------------ downloads and layout

TEST_F(Hub, FreshDownloadLaysOutBlobsSnapshotAndRef) {
    const auto commit = hub.publish(RepoType::Model, "acme/tiny", "main",
                                    {{"model.safetensors", weights}, {"config.json", config, /*lfs=*/false}});
    const HubFile f = ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params);
    const HubFile c = ragppo::hub_resolve_file("acme/tiny", "config.json", RepoType::Model, params);

    const fs::path dir = repo_dir("models--acme--tiny");
    EXPECT_EQ(f.repo, "acme/tiny");
    EXPECT_EQ(f.revision, commit);
    EXPECT_EQ(f.path, "model.safetensors");
    EXPECT_EQ(fs::path(f.local), fs::absolute(dir / "snapshots" / commit / "model.safetensors"));
    EXPECT_EQ(slurp(f.local), weights);
    EXPECT_EQ(slurp(c.local), config);

    // snapshot entries are relative symlinks to blobs named by sha256 (LFS) / git sha1 (plain)
    const std::string sha = ragppo::test::sha256_hex(weights), git = ragppo::test::git_blob_sha1_hex(config);
    ASSERT_TRUE(fs::is_symlink(f.local));
    EXPECT_EQ(fs::read_symlink(f.local), fs::path("../../blobs") / sha);
    EXPECT_EQ(fs::read_symlink(c.local), fs::path("../../blobs") / git);
    auto blobs = dir_entries(dir / "blobs");
    std::sort(blobs.begin(), blobs.end());
    EXPECT_EQ(blobs, (std::vector<std::string>{std::min(sha, git), std::max(sha, git)}));  // no temp files left
    EXPECT_EQ(slurp(dir / "refs" / "main"), commit);
}

TEST_F(Hub, CacheHitMakesNoRequest) {
    hub.publish(RepoType::Model, "acme/tiny", "main", {{"model.safetensors", weights}});
    const auto first = ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params);
    const int before = hub.requests();
    ASSERT_GT(before, 0);

    const auto again = ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params);
    EXPECT_EQ(hub.requests(), before);
    EXPECT_EQ(again.local, first.local);
    EXPECT_EQ(again.revision, first.revision);

    hub.stop();  // and it keeps working with no server at all
    EXPECT_EQ(ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params).local, first.local);
}

TEST_F(Hub, RefreshAsksTheServerAndFollowsAMovedBranch) {
    hub.publish(RepoType::Model, "acme/tiny", "main", {{"config.json", "v1", false}});
    const auto old = ragppo::hub_resolve_file("acme/tiny", "config.json", RepoType::Model, params);
    const auto moved = hub.publish(RepoType::Model, "acme/tiny", "main", {{"config.json", "v2", false}});

    EXPECT_EQ(slurp(ragppo::hub_resolve_file("acme/tiny", "config.json", RepoType::Model, params).local), "v1");
    params.refresh = true;
    const auto fresh = ragppo::hub_resolve_file("acme/tiny", "config.json", RepoType::Model, params);
    EXPECT_EQ(fresh.revision, moved);
    EXPECT_EQ(slurp(fresh.local), "v2");
    EXPECT_EQ(slurp(repo_dir("models--acme--tiny") / "refs" / "main"), moved);
    EXPECT_EQ(slurp(old.local), "v1");  // the old snapshot is untouched
}

TEST_F(Hub, ResumesAfterACutConnection) {
    hub.publish(RepoType::Model, "acme/tiny", "main", {{"model.safetensors", weights}});
    hub.cut_next_body_after(100000);
    const auto f = ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params);

    EXPECT_EQ(slurp(f.local), weights);
    const auto ranges = hub.range_headers();
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0], "bytes=100000-");  // the retry asked only for the rest
}

TEST_F(Hub, ChecksumMismatchLeavesTheCacheUnchanged) {
    MockFile lying{"model.safetensors", weights};
    lying.claimed_oid = ragppo::test::sha256_hex("something else");
    const auto commit = hub.publish(RepoType::Model, "acme/tiny", "main", {lying});

    const std::string msg = error_of([&] { ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params); });
    EXPECT_NE(msg.find("checksum mismatch"), std::string::npos) << msg;
    EXPECT_NE(msg.find("acme/tiny"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);

    const fs::path dir = repo_dir("models--acme--tiny");
    EXPECT_TRUE(dir_entries(dir / "blobs").empty());  // neither the blob nor a temp file
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "snapshots" / commit / "model.safetensors")));
    EXPECT_FALSE(fs::exists(dir / "refs" / "main"));
}

TEST_F(Hub, GitSha1MismatchOnAPlainFileIsAlsoCaught) {
    MockFile lying{"config.json", config, /*lfs=*/false};
    lying.claimed_oid = ragppo::test::git_blob_sha1_hex("{}");
    hub.publish(RepoType::Model, "acme/tiny", "main", {lying});
    const std::string msg = error_of([&] { ragppo::hub_resolve_file("acme/tiny", "config.json", RepoType::Model, params); });
    EXPECT_NE(msg.find("checksum mismatch"), std::string::npos) << msg;
    EXPECT_TRUE(dir_entries(repo_dir("models--acme--tiny") / "blobs").empty());
}

// ------------------------------------------------------------------ errors

TEST_F(Hub, Unauthorized401AsksForHfToken) {
    hub.publish(RepoType::Model, "acme/private", "main", {{"config.json", config, false}});
    hub.require_token("acme/private", "hf_secret");

    const std::string msg = error_of([&] { ragppo::hub_resolve_file("acme/private", "config.json", RepoType::Model, params); });
    EXPECT_NE(msg.find("acme/private"), std::string::npos) << msg;
    EXPECT_NE(msg.find("requires authentication: set HF_TOKEN"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);

    setenv("HF_TOKEN", "hf_secret", 1);  // the same call succeeds once the token is set
    EXPECT_EQ(slurp(ragppo::hub_resolve_file("acme/private", "config.json", RepoType::Model, params).local), config);
    const auto auths = hub.auth_headers();
    ASSERT_FALSE(auths.empty());
    EXPECT_EQ(auths.back(), "Bearer hf_secret");
}

TEST_F(Hub, NotFound404NamesTheRepo) {
    hub.publish(RepoType::Model, "acme/tiny", "main", {{"config.json", config, false}});
    for (const auto & [spec, file, needle] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"acme/missing", "config.json", "acme/missing"},
             {"acme/tiny@nope", "config.json", "nope"},
             {"acme/tiny", "weights.bin", "weights.bin"}}) {
        const std::string msg = error_of([&] { ragppo::hub_resolve_file(spec, file, RepoType::Model, params); });
        EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
        EXPECT_NE(msg.find(needle), std::string::npos) << msg;
        EXPECT_NE(msg.find(spec.substr(0, spec.find('@'))), std::string::npos) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
    const int before = hub.requests();  // names that could escape the snapshot are refused up front
    EXPECT_FALSE(error_of([&] { ragppo::hub_resolve_file("acme/tiny", "../../x", RepoType::Model, params); }).empty());
    EXPECT_EQ(hub.requests(), before);
}

TEST_F(Hub, NetworkFailureIsAOneLineError) {
    hub.stop();
    const std::string msg = error_of([&] { ragppo::hub_resolve_file("acme/tiny", "config.json", RepoType::Model, params); });
    EXPECT_NE(msg.find("cannot reach"), std::string::npos) << msg;
    EXPECT_NE(msg.find("acme/tiny"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
}

// ------------------------------------------------------------------ offline

TEST_F(Hub, OfflineUsesTheCachedCopy) {
    hub.publish(RepoType::Model, "acme/tiny", "main", {{"model.safetensors", weights}});
    const auto online = ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params);
    const int before = hub.requests();

    setenv("HF_HUB_OFFLINE", "1", 1);
    params.refresh = true;  // offline wins over refresh: still no request
    const auto offline = ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params);
    EXPECT_EQ(offline.local, online.local);
    EXPECT_EQ(hub.requests(), before);
    EXPECT_EQ(ragppo::hub_snapshot("acme/tiny", {"*.safetensors"}, RepoType::Model, params),
              fs::path(online.local).parent_path().string());
    EXPECT_EQ(hub.requests(), before);
}

TEST_F(Hub, OfflineWithoutACachedCopyFailsWithoutARequest) {
    hub.publish(RepoType::Model, "acme/tiny", "main", {{"model.safetensors", weights}});
    params.offline = true;
    const std::string msg = error_of([&] { ragppo::hub_resolve_file("acme/tiny", "model.safetensors", RepoType::Model, params); });
    EXPECT_NE(msg.find("acme/tiny"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not in the cache"), std::string::npos) << msg;
    EXPECT_NE(msg.find("offline"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    EXPECT_EQ(hub.requests(), 0);
    EXPECT_FALSE(error_of([&] { ragppo::hub_resolve_gguf("acme/tiny:Q4_K_M", params); }).empty());
    EXPECT_EQ(hub.requests(), 0);
}

// ------------------------------------------------------------------ datasets, revisions, snapshots

TEST_F(Hub, DatasetRepoUsesDatasetRoutesAndFolder) {
    const std::string parquet = bytes(5000, 7);
    const auto commit = hub.publish(RepoType::Dataset, "acme/recipes", "main",
                                    {{"data/train-00000.parquet", parquet}, {"data/test-00000.parquet", bytes(900, 3)},
                                     {"README.md", "# recipes", false}});
    const auto f = ragppo::hub_resolve_file("acme/recipes", "data/train-00000.parquet", RepoType::Dataset, params);
    EXPECT_EQ(slurp(f.local), parquet);
    const fs::path dir = repo_dir("datasets--acme--recipes");
    EXPECT_EQ(fs::path(f.local), fs::absolute(dir / "snapshots" / commit / "data" / "train-00000.parquet"));
    EXPECT_EQ(fs::read_symlink(f.local), fs::path("../../../blobs") / ragppo::test::sha256_hex(parquet));

    const auto paths = hub.paths();
    EXPECT_NE(std::find(paths.begin(), paths.end(), "GET /api/datasets/acme/recipes/revision/main"), paths.end());
    EXPECT_NE(std::find(paths.begin(), paths.end(), "GET /datasets/acme/recipes/resolve/" + commit + "/data/train-00000.parquet"),
              paths.end());

    const std::string snap = ragppo::hub_snapshot("acme/recipes", {"data/*.parquet"}, RepoType::Dataset, params);
    EXPECT_EQ(fs::path(snap), fs::absolute(dir / "snapshots" / commit));
    EXPECT_EQ(slurp(fs::path(snap) / "data" / "test-00000.parquet"), bytes(900, 3));
    EXPECT_FALSE(fs::exists(fs::path(snap) / "README.md"));
    // a model repo of the same name is a different repo
    EXPECT_FALSE(error_of([&] { ragppo::hub_resolve_file("acme/recipes", "README.md", RepoType::Model, params); }).empty());
}

TEST_F(Hub, RevisionOnANonMainBranchAndByCommit) {
    const auto main_commit = hub.publish(RepoType::Model, "acme/tiny", "main", {{"config.json", "main", false}});
    const auto dev_commit = hub.publish(RepoType::Model, "acme/tiny", "dev", {{"config.json", "dev", false}});

    const auto dev = ragppo::hub_resolve_file("acme/tiny@dev", "config.json", RepoType::Model, params);
    EXPECT_EQ(dev.revision, dev_commit);
    EXPECT_EQ(slurp(dev.local), "dev");
    EXPECT_EQ(slurp(repo_dir("models--acme--tiny") / "refs" / "dev"), dev_commit);
    EXPECT_FALSE(fs::exists(repo_dir("models--acme--tiny") / "refs" / "main"));

    const auto by_commit = ragppo::hub_resolve_file("acme/tiny@" + main_commit, "config.json", RepoType::Model, params);
    EXPECT_EQ(by_commit.revision, main_commit);
    EXPECT_EQ(slurp(by_commit.local), "main");

    const int before = hub.requests();  // a commit never moves: cached, no request
    EXPECT_EQ(ragppo::hub_resolve_file("acme/tiny@" + main_commit, "config.json", RepoType::Model, params).local,
              by_commit.local);
    EXPECT_EQ(hub.requests(), before);
}

TEST_F(Hub, SnapshotFetchesEveryMatchingFile) {
    const auto commit = hub.publish(RepoType::Model, "acme/gpt", "main",
                                    {{"config.json", config, false}, {"tokenizer.json", "{\"tok\": 1}", false},
                                     {"model.safetensors", weights}, {"onnx/model.onnx", bytes(700)}});
    const std::string snap = ragppo::hub_snapshot("acme/gpt", {"*.json", "model.safetensors"}, RepoType::Model, params);
    EXPECT_EQ(fs::path(snap), fs::absolute(repo_dir("models--acme--gpt") / "snapshots" / commit));
    EXPECT_EQ(slurp(fs::path(snap) / "config.json"), config);
    EXPECT_EQ(slurp(fs::path(snap) / "model.safetensors"), weights);
    EXPECT_TRUE(fs::exists(fs::path(snap) / "tokenizer.json"));
    EXPECT_FALSE(fs::exists(fs::path(snap) / "onnx"));

    const int before = hub.requests();  // exact names already cached: no request
    EXPECT_EQ(ragppo::hub_snapshot("acme/gpt", {"config.json", "model.safetensors"}, RepoType::Model, params), snap);
    EXPECT_EQ(hub.requests(), before);
    EXPECT_FALSE(error_of([&] { ragppo::hub_snapshot("acme/gpt", {"*.bin"}, RepoType::Model, params); }).empty());
}

// ------------------------------------------------------------------ local paths and GGUF

TEST_F(Hub, LocalPathsPassThrough) {
    TempDir local;
    spit(local.path / "model.gguf", "GGUF");
    spit(local.path / "ckpt" / "config.json", config);

    EXPECT_EQ(ragppo::hub_resolve_gguf((local.path / "model.gguf").string(), params).local, (local.path / "model.gguf").string());
    EXPECT_EQ(ragppo::hub_resolve_file((local.path / "model.gguf").string(), "ignored", RepoType::Model, params).local,
              (local.path / "model.gguf").string());
    EXPECT_EQ(ragppo::hub_resolve_file((local.path / "ckpt").string(), "config.json", RepoType::Model, params).local,
              (local.path / "ckpt" / "config.json").string());
    EXPECT_EQ(ragppo::hub_snapshot((local.path / "ckpt").string(), {"*"}, RepoType::Model, params), (local.path / "ckpt").string());
    EXPECT_EQ(ragppo::hub_resolve_gguf(local.path.string(), params).path, "model.gguf");

    const std::string msg = error_of([&] { ragppo::hub_resolve_gguf((local.path / "nope.gguf").string(), params); });
    EXPECT_NE(msg.find("nope.gguf"), std::string::npos) << msg;
    EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
    EXPECT_FALSE(error_of([&] { ragppo::hub_resolve_gguf("models/nope.gguf", params); }).empty());
    EXPECT_EQ(hub.requests(), 0);
}

TEST_F(Hub, GgufQuantTagPicksAFile) {
    hub.publish(RepoType::Model, "acme/llm-GGUF", "main",
                {{"llm.Q8_0.gguf", "q8"}, {"llm.Q4_K_M.gguf", "q4km"}, {"llm.Q4_K_S.gguf", "q4ks"},
                 {"llm.Q4_K.gguf", "q4k"}, {"mmproj-llm-f16.gguf", "proj"}, {"README.md", "x", false}});
    hub.publish(RepoType::Model, "acme/one-GGUF", "main", {{"only.F16.gguf", "f16"}});
    hub.publish(RepoType::Model, "acme/two-GGUF", "main", {{"b.Q8_0.gguf", "b"}, {"a.Q5_0.gguf", "a"}});

    auto pick = [&](const std::string & spec) { return ragppo::hub_resolve_gguf(spec, params).path; };
    EXPECT_EQ(pick("acme/llm-GGUF:q8_0"), "llm.Q8_0.gguf");    // case-insensitive
    EXPECT_EQ(pick("acme/llm-GGUF:Q4_K"), "llm.Q4_K.gguf");    // whole tag beats a longer one
    EXPECT_EQ(pick("acme/llm-GGUF:Q4_K_S"), "llm.Q4_K_S.gguf");
    EXPECT_EQ(pick("acme/llm-GGUF"), "llm.Q4_K_M.gguf");       // no tag: Q4_K_M (though three others are cached)
    EXPECT_EQ(pick("acme/one-GGUF"), "only.F16.gguf");         // no tag: the only one
    EXPECT_EQ(pick("acme/two-GGUF"), "a.Q5_0.gguf");           // no tag, no Q4_K_M: the first
    EXPECT_EQ(slurp(ragppo::hub_resolve_gguf("acme/llm-GGUF:Q8_0", params).local), "q8");

    const std::string msg = error_of([&] { pick("acme/llm-GGUF:IQ2_XS"); });
    EXPECT_NE(msg.find("IQ2_XS"), std::string::npos) << msg;
    EXPECT_NE(msg.find("llm.Q8_0.gguf"), std::string::npos) << msg;  // lists what there is
    EXPECT_EQ(msg.find("mmproj"), std::string::npos) << msg;
}

TEST_F(Hub, GgufCacheHitAndRevisionNeedNoRequest) {
    const auto commit = hub.publish(RepoType::Model, "acme/llm-GGUF", "main", {{"llm.Q8_0.gguf", "q8"}, {"llm.Q4_K_M.gguf", "q4"}});
    const auto first = ragppo::hub_resolve_gguf("acme/llm-GGUF@main:Q8_0", params);
    EXPECT_EQ(first.revision, commit);
    const int before = hub.requests();
    EXPECT_EQ(ragppo::hub_resolve_gguf("acme/llm-GGUF:Q8_0", params).local, first.local);
    EXPECT_EQ(hub.requests(), before);
}

// ------------------------------------------------------------------ settings

TEST_F(Hub, CacheDirPrecedence) {
    HubParams p;
    setenv("HOME", "/h", 1);
    EXPECT_EQ(ragppo::hub_cache_dir(p), "/h/.cache/huggingface/hub");
    setenv("XDG_CACHE_HOME", "/x", 1);
    EXPECT_EQ(ragppo::hub_cache_dir(p), "/x/huggingface/hub");
    setenv("HF_HOME", "/hf", 1);
    EXPECT_EQ(ragppo::hub_cache_dir(p), "/hf/hub");
    setenv("HF_HUB_CACHE", "/cache", 1);
    EXPECT_EQ(ragppo::hub_cache_dir(p), "/cache");
    p.cache_dir = "/explicit";
    EXPECT_EQ(ragppo::hub_cache_dir(p), "/explicit");
}

TEST_F(Hub, EndpointFromHfEndpointAndCacheFromHfHome) {
    hub.publish(RepoType::Model, "acme/tiny", "main", {{"config.json", config, false}});
    TempDir hf_home;
    setenv("HF_ENDPOINT", hub.endpoint().substr(0, hub.endpoint().size() - 1).c_str(), 1);  // no trailing slash
    setenv("HF_HOME", hf_home.path.c_str(), 1);
    HubParams p;
    const auto f = ragppo::hub_resolve_file("acme/tiny", "config.json", RepoType::Model, p);
    EXPECT_EQ(fs::path(f.local).parent_path().parent_path().parent_path(), hf_home.path / "hub" / "models--acme--tiny");
}

TEST_F(Hub, BundledDefaultsResolveOffline) {
    EXPECT_EQ(ragppo::bundled_hub_dir(), (home.path / "hub").string());
    const std::string bundled = ragppo::test::bundled_hub();
    if (bundled.empty() || !fs::is_directory(bundled)) GTEST_SKIP() << "no bundled hub (run scripts/setup.sh)";
    unsetenv("RAGPPO_HOME");
    EXPECT_EQ(ragppo::bundled_hub_dir(), bundled);

    params.offline = true;
    const auto llm = ragppo::hub_resolve_gguf(ragppo::default_llm_id(), params);
    EXPECT_EQ(llm.path, "SmolLM2-135M-Instruct.Q4_1.gguf");
    EXPECT_EQ(fs::path(llm.local).string().rfind(fs::absolute(bundled).string(), 0), 0u) << llm.local;
    EXPECT_EQ(ragppo::hub_resolve_gguf(ragppo::default_embedder_f32_id(), params).path, "all-MiniLM-L6-v2.f32.gguf");
    EXPECT_EQ(ragppo::hub_resolve_gguf("ragppo/all-MiniLM-L6-v2-BF16-GGUF", params).path, "all-MiniLM-L6-v2.bf16.gguf");
    EXPECT_TRUE(dir_entries(cache.path).empty());  // read-only: nothing written to the user cache
}

// ------------------------------------------------------------------ CLI

struct CliRun {
    int rc;
    std::string out, err;
};

CliRun run_cli(const std::string & args) {
    TempDir tmp;
    const std::string cmd = ragppo::test::bin("ragppo") + " " + args + " 2>" + (tmp.path / "err").string();
    CliRun r{0, "", ""};
    FILE * p = popen(cmd.c_str(), "r");
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
    r.rc = WEXITSTATUS(pclose(p));
    r.err = slurp(tmp.path / "err");
    return r;
}

TEST_F(Hub, CliDownloadPrintsPaths) {
    const auto commit = hub.publish(RepoType::Dataset, "acme/recipes", "v1",
                                    {{"data/a.parquet", bytes(1000)}, {"README.md", "r", false}});
    setenv("HF_ENDPOINT", hub.endpoint().c_str(), 1);
    const std::string snap = (fs::absolute(cache.path) / "datasets--acme--recipes" / "snapshots" / commit).string();

    CliRun r = run_cli("download acme/recipes data/a.parquet --dataset --revision v1 --cache-dir " + cache.path.string());
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, snap + "/data/a.parquet\n");
    EXPECT_EQ(r.err, "");  // stderr is not a TTY: no progress bar

    r = run_cli("download acme/recipes --dataset --offline --cache-dir " + cache.path.string() + " --include '*.parquet' --revision v1");
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, snap + "\n");
}

TEST_F(Hub, CliErrorIsOneLineAndExitsOne) {
    setenv("HF_ENDPOINT", hub.endpoint().c_str(), 1);
    CliRun r = run_cli("download acme/missing config.json --cache-dir " + cache.path.string());
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("ragppo: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("acme/missing"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
