#include "rl/torch_bin_checks.h"

#include "ragppo.h"

#include <cstdlib>

namespace ragppo::rl {

namespace {

// The n-byte little-endian unsigned integer at p[at] (zip and pickle fields).
uint64_t le(const char * p, uint64_t at, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[at + static_cast<uint64_t>(i)]);
    return v;
}
uint64_t le(const std::vector<char> & b, uint64_t at, int n) { return le(b.data(), at, n); }

}  // namespace

ZipSpan check_torch_zip(const std::vector<char> & b, const std::string & where) {
    ZipSpan pkl;
    const uint64_t size = b.size();
    auto bad = [&](const std::string & what) { throw Error(where + ": corrupt zip archive (" + what + ")"); };
    if (size < 22) bad("too short");
    size_t eocd = std::string::npos;
    for (size_t i = size - 22 + 1; i-- > 0 && size - i <= 22 + 65535;) {
        if (le(b, i, 4) == 0x06054b50) {
            eocd = i;
            break;
        }
    }
    if (eocd == std::string::npos) bad("no end-of-central-directory record");
    uint64_t entries = le(b, eocd + 10, 2), cd_size = le(b, eocd + 12, 4), cd_offset = le(b, eocd + 16, 4);
    uint64_t cd_end_limit = eocd;
    if (entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
        // zip64: a locator just before the record points at the zip64 end record.
        if (eocd < 20 || le(b, eocd - 20, 4) != 0x07064b50) bad("zip64 locator missing");
        const uint64_t z = le(b, eocd - 20 + 8, 8);
        if (z > size || size - z < 56 || le(b, z, 4) != 0x06064b50) bad("zip64 end record out of the file");
        entries = le(b, z + 32, 8);
        cd_size = le(b, z + 40, 8);
        cd_offset = le(b, z + 48, 8);
        cd_end_limit = z;
    }
    if (cd_offset > cd_end_limit || cd_size > cd_end_limit - cd_offset) bad("central directory out of the file");
    uint64_t at = cd_offset;
    const uint64_t cd_end = cd_offset + cd_size;
    // libtorch reads "<folder of the first entry>/data.pkl": that entry, and no other
    // whose name merely ends the same way, is the pickle to check.
    std::string pkl_name;
    for (uint64_t e = 0; e < entries; ++e) {
        if (cd_end - at < 46 || le(b, at, 4) != 0x02014b50) bad("central directory entry " + std::to_string(e));
        uint64_t comp = le(b, at + 20, 4), uncomp = le(b, at + 24, 4), local = le(b, at + 42, 4);
        const uint64_t name_len = le(b, at + 28, 2), extra_len = le(b, at + 30, 2), comment_len = le(b, at + 32, 2);
        if (cd_end - at - 46 < name_len + extra_len + comment_len) bad("central directory entry " + std::to_string(e));
        // zip64 extra field: the 64-bit values of the fields that read 0xFFFFFFFF, in order.
        for (uint64_t x = at + 46 + name_len, x_end = x + extra_len; x_end - x >= 4;) {
            const uint64_t id = le(b, x, 2), len = le(b, x + 2, 2);
            if (x_end - x - 4 < len) bad("extra field of entry " + std::to_string(e));
            if (id == 0x0001) {
                uint64_t f = x + 4;
                for (uint64_t * field : {&uncomp, &comp, &local}) {
                    if (*field != 0xFFFFFFFF) continue;
                    if (f + 8 > x + 4 + len) bad("zip64 field of entry " + std::to_string(e));
                    *field = le(b, f, 8);
                    f += 8;
                }
            }
            x += 4 + len;
        }
        if (local > cd_offset || cd_offset - local < 30 || le(b, local, 4) != 0x04034b50)
            bad("local header of entry " + std::to_string(e));
        const uint64_t data = local + 30 + le(b, local + 26, 2) + le(b, local + 28, 2);
        if (data > cd_offset || comp > cd_offset - data) bad("data of entry " + std::to_string(e) + " past its end");
        const std::string name(b.data() + at + 46, name_len);
        if (e == 0) {
            const size_t slash = name.find('/');
            if (slash == std::string::npos) bad("its first entry is not in a folder");
            pkl_name = name.substr(0, slash) + "/data.pkl";
        }
        if (name == pkl_name) {
            if (pkl.found) bad("two " + pkl_name + " entries");
            if (le(b, at + 10, 2) != 0 || comp != uncomp) bad(pkl_name + " is compressed (torch.save stores it)");
            pkl = {data, comp, true};
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    if (!pkl.found) bad("no " + (pkl_name.empty() ? std::string("data.pkl") : pkl_name) + " entry");
    return pkl;
}

void check_pickle(const char * p, uint64_t n, const std::string & where) {
    auto bad = [&](const std::string & what) { throw Error(where + ": corrupt data.pkl (" + what + ")"); };
    uint64_t at = 0, ops = 0;
    while (at < n) {
        const unsigned char op = static_cast<unsigned char>(p[at++]);
        ++ops;
        auto need = [&](uint64_t k) { if (n - at < k) bad("opcode past the end"); };
        auto arg = [&](int bytes) { need(static_cast<uint64_t>(bytes)); const uint64_t v = le(p, at, bytes); at += static_cast<uint64_t>(bytes); return v; };
        auto memo = [&](uint64_t index) { if (index > ops) bad("memo index " + std::to_string(index)); };
        auto line = [&] { while (at < n && p[at] != '\n') ++at; if (at == n) bad("unterminated line"); ++at; };
        switch (op) {
            case '.': return;  // STOP
            case 0x80: case 'K': case 0x82: arg(1); break;
            case 'q': memo(arg(1)); break;
            case 'r': memo(arg(4)); break;
            case 'h': memo(arg(1)); break;
            case 'j': memo(arg(4)); break;
            case 'M': case 0x83: arg(2); break;
            case 'J': case 0x84: arg(4); break;
            case 'G': case 0x95: arg(8); break;
            case 'X': case 'B': case 'T': case 0x8b: { const uint64_t k = arg(4); need(k); at += k; break; }
            case 0x8c: case 'C': case 'U': case 0x8a: { const uint64_t k = arg(1); need(k); at += k; break; }
            case 0x8d: case 0x8e: case 0x96: { const uint64_t k = arg(8); need(k); at += k; break; }
            case 'c': case 'i': line(); line(); break;
            case 'I': case 'L': case 'S': case 'V': case 'F': case 'P': line(); break;
            case 'p': case 'g': { const uint64_t s0 = at; line(); memo(std::strtoull(std::string(p + s0, at - s0).c_str(), nullptr, 10)); break; }
            case '}': case ']': case ')': case '(': case 0x93: case 'R': case 'b': case 't': case 0x85: case 0x86:
            case 0x87: case 'u': case 's': case 'e': case 'a': case 0x88: case 0x89: case 'N': case 'Q': case 0x81:
            case 'd': case 'l': case 0x94: case 0x8f: case 0x90: case 0x91: case 0x92: case '0': case '1': case '2':
            case 'o': case 0x97: case 0x98: break;
            default: return;  // unknown: libtorch refuses it before reading further
        }
    }
}

}  // namespace ragppo::rl
