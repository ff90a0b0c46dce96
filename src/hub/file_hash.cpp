// Streaming hashes through OpenSSL's libcrypto, which the build already links for
// HTTPS (llama.cpp's cpp-httplib target, LLAMA_OPENSSL=ON).
#include "hub/file_hash.h"

#include "ragppo.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace ragppo::hub {
namespace {

std::string digest_file(const std::filesystem::path & path, const EVP_MD * md, const std::string & prefix) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::ifstream in(path, std::ios::binary);
    if (!ctx || !in || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
        throw Error("cannot hash " + path.string());
    }
    EVP_DigestUpdate(ctx.get(), prefix.data(), prefix.size());
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
    }
    if (in.bad()) throw Error("cannot read " + path.string());
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), out, &len);
    static const char * hex = "0123456789abcdef";
    std::string s;
    for (unsigned int i = 0; i < len; ++i) {
        s += hex[out[i] >> 4];
        s += hex[out[i] & 15];
    }
    return s;
}

}  // namespace

std::string file_sha256(const std::filesystem::path & path) {
    return digest_file(path, EVP_sha256(), "");
}

std::string file_git_sha1(const std::filesystem::path & path) {
    const auto size = std::filesystem::file_size(path);
    std::string header = "blob " + std::to_string(size);
    header.push_back('\0');
    return digest_file(path, EVP_sha1(), header);
}

}  // namespace ragppo::hub
