#pragma once

// The one thread that touches sdbus-c++. It drives every connection of the
// process with getEventLoopPollData() + processPendingRequest() and runs the
// jobs that other threads post, which avoids sdbus-c++ 1.2.0's cross-thread
// problems (unflushed sends, a pending-call race, emits blocking while a
// callback runs). Callbacks never block, so the thread never waits for
// actors and actors never wait for it.

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sdbus-c++/IConnection.h>

namespace ba {

class dbus_thread {
 public:
  using job = std::function<void()>;

  dbus_thread();
  ~dbus_thread();

  dbus_thread(const dbus_thread&) = delete;
  dbus_thread& operator=(const dbus_thread&) = delete;

  /// Adds a connection to the set the loop drives. Call on the bus thread
  /// or before start().
  void add_connection(std::shared_ptr<sdbus::IConnection> conn);
  void remove_connection(const sdbus::IConnection* conn);

  /// Starts the loop thread (named `dbus-loop`). `on_fatal` runs on that
  /// thread if the loop dies of an exception (design: the process then ends
  /// cleanly and daemontools restarts it).
  void start(std::function<void(const std::string&)> on_fatal);

  /// Thread-safe, never blocks.
  void post(job f);

  /// Runs `f` on the loop and waits for it: only for setup and tests.
  void call(job f);

  /// Runs the remaining jobs, ends the loop and joins. Idempotent.
  void stop();

  bool on_loop_thread() const;

 private:
  void run();
  bool run_jobs();
  /// Processes `conn` while sd-bus holds work for it; true if it did any.
  static bool drain(sdbus::IConnection& conn);
  void mark_due(const sdbus::IConnection* conn);
  bool take_due(const sdbus::IConnection* conn);
  void wake();

  int wake_fd_ = -1;
  std::mutex mtx_;
  std::deque<job> jobs_;
  std::vector<std::shared_ptr<sdbus::IConnection>> conns_;
  /// Connections to process in the next pass (see run()). A few entries,
  /// and no allocation per event once it has grown to them.
  std::vector<const sdbus::IConnection*> due_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};
  std::function<void(const std::string&)> on_fatal_;
};

} // namespace ba
