#pragma once

// Reads the config again on SIGHUP, on a thread of its own: the thread that
// waits for signals must stay free to answer SIGTERM within 2 s whatever the
// reader is doing. Requests that arrive while a reload runs are folded into
// one more reload after it.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "main/config_loader.hpp"
#include "logging/log.hpp"

namespace ba {

/// What a reload decided, for the log and the caller: the config to apply
/// (when `apply`), and the lines to log, in order.
struct reload_outcome {
  bool apply = false;
  config cfg;
  std::vector<std::pair<log_level, std::string>> lines;
};

/// The reload rule (product.md 4): a valid file is applied; a missing,
/// unreadable or invalid one is rejected with the reason and the running
/// config stays (defaults come only at start). Pure.
reload_outcome judge_reload(const config_report& rep, const std::string& path);

class reloader {
 public:
  /// `apply` runs on the reloader's thread with each accepted config.
  reloader(std::string path, std::function<void(config)> apply);
  /// Stops the thread; one stuck in a read is left behind (detached), never
  /// waited for, and applies nothing after this.
  ~reloader();

  reloader(const reloader&) = delete;
  reloader& operator=(const reloader&) = delete;

  /// Asks for a reload; never blocks.
  void request();

 private:
  /// Shared with the thread, so that a thread left behind outlives it.
  struct shared {
    std::string path;
    std::function<void(config)> apply;
    std::mutex mtx;
    std::condition_variable cv;
    bool pending = false;
    bool busy = false;
    bool stopping = false;
  };

  static void run(std::shared_ptr<shared> sh);

  std::shared_ptr<shared> sh_;
  std::thread thread_;
};

} // namespace ba
