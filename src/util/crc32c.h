// CRC-32C (Castagnoli), the checksum of the files of an index: cheap enough to check
// on every load (the SSE4.2 instruction where the CPU has it, several GB/s), and it
// catches any flipped byte or torn write that keeps the file's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace ragppo::util {

// Continue `crc` (0 to start) over `n` bytes.
uint32_t crc32c(uint32_t crc, const void * data, size_t n);
// The CRC-32C of a whole file. Throws ragppo::Error naming it when unreadable.
uint32_t crc32c_file(const std::filesystem::path & path);

}  // namespace ragppo::util
