// What the public opaque ragppo::QueryEngine (include/ragppo/rag.h) is: the
// pipeline's rag::QueryEngine. For the faces built on it (rag_api.cpp, eval_api.cpp).
#pragma once

#include "rag/query_engine.h"
#include "ragppo/rag.h"

namespace ragppo {

struct QueryEngine {
    rag::QueryEngine engine;
};

}  // namespace ragppo
