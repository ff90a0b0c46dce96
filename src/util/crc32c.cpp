#include "util/crc32c.h"

#include "ragppo.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace ragppo::util {

namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

std::array<uint32_t, 256> make_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
        t[i] = c;
    }
    return t;
}

uint32_t crc_table(uint32_t crc, const unsigned char * p, size_t n) {
    static const auto table = make_table();
    for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc_sse42(uint32_t crc, const unsigned char * p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = static_cast<uint32_t>(c);
    while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
bool have_sse42() {
    static const bool yes = __builtin_cpu_supports("sse4.2");
    return yes;
}
#endif

}  // namespace

uint32_t crc32c(uint32_t crc, const void * data, size_t n) {
    const auto * p = static_cast<const unsigned char *>(data);
    crc = ~crc;
#if defined(__x86_64__)
    if (have_sse42()) return ~crc_sse42(crc, p, n);
#endif
    return ~crc_table(crc, p, n);
}

uint32_t crc32c_file(const std::filesystem::path & path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
    std::vector<unsigned char> buf(1 << 20);
    uint32_t crc = 0;
    for (;;) {
        const ssize_t r = ::read(fd, buf.data(), buf.size());
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            const int err = errno;
            ::close(fd);
            throw Error("cannot read " + path.string() + ": " + std::strerror(err));
        }
        if (r == 0) break;
        crc = crc32c(crc, buf.data(), static_cast<size_t>(r));
    }
    ::close(fd);
    return crc;
}

}  // namespace ragppo::util
