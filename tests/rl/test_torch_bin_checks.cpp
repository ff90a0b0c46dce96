// The checks a pytorch_model.bin passes before libtorch reads it: a real torch.save
// file passes and its data.pkl is found; a directory, header or length that points
// past the bytes, or a pickle memo index ahead of its opcodes, is a one-line error.
#include "ragppo.h"
#include "rl/torch_bin_checks.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ragppo;
using namespace ragppo::rl;

namespace {

std::vector<char> real_checkpoint() {
    const std::string s = test::read_file(test::fixture("gpt2_tiny_bin") + "/pytorch_model.bin");
    return {s.begin(), s.end()};
}

// Where the end-of-central-directory record starts.
size_t eocd_of(const std::vector<char> & b) {
    for (size_t i = b.size() - 22 + 1; i-- > 0;)
        if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 5 && b[i + 3] == 6) return i;
    return std::string::npos;
}

void put_le32(std::vector<char> & b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::string zip_error(const std::vector<char> & b) {
    try {
        check_torch_zip(b, "w.bin");
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

std::string pickle_error(const std::string & p) {
    try {
        check_pickle(p.data(), p.size(), "w.bin");
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(TorchBinChecks, ARealCheckpointPassesAndItsPickleIsFound) {
    const auto b = real_checkpoint();
    const ZipSpan pkl = check_torch_zip(b, "w.bin");
    ASSERT_TRUE(pkl.found);
    ASSERT_GT(pkl.size, 2u);
    ASSERT_LE(pkl.offset + pkl.size, b.size());
    EXPECT_EQ(static_cast<unsigned char>(b[pkl.offset]), 0x80);  // PROTO: the pickle starts here
    EXPECT_EQ(b[pkl.offset + pkl.size - 1], '.');                // STOP: and ends here
    EXPECT_NO_THROW(check_pickle(b.data() + pkl.offset, pkl.size, "w.bin"));
}

TEST(TorchBinChecks, ZipFieldsPointingOutOfTheFileAreRefusedInOneLine) {
    const auto good = real_checkpoint();
    const size_t eocd = eocd_of(good);
    ASSERT_NE(eocd, std::string::npos);

    auto big_directory = good;
    put_le32(big_directory, eocd + 12, 0x7FFFFFFF);  // central directory size
    EXPECT_EQ(zip_error(big_directory), "w.bin: corrupt zip archive (central directory out of the file)");

    auto far_header = good;
    const size_t cd = static_cast<unsigned char>(good[eocd + 16]) | static_cast<unsigned char>(good[eocd + 17]) << 8 |
                      static_cast<unsigned char>(good[eocd + 18]) << 16 | static_cast<size_t>(static_cast<unsigned char>(good[eocd + 19])) << 24;
    put_le32(far_header, cd + 42, static_cast<uint32_t>(good.size()));  // entry 0's local header offset
    EXPECT_EQ(zip_error(far_header), "w.bin: corrupt zip archive (local header of entry 0)");

    auto no_record = good;
    no_record[eocd] = 'X';
    EXPECT_EQ(zip_error(no_record), "w.bin: corrupt zip archive (no end-of-central-directory record)");
    EXPECT_EQ(zip_error({'P', 'K', 3, 4}), "w.bin: corrupt zip archive (too short)");
}

TEST(TorchBinChecks, PickleMemoIndicesAndLengthsMustStayInside) {
    // PROTO 2, EMPTY_DICT, BINPUT 0, STOP: fine.
    EXPECT_EQ(pickle_error(std::string("\x80\x02}q\x00.", 6)), "");
    // LONG_BINPUT 0x60000000 as the third opcode: libtorch would grow its memo to it.
    EXPECT_EQ(pickle_error(std::string("\x80\x02}r\x00\x00\x00\x60.", 9)), "w.bin: corrupt data.pkl (memo index 1610612736)");
    // BINUNICODE claiming 255 bytes with 2 left.
    EXPECT_EQ(pickle_error(std::string("\x80\x02X\xff\x00\x00\x00ab.", 10)), "w.bin: corrupt data.pkl (opcode past the end)");
    // A text opcode without its newline.
    EXPECT_EQ(pickle_error(std::string("\x80\x02I12", 5)), "w.bin: corrupt data.pkl (unterminated line)");
}

// Found by fuzz_torch_bin: a second entry whose name only ends in data.pkl
// ("archive/.data/serializdata.pkl") was the one checked, while libtorch read
// archive/data.pkl, whose BINUNICODE claimed 4 GB (an allocation libtorch makes).
TEST(TorchBinChecks, ThePickleCheckedIsTheOneLibtorchReads) {
    const std::string s = test::read_file(test::source("fuzz/regressions/fuzz_torch_bin/second-entry-ending-in-data-pkl.bin"));
    const std::vector<char> b(s.begin(), s.end());
    const ZipSpan pkl = check_torch_zip(b, "w.bin");
    ASSERT_TRUE(pkl.found);
    EXPECT_EQ(pkl.offset, 0x40u);  // archive/data.pkl's bytes, right after its local header
    EXPECT_EQ(static_cast<unsigned char>(b[pkl.offset]), 0x80);
    const std::string err = pickle_error(std::string(b.data() + pkl.offset, pkl.size));
    EXPECT_NE(err.find("opcode past the end"), std::string::npos) << err;

    // The entry libtorch reads must be there, stored, and only once.
    auto real = real_checkpoint();
    const size_t eocd = eocd_of(real);
    const size_t cd = static_cast<unsigned char>(real[eocd + 16]) | static_cast<unsigned char>(real[eocd + 17]) << 8 |
                      static_cast<unsigned char>(real[eocd + 18]) << 16 | static_cast<size_t>(static_cast<unsigned char>(real[eocd + 19])) << 24;
    const size_t name_len = static_cast<unsigned char>(real[cd + 28]) | static_cast<unsigned char>(real[cd + 29]) << 8;
    const std::string first(real.data() + cd + 46, name_len);
    ASSERT_EQ(first.substr(first.find('/')), "/data.pkl");  // torch.save writes data.pkl first
    auto renamed = real;
    renamed[cd + 46 + name_len - 1] = 'x';  // ".../data.pkx": no data.pkl
    EXPECT_NE(zip_error(renamed).find("no " + first + " entry"), std::string::npos) << zip_error(renamed);
    auto compressed = real;
    compressed[cd + 10] = 8;  // deflate
    EXPECT_NE(zip_error(compressed).find("is compressed"), std::string::npos) << zip_error(compressed);
}
