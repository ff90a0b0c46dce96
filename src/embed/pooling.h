// Vector helpers shared by the embedder and the index.
#pragma once

#include <cmath>

namespace ragppo::embed {

// Scale v to unit length in place (a zero vector stays zero).
inline void l2_normalize(float * v, int n) {
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += double(v[i]) * v[i];
    if (sum <= 0) return;
    const float inv = static_cast<float>(1.0 / std::sqrt(sum));
    for (int i = 0; i < n; ++i) v[i] *= inv;
}

inline double cosine(const float * a, const float * b, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return (aa > 0 && bb > 0) ? ab / std::sqrt(aa * bb) : 0.0;
}

}  // namespace ragppo::embed
