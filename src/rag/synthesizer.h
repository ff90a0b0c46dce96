// Answer synthesis from retrieved chunks: the first pack goes into the QA prompt,
// every further pack refines the answer so far (LlamaIndex's compact and refine modes).
#pragma once

#include "ragppo.h"
#include "ragppo/rag.h"

#include <functional>
#include <string>
#include <vector>

namespace ragppo::rag {

using ragppo::ResponseMode;  // include/ragppo/rag.h
using ragppo::Synthesis;   // include/ragppo/rag.h
using ragppo::synthesize;  // (its implementation is in synthesizer.cpp)

}  // namespace ragppo::rag
