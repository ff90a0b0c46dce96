#include "data/stable_id.h"
#include "ragppo.h"

#include <openssl/evp.h>

namespace ragppo::data {

std::string stable_id(std::string_view text, size_t hex_chars) {
    if (hex_chars == 0 || hex_chars > 64) throw Error("stable_id: hex_chars must be 1..64");
    unsigned char digest[32];
    unsigned int len = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
        throw Error("stable_id: sha256 failed");
    }
    static const char * hex = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; out.size() < hex_chars; ++i) {
        out += hex[digest[i] >> 4];
        if (out.size() < hex_chars) out += hex[digest[i] & 15];
    }
    return out;
}

}  // namespace ragppo::data
