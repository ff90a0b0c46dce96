// Training allocates and frees the same large tensors (50k-wide logits, their
// gradients, activations) every mini-batch. glibc serves blocks above 32 MB with
// fresh mmap()s and returns freed heap tops to the kernel, so each pass pays page
// faults and the kernel's zeroing of every page again: 18% of a GPT-2 PPO step on
// 2 cores (measured, docs/BENCHMARKS.md). This keeps freed memory in the process.
#pragma once

namespace ragppo::util {

// Process-wide and permanent: large blocks come from the heap, not mmap, and the
// heap is never trimmed, so RSS stays at its peak until exit. Idempotent; a no-op
// where the allocator is not glibc's (sanitizers, musl). Returns whether it applied.
bool keep_freed_memory();

}  // namespace ragppo::util
