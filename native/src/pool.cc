#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace wsc {

namespace {

int DefaultThreads() {
  for (const char* var : {"WSC_THREADS", "OPENBLAS_NUM_THREADS"}) {
    const char* v = std::getenv(var);
    if (v && std::atoi(v) > 0) return std::atoi(v);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

class Pool {
 public:
  Pool() : wanted_(DefaultThreads()) {}
  ~Pool() { Stop(); }

  int Threads() const { return wanted_; }
  void SetThreads(int n) { wanted_ = n < 1 ? 1 : n; }

  void Run(int64_t count, const std::function<void(int64_t)>& task) {
    if (count <= 0) return;
    if (wanted_ <= 1 || count == 1) {
      for (int64_t i = 0; i < count; ++i) task(i);
      return;
    }
    Ensure(wanted_ - 1);
    {
      std::lock_guard<std::mutex> lk(mu_);
      task_ = &task;
      count_ = count;
      next_.store(0);
      active_ = static_cast<int>(workers_.size());
      ++generation_;
    }
    cv_.notify_all();
    Work(task, count);
    std::unique_lock<std::mutex> lk(mu_);
    done_.wait(lk, [&] { return active_ == 0; });
    task_ = nullptr;
  }

 private:
  void Work(const std::function<void(int64_t)>& task, int64_t count) {
    for (int64_t i = next_.fetch_add(1); i < count; i = next_.fetch_add(1)) task(i);
  }

  void Ensure(int n) {
    if (static_cast<int>(workers_.size()) == n) return;
    Stop();
    stop_ = false;
    // A worker starts from the generation current now, so it cannot miss the Run that follows.
    const uint64_t start = generation_;
    for (int i = 0; i < n; ++i) workers_.emplace_back([this, start] { Loop(start); });
  }

  void Loop(uint64_t seen) {
    for (;;) {
      const std::function<void(int64_t)>* task;
      int64_t count;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        task = task_;
        count = count_;
      }
      Work(*task, count);
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (--active_ == 0) done_.notify_one();
      }
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int wanted_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_;
  const std::function<void(int64_t)>* task_ = nullptr;
  int64_t count_ = 0;
  std::atomic<int64_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& ThePool() {
  static Pool* pool = new Pool();  // never destroyed: workers must not be joined during static teardown
  return *pool;
}

}  // namespace

void ParallelFor(int64_t count, const std::function<void(int64_t)>& task) { ThePool().Run(count, task); }
int PoolThreads() { return ThePool().Threads(); }
void SetPoolThreads(int n) { ThePool().SetThreads(n); }

}  // namespace wsc
