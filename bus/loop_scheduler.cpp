#include "bus/loop_scheduler.hpp"

#include <pthread.h>

#include <caf/logger.hpp>

namespace ba {

loop_scheduler::unit::unit(caf::actor_system* sys, dbus_thread& loop)
    : caf::execution_unit(sys), loop_(loop) {
  // nop
}

void loop_scheduler::unit::exec_later(caf::resumable* job) {
  loop_.schedule(job);
}

loop_scheduler::loop_scheduler(caf::actor_system& sys, dbus_thread& loop)
    : caf::scheduler::abstract_coordinator(sys), loop_(loop),
      unit_(&sys, loop) {
  // nop
}

caf::actor_system::module* loop_scheduler::make(caf::actor_system& sys,
                                                dbus_thread& loop) {
  return new loop_scheduler(sys, loop);
}

void loop_scheduler::enqueue(caf::resumable* what) {
  loop_.schedule(what);
}

caf::actor_clock& loop_scheduler::clock() noexcept {
  return clock_;
}

void loop_scheduler::start() {
  loop_.call([this] { loop_.host_actors(&unit_, max_throughput()); });
  // Timers (delayed_send, request timeouts) are dispatched from CAF's own
  // clock thread, as with CAF's schedulers: a due timer enqueues its actor
  // here, which wakes the loop.
  timer_ = std::thread{[this] {
    pthread_setname_np(pthread_self(), "caf.clock");
    system().thread_started();
    clock_.run_dispatch_loop();
    system().thread_terminates();
  }};
  // Spawns the utility actors: after the loop hosts actors.
  abstract_coordinator::start();
}

void loop_scheduler::stop() {
  stop_actors();
  // Whatever is still scheduled runs to its end on the loop, then the
  // clock stops, and what a last timer scheduled is released unrun.
  loop_.call([this] {
    while (loop_.run_actors()) {
    }
  });
  clock_.cancel_dispatch_loop();
  timer_.join();
  loop_.call([this] {
    loop_.release_actors(&abstract_coordinator::cleanup_and_release);
    loop_.host_actors(nullptr, 0);
    // A spawn on this thread left CAF's logger in a thread-local reference,
    // and the actor system waits for the logger to be destroyed: a worker
    // thread of CAF's would have ended by now, the loop lives on.
    caf::logger::set_current_actor_system(nullptr);
  });
}

} // namespace ba
