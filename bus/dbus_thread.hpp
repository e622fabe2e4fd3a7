#pragma once

// The one thread that touches sdbus-c++. It drives every connection of the
// process with getEventLoopPollData() + processPendingRequest() and runs the
// jobs that other threads post, which avoids sdbus-c++ 1.2.0's cross-thread
// problems (unflushed sends, a pending-call race, emits blocking while a
// callback runs). Callbacks never block, so the thread never waits for
// actors and actors never wait for it.
//
// It also runs the CAF actors (loop_scheduler hosts them here): an input
// signal is decoded, aggregated and published in one pass of this thread,
// without waking another (issue 13). Actors run between passes over the
// connections, never inside an sdbus-c++ callback.

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/execution_unit.hpp>
#include <caf/resumable.hpp>
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
  /// thread if the D-Bus side fails with an exception (design: the process
  /// then ends cleanly and daemontools restarts it). The loop then leaves
  /// the connections alone but keeps running jobs and actors, so that the
  /// actors can still be stopped.
  void start(std::function<void(const std::string&)> on_fatal);

  /// Thread-safe, never blocks. From the loop itself without a wake-up.
  void post(job f);

  /// Actors run in `unit`, each resumed with at most `throughput` messages
  /// (null: none hosted). Before start(), or on the loop.
  void host_actors(caf::execution_unit* unit, size_t throughput);

  /// An actor has work: run it on the loop. Any thread; from the loop itself
  /// without a wake-up. Takes over the reference the caller holds.
  void schedule(caf::resumable* job);

  /// Runs the scheduled actors until none has work or a bounded number of
  /// rounds passed (then the connections get their turn). On the loop.
  /// True if any ran.
  bool run_actors();

  /// Hands every actor still scheduled to `release` (after the scheduler
  /// stopped). On the loop, or after it ended.
  void release_actors(void (*release)(caf::resumable*));

  /// Runs `f` on the loop and waits for it: only for setup and tests.
  void call(job f);

  /// Runs the remaining jobs, ends the loop and joins. Idempotent.
  void stop();

  bool on_loop_thread() const;

 private:
  void run();
  /// Runs the posted jobs and moves the actors scheduled from other threads
  /// to the run queue; true if there was any of either.
  bool run_jobs();
  /// The D-Bus side failed: reported once, connections left alone.
  void fail(const std::string& why);
  /// Processes `conn` while sd-bus holds work for it; true if it did any.
  static bool drain(sdbus::IConnection& conn);
  void mark_due(const sdbus::IConnection* conn);
  bool take_due(const sdbus::IConnection* conn);
  void wake();

  int wake_fd_ = -1;
  std::mutex mtx_;
  std::deque<job> jobs_;
  /// Swapped with jobs_ on each pass (no allocation once grown).
  std::deque<job> batch_;
  /// Actors scheduled from other threads (under mtx_), and the run queue
  /// and the round being run (loop only).
  std::vector<caf::resumable*> incoming_;
  std::vector<caf::resumable*> ready_;
  std::vector<caf::resumable*> round_;
  caf::execution_unit* unit_ = nullptr;
  size_t throughput_ = 0;
  bool broken_ = false;
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
