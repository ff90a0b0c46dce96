// The load-time CRC-32C check can be skipped (IndexLoadParams::verify = false, the CLI's
// --no-verify) for huge indexes; the default load, and `ragppo verify`, still catch a
// flipped byte that keeps the file's size and structure.
#include "index_helpers.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace ragppo;
using namespace ragppo::test;
namespace fs = std::filesystem;

TEST(IndexVerify, ACorruptFileIsRefusedByDefaultAndLoadsWithVerifyOff) {
    TempDir tmp;
    vector_store_save(*make_store(40, 5), tmp / "good");
    const fs::path good = tmp.path / "good";

    // A byte inside one node's text (nodes.bin still parses), and one inside the vectors.
    const fs::path d = tmp.path / "bad";
    fs::copy(good, d, fs::copy_options::recursive);
    std::string nodes = read_file(d / "nodes.bin");
    const size_t at = nodes.find("chunk 17");
    ASSERT_NE(at, std::string::npos);
    nodes[at] = 'C';
    write_file(d / "nodes.bin", nodes);
    ragppo::test::flip_middle_byte(d / "index.faiss");

    const std::string msg = error_of([&] { vector_store_load(d.string()); });
    EXPECT_NE(msg.find("is corrupt (its CRC-32C differs"), std::string::npos) << msg;

    IndexLoadParams skip;
    skip.verify = false;
    const auto store = vector_store_load(d.string(), skip);
    ASSERT_EQ(vector_store_size(*store), 40u);
    EXPECT_NE(vector_store_node(*store, 17).text.find("Chunk 17"), std::string::npos);  // the damage, loaded as asked
    // Sizes are still checked with verify off.
    write_file(d / "nodes.bin", nodes + "x");
    EXPECT_NE(error_of([&] { vector_store_load(d.string(), skip); }).find("nodes.bin is corrupt"), std::string::npos);
}
