#include "main/reloader.hpp"

#include <chrono>

#include "logging/log.hpp"

namespace ba {

reload_outcome judge_reload(const config_report& rep, const std::string& path) {
  reload_outcome out;
  for (auto& w : rep.warnings)
    out.lines.emplace_back(log_level::warning, w);
  if (rep.missing) {
    // The defaults would include every battery (an excluded shunt joins the
    // bank): never what a user who removed the file by mistake meant.
    out.lines.emplace_back(log_level::error, path + ": missing");
  } else {
    for (auto& e : rep.errors)
      out.lines.emplace_back(log_level::error, e);
  }
  if (rep.missing || !rep.ok()) {
    out.lines.emplace_back(
        log_level::error, "reload rejected; the running config stays in force");
    return out;
  }
  out.apply = true;
  out.cfg = rep.cfg;
  out.lines.emplace_back(log_level::info, "reloaded " + path);
  return out;
}

reloader::reloader(std::string path, std::function<void(config)> apply)
    : sh_(std::make_shared<shared>()) {
  sh_->path = std::move(path);
  sh_->apply = std::move(apply);
  thread_ = std::thread{[sh = sh_] { run(sh); }};
}

reloader::~reloader() {
  std::unique_lock<std::mutex> guard{sh_->mtx};
  sh_->stopping = true;
  sh_->cv.notify_all();
  // A reader cannot hang on a regular file of bounded size, but shutdown
  // must not depend on it: wait briefly, then leave the thread behind.
  bool idle = sh_->cv.wait_for(guard, std::chrono::milliseconds(500),
                               [this] { return !sh_->busy; });
  guard.unlock();
  if (idle)
    thread_.join();
  else
    thread_.detach();
}

void reloader::request() {
  std::lock_guard<std::mutex> guard{sh_->mtx};
  sh_->pending = true;
  sh_->cv.notify_all();
}

void reloader::run(std::shared_ptr<shared> sh) {
  std::unique_lock<std::mutex> guard{sh->mtx};
  for (;;) {
    sh->cv.wait(guard, [&] { return sh->pending || sh->stopping; });
    if (sh->stopping)
      return;
    sh->pending = false;
    sh->busy = true;
    guard.unlock();
    auto out = judge_reload(load_config(sh->path), sh->path);
    guard.lock();
    sh->busy = false;
    sh->cv.notify_all();
    if (sh->stopping)
      return;
    for (auto& [lvl, text] : out.lines)
      log(lvl, "config", text);
    // Under the lock: once the destructor has run, nothing is applied.
    if (out.apply)
      sh->apply(out.cfg);
  }
}

} // namespace ba
