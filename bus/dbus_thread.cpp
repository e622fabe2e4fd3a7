#include "bus/dbus_thread.hpp"

#include <algorithm>
#include <cerrno>
#include <future>

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "logging/log.hpp"

namespace ba {

dbus_thread::dbus_thread() {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

dbus_thread::~dbus_thread() {
  stop();
  if (wake_fd_ >= 0)
    close(wake_fd_);
}

void dbus_thread::mark_due(const sdbus::IConnection* conn) {
  if (std::find(due_.begin(), due_.end(), conn) == due_.end())
    due_.push_back(conn);
}

bool dbus_thread::take_due(const sdbus::IConnection* conn) {
  auto i = std::find(due_.begin(), due_.end(), conn);
  if (i == due_.end())
    return false;
  due_.erase(i);
  return true;
}

void dbus_thread::add_connection(std::shared_ptr<sdbus::IConnection> conn) {
  mark_due(conn.get());
  conns_.push_back(std::move(conn));
}

void dbus_thread::remove_connection(const sdbus::IConnection* conn) {
  take_due(conn);
  conns_.erase(
      std::remove_if(conns_.begin(), conns_.end(),
                     [conn](const auto& c) { return c.get() == conn; }),
      conns_.end());
}

void dbus_thread::start(std::function<void(const std::string&)> on_fatal) {
  on_fatal_ = std::move(on_fatal);
  running_ = true;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "dbus-loop");
    try {
      run();
      running_ = false;
    } catch (const std::exception& e) {
      running_ = false;
      if (on_fatal_)
        on_fatal_(std::string{"D-Bus loop died: "} + e.what());
    }
  });
}

void dbus_thread::fail(const std::string& why) {
  if (broken_)
    return;
  broken_ = true;
  if (on_fatal_)
    on_fatal_("D-Bus loop died: " + why);
}

void dbus_thread::post(job f) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    jobs_.push_back(std::move(f));
  }
  // From the loop itself (an actor or a callback): the pass that posted it
  // loops again before it polls.
  if (!on_loop_thread())
    wake();
}

void dbus_thread::host_actors(caf::execution_unit* unit, size_t throughput) {
  unit_ = unit;
  throughput_ = throughput;
}

void dbus_thread::schedule(caf::resumable* job) {
  if (on_loop_thread()) {
    ready_.push_back(job);
    return;
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    incoming_.push_back(job);
  }
  wake();
}

bool dbus_thread::run_actors() {
  if (ready_.empty())
    return false;
  if (unit_ == nullptr) {
    // No longer hosting (the scheduler stopped): nothing may run.
    for (auto* job : ready_)
      intrusive_ptr_release(job);
    ready_.clear();
    return false;
  }
  // Bounded: actors that keep each other busy do not starve the bus.
  constexpr int max_rounds = 64;
  for (int i = 0; i < max_rounds && !ready_.empty(); ++i) {
    round_.swap(ready_);
    for (auto* job : round_) {
      switch (job->resume(unit_, throughput_)) {
        case caf::resumable::resume_later:
          // Its throughput is used up: again in the next round.
          ready_.push_back(job);
          break;
        case caf::resumable::shutdown_execution_unit:
          break;
        default:
          // Done, or waiting for a message: the reference it was scheduled
          // with is given back (it is scheduled again with a new one).
          intrusive_ptr_release(job);
          break;
      }
    }
    round_.clear();
  }
  return true;
}

void dbus_thread::release_actors(void (*release)(caf::resumable*)) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    ready_.insert(ready_.end(), incoming_.begin(), incoming_.end());
    incoming_.clear();
  }
  for (auto* job : ready_)
    release(job);
  ready_.clear();
}

void dbus_thread::call(job f) {
  // Inline when the loop is not (or no longer) running: nobody else touches
  // the connections then.
  if (on_loop_thread() || !running_) {
    f();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  post([&] {
    try {
      f();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  fut.get();
}

void dbus_thread::stop() {
  if (!thread_.joinable())
    return;
  stopping_ = true;
  wake();
  thread_.join();
}

bool dbus_thread::on_loop_thread() const {
  return std::this_thread::get_id() == thread_.get_id();
}

void dbus_thread::wake() {
  uint64_t one = 1;
  // A full eventfd counter still means "wake up": ignore EAGAIN.
  auto res = write(wake_fd_, &one, sizeof(one));
  static_cast<void>(res);
}

bool dbus_thread::run_jobs() {
  bool actors = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    batch_.swap(jobs_);
    if (!incoming_.empty()) {
      actors = true;
      ready_.insert(ready_.end(), incoming_.begin(), incoming_.end());
      incoming_.clear();
    }
  }
  bool any = !batch_.empty();
  for (auto& f : batch_) {
    try {
      f();
    } catch (const std::exception& e) {
      // A job touching a failed connection: the failure is reported once.
      fail(e.what());
    }
  }
  batch_.clear();
  return any || actors;
}

bool dbus_thread::drain(sdbus::IConnection& conn) {
  bool any = false;
  while (conn.processPendingRequest()) {
    any = true;
    // Nothing more queued inside sd-bus (its timeout is 0 while messages
    // wait): stop here. Another call would read the socket and find it
    // empty; whatever the socket still holds wakes the next poll at once.
    if (conn.getEventLoopPollData().getPollTimeout() != 0)
      break;
  }
  return any;
}

void dbus_thread::run() {
  std::vector<pollfd> fds;
  for (;;) {
    bool did_work = run_jobs();
    if (run_actors())
      did_work = true;
    // Jobs may add or remove connections: iterate over a copy.
    auto conns = conns_;
    if (broken_)
      conns.clear();
    // Only a connection with something to do: new, readable or writable at
    // the last poll, or holding work already (messages read during a
    // synchronous call, a call timeout that expired). Processing an idle
    // one costs an empty recvmsg, and every job's wake-up used to pay
    // that on each connection.
    try {
      for (auto& c : conns) {
        bool due = take_due(c.get())
                   || c->getEventLoopPollData().getPollTimeout() == 0;
        if (due && drain(*c))
          did_work = true;
      }
    } catch (const std::exception& e) {
      fail(e.what());
      continue;
    }
    if (stopping_) {
      // Flush what the last jobs and actors queued, then leave.
      for (;;) {
        bool more = run_jobs();
        if (run_actors())
          more = true;
        if (!more)
          break;
      }
      if (!broken_)
        for (auto& c : conns_)
          while (c->processPendingRequest()) {
          }
      return;
    }
    if (did_work || !ready_.empty())
      continue;
    fds.clear();
    int timeout = -1;
    try {
      for (auto& c : conns) {
        auto pd = c->getEventLoopPollData();
        fds.push_back(pollfd{pd.fd, static_cast<short>(pd.events), 0});
        auto t = pd.getPollTimeout();
        if (t >= 0 && (timeout < 0 || t < timeout))
          timeout = t;
      }
    } catch (const std::exception& e) {
      fail(e.what());
      continue;
    }
    fds.push_back(pollfd{wake_fd_, POLLIN, 0});
    auto n = poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR)
      throw std::runtime_error("poll failed");
    for (size_t i = 0; i < conns.size(); ++i)
      if (n > 0 && fds[i].revents != 0)
        mark_due(conns[i].get());
    if (fds.back().revents & POLLIN) {
      uint64_t count;
      auto res = read(wake_fd_, &count, sizeof(count));
      static_cast<void>(res);
    }
  }
}

} // namespace ba
