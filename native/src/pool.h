// A fixed set of worker threads that run the tasks of one parallel loop at a time (the calling thread works
// too). Which thread runs which task never changes a result: callers split work into tasks that are fixed by
// the problem (never by the thread count), so 1 or N threads give bit-identical numbers.
#pragma once
#include <cstdint>
#include <functional>

namespace wsc {

// Runs task(0 .. count-1), spread over the pool; returns when all are done. Not reentrant.
void ParallelFor(int64_t count, const std::function<void(int64_t)>& task);
// Threads used (the caller included); at least 1.
int PoolThreads();
// Sets the thread count (1 = run everything on the caller). Takes effect for the next ParallelFor.
void SetPoolThreads(int n);

}  // namespace wsc
