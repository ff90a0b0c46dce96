#include "util/heap_reuse.h"

#include <cstdlib>  // defines __GLIBC__ where the C library is glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ragppo::util {

bool keep_freed_memory() {
#if defined(__GLIBC__)
    // mallopt returns 1 on success. M_MMAP_MAX 0: no mmap()ed chunks at all (the
    // threshold alone cannot be raised past 32 MB); M_TRIM_THRESHOLD -1: never give
    // the top of the heap back (a finite threshold is an int, and one mini-batch
    // frees more than 2 GB at once).
    const bool no_mmap = mallopt(M_MMAP_MAX, 0) == 1;
    const bool no_trim = mallopt(M_TRIM_THRESHOLD, -1) == 1;
    return no_mmap && no_trim;
#else
    return false;
#endif
}

}  // namespace ragppo::util
