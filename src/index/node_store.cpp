#include "index/node_store.h"

#include "ragppo.h"
#include "util/atomic_write.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ragppo::index {
namespace {

constexpr char kMagic[8] = {'R', 'P', 'N', 'O', 'D', 'E', 'S', '1'};
constexpr uint32_t kVersion = 1;
constexpr uint64_t kByteOrder = 0x0102030405060708ULL;
constexpr size_t kHeaderBytes = 64;

struct Header {
    char magic[8];
    uint32_t version;
    uint32_t fields;
    uint64_t n_nodes;
    uint64_t blob_bytes;
    uint64_t byte_order;
    char pad[kHeaderBytes - 40];
};
static_assert(sizeof(Header) == kHeaderBytes);

}  // namespace

struct NodeStore::Mapping {
    void * addr = nullptr;
    size_t size = 0;
    ~Mapping() {
        if (addr) munmap(addr, size);
    }
};

NodeStore::NodeStore() = default;
NodeStore::~NodeStore() = default;
NodeStore::NodeStore(NodeStore &&) noexcept = default;
NodeStore & NodeStore::operator=(NodeStore &&) noexcept = default;

NodeStore NodeStore::open(const std::filesystem::path & path) {
    const std::string name = path.string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open node store " + name + ": " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        ::close(fd);
        throw Error("cannot stat node store " + name + ": " + std::strerror(errno));
    }
    const size_t size = static_cast<size_t>(st.st_size);
    if (size < kHeaderBytes) {
        ::close(fd);
        throw Error("node store " + name + " is truncated (" + std::to_string(size) + " bytes, no header)");
    }
    auto map = std::make_unique<Mapping>();
    map->addr = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);  // the mapping keeps the file
    if (map->addr == MAP_FAILED) {
        map->addr = nullptr;
        throw Error("cannot map node store " + name + ": " + std::strerror(errno));
    }
    map->size = size;

    Header h;
    std::memcpy(&h, map->addr, sizeof h);
    if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) throw Error(name + " is not a ragppo node store (bad magic)");
    if (h.byte_order != kByteOrder) throw Error("node store " + name + " was written on a machine of other byte order");
    if (h.version != kVersion || h.fields != kNodeFields) {
        throw Error("node store " + name + " has format version " + std::to_string(h.version) + " with " +
                    std::to_string(h.fields) + " fields; this ragppo reads version 1 with 5: rebuild the index");
    }
    // Sizes are checked in a way that cannot overflow before they are multiplied out.
    const size_t max_nodes = (size - kHeaderBytes) / (8 * kNodeFields);
    if (h.n_nodes > max_nodes || h.blob_bytes > size) {
        throw Error("node store " + name + " is truncated (" + std::to_string(size) + " bytes for " +
                    std::to_string(h.n_nodes) + " nodes)");
    }
    const size_t table = 8 * (h.n_nodes * kNodeFields + 1);
    const size_t expected = kHeaderBytes + table + h.blob_bytes;
    if (size != expected) {
        throw Error("node store " + name + " is " + (size < expected ? "truncated" : "corrupt") + " (" +
                    std::to_string(size) + " bytes, expected " + std::to_string(expected) + ")");
    }
    const auto * starts = reinterpret_cast<const uint64_t *>(static_cast<const char *>(map->addr) + kHeaderBytes);
    const size_t n_starts = h.n_nodes * kNodeFields + 1;
    // One pass over the offsets table (not the texts) so field() never reads out of bounds.
    if (starts[0] != 0 || starts[n_starts - 1] != h.blob_bytes) throw Error("node store " + name + " is corrupt (offsets table)");
    for (size_t i = 1; i < n_starts; ++i) {
        if (starts[i] < starts[i - 1]) throw Error("node store " + name + " is corrupt (offsets table)");
    }
    madvise(map->addr, size, MADV_WILLNEED);

    NodeStore s;
    s.mapped_starts_ = starts;
    s.mapped_blob_ = reinterpret_cast<const char *>(starts + n_starts);
    s.n_mapped_ = h.n_nodes;
    s.mapped_bytes_ = h.blob_bytes;
    s.map_ = std::move(map);
    return s;
}

std::string_view NodeStore::field(size_t node, NodeField f) const {
    if (node < n_mapped_) {
        const size_t j = node * kNodeFields + f;
        return {mapped_blob_ + mapped_starts_[j], mapped_starts_[j + 1] - mapped_starts_[j]};
    }
    const size_t j = (node - n_mapped_) * kNodeFields + f;
    return std::string_view(blob_).substr(starts_[j], starts_[j + 1] - starts_[j]);
}

void NodeStore::append(const NodeFields & fields) {
    for (const auto & f : fields) {
        blob_.append(f);
        starts_.push_back(blob_.size());
    }
}

void NodeStore::write(const std::filesystem::path & path) const {
    const size_t n = size();
    Header h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.version = kVersion;
    h.fields = kNodeFields;
    h.n_nodes = n;
    h.blob_bytes = mapped_bytes_ + blob_.size();
    h.byte_order = kByteOrder;

    util::SyncedFile out(path);
    out.write(&h, sizeof h);
    if (n_mapped_ > 0) {
        out.write(mapped_starts_, 8 * n_mapped_ * kNodeFields);
    }
    // Appended offsets continue after the mapped blob.
    std::vector<uint64_t> shifted(starts_.size());
    for (size_t i = 0; i < starts_.size(); ++i) shifted[i] = starts_[i] + mapped_bytes_;
    out.write(shifted.data(), 8 * shifted.size());
    if (mapped_bytes_ > 0) out.write(mapped_blob_, mapped_bytes_);
    out.write(blob_.data(), blob_.size());
    out.close();
}

}  // namespace ragppo::index
