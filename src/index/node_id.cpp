// Stable node ids: the sha256 of the node text, so a rebuild from the same data gives
// the same ids and an incremental add can skip nodes it already holds.
#include "ragppo/index.h"

#include <openssl/evp.h>

namespace ragppo {

std::string index_node_id(const std::string & text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
        throw Error("sha256 of a node text failed");
    }
    static const char * hex = "0123456789abcdef";
    std::string s;
    s.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        s += hex[digest[i] >> 4];
        s += hex[digest[i] & 15];
    }
    return s;
}

}  // namespace ragppo
