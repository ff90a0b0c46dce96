// BERT's GELU, the exact erf form (HF "gelu"), as a ggml graph op.
#pragma once

struct ggml_context;
struct ggml_tensor;

namespace ragppo::embed {

// A graph node computing GELU of an F32 tensor, split across ggml's threads.
ggml_tensor * gelu_erf(ggml_context * ctx, ggml_tensor * x);

// The same function on one value (tests compare it with libm's erf).
float gelu_erf_scalar(float x);

}  // namespace ragppo::embed
