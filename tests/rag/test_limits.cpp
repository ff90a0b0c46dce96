// rag/index_builder: a huge field must not make memory grow with (length x chunks).
// A recipe with a 200 KB title is split into many chunks; each node keeps at most
// kMaxNodeMetadataBytes of the name, so the saved node store stays about the size of
// the text itself (before: the full title in every one of its chunks).
#include "rag/index_builder.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace ragppo;
namespace fs = std::filesystem;

TEST(IndexLimits, AHugeTitleIsStoredOncePerRecipeNotOncePerChunk) {
    const fs::path dir = test::make_temp_dir("ragppo_limits_");
    std::string title;
    while (title.size() < 200'000) title += "tomato basil soup \xC3\xA9 ";  // a 2-byte character near each cut
    const nlohmann::json recipes = nlohmann::json::array(
        {{{"title", title}, {"ingredients", {"tomatoes", "basil"}}, {"instructions", {"simmer", "blend"}}},
         {{"title", "plain toast"}, {"ingredients", {"bread"}}, {"instructions", {"toast the bread"}}}});
    test::write_file(dir / "recipes.json", recipes.dump());

    rag::IndexBuildParams p;
    p.dataset = (dir / "recipes.json").string();
    p.out_dir = (dir / "idx").string();
    p.embed.hub.offline = true;
    p.embed.n_threads = 1;
    p.max_field_bytes = 0;  // no read-time cut (data/field_limit.h): this is about the node metadata
    const auto report = rag::build_index(p);
    ASSERT_EQ(report.load.recipes.size(), 2u);
    EXPECT_EQ(report.load.recipes[0].name, title);  // the loader keeps the field; only node metadata is capped
    ASSERT_GT(report.nodes, 20u);                    // the title alone is many chunks

    const auto store = vector_store_load(p.out_dir);
    size_t capped = 0;
    for (size_t i = 0; i < vector_store_size(*store); ++i) {
        const auto node = vector_store_node(*store, i);
        EXPECT_LE(node.name.size(), rag::kMaxNodeMetadataBytes + 3) << i;
        if (node.name.size() > 100) {
            ++capped;
            EXPECT_EQ(node.name.substr(node.name.size() - 3), "...");
            EXPECT_EQ(node.name.rfind("tomato basil soup", 0), 0u);
            // Cut at a character boundary: no lone lead byte before the "...".
            const unsigned char last = static_cast<unsigned char>(node.name[node.name.size() - 4]);
            EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << i;
        }
    }
    EXPECT_EQ(capped, report.nodes - 1);
    // The node store holds the text (~200 KB plus overlaps) and a small name per node,
    // not 200 KB of title per chunk.
    EXPECT_LT(fs::file_size(fs::path(p.out_dir) / "nodes.bin"), 2 * title.size() + report.nodes * 4 * rag::kMaxNodeMetadataBytes);
}
