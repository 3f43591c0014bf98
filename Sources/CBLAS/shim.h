// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; pkg-config name "openblas").
// openblas_set_num_threads comes from the same header: Winnow pins BLAS to one thread per
// process because parallelism comes from worker processes (design §2).
#include <cblas.h>
// mallopt, for WinnowNative.MemoryTuning: the only other libc call the pointer code needs.
#include <malloc.h>
