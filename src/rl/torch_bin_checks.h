// Checks of a pytorch_model.bin's bytes before libtorch reads them (torch_bin_reader.cpp):
// two libtorch 2.13 defects are reachable from a corrupt file (found by fuzz_torch_bin;
// its inputs are under fuzz/regressions/fuzz_torch_bin/). Pure functions of the bytes,
// no libtorch; each throws ragppo::Error, one line, naming `where` and what is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ragppo::rl {

struct ZipSpan {
    uint64_t offset = 0, size = 0;  // where the entry's bytes are in the file
    bool found = false;
};

// libtorch's zip reader (miniz over torch::jit::VectorReader) reads past the end of
// the buffer when a record claims more bytes than the file has (a heap-buffer-
// overflow), so the directory is checked first: the end-of-central-directory record
// (zip64 too), and every entry's local header and data inside the file ("corrupt zip
// archive (...)"). Returns where the data.pkl libtorch reads is: "<folder of the first
// entry>/data.pkl", stored (torch.save compresses nothing), once; another entry whose
// name only ends in data.pkl is not it (a fuzzed file had one, and the check used to
// look at that instead). A missing, compressed or repeated data.pkl is refused.
ZipSpan check_torch_zip(const std::vector<char> & bytes, const std::string & where);

// libtorch's unpickler grows its memo to any index a PUT names (a 4-byte LONG_BINPUT
// of 1.6e9 asked for 25 GB) and trusts length prefixes. A pickle writes memo entries
// in order, so an index past the number of opcodes read so far, or a length past the
// end, is a corrupt file ("corrupt data.pkl (...)"). The walk stops at the first
// opcode it does not know; libtorch stops there too, with an error of its own.
void check_pickle(const char * bytes, uint64_t size, const std::string & where);

}  // namespace ragppo::rl
