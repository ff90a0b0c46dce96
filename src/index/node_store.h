// Node texts and metadata in a binary, memory-mappable file (nodes.bin), so that loading
// an index costs a mmap and a check of the offsets table, not a parse.
//
// Layout (little-endian):
//   0   char[8]  magic "RPNODES1"
//   8   u32      format version (1)
//   12  u32      fields per node (5: id, text, uid, name, link)
//   16  u64      node count n
//   24  u64      blob bytes b
//   32  u64      0x0102030405060708 (byte-order check)
//   40  ...      zero padding to 64
//   64  u64[n*5+1]  start of each field in the blob; the last entry is b
//   ..  char[b]  the blob: every field's UTF-8 bytes back to back
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ragppo::index {

enum NodeField { kId = 0, kText, kUid, kName, kLink, kNodeFields };
using NodeFields = std::array<std::string_view, kNodeFields>;

class NodeStore {
  public:
    NodeStore();
    ~NodeStore();
    NodeStore(NodeStore &&) noexcept;
    NodeStore & operator=(NodeStore &&) noexcept;

    // Map a nodes.bin; throws ragppo::Error (one line) when it is missing, truncated or corrupt.
    static NodeStore open(const std::filesystem::path & path);

    size_t size() const { return n_mapped_ + (starts_.size() - 1) / kNodeFields; }
    std::string_view field(size_t node, NodeField f) const;
    void append(const NodeFields & fields);
    // Write the mapped and the appended nodes as one file, fsynced.
    void write(const std::filesystem::path & path) const;

  private:
    struct Mapping;
    std::unique_ptr<Mapping> map_;
    const uint64_t * mapped_starts_ = nullptr;
    const char * mapped_blob_ = nullptr;
    size_t n_mapped_ = 0;
    uint64_t mapped_bytes_ = 0;
    std::vector<uint64_t> starts_{0};  // appended nodes, offsets into blob_
    std::string blob_;
};

}  // namespace ragppo::index
