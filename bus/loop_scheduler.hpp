#pragma once

// CAF's scheduler for this process: every actor runs on the D-Bus thread
// (dbus_thread hosts them), timers on CAF's clock thread as usual. An input
// signal is then decoded, aggregated and published in one pass of one
// thread, as the sd-bus floor does it, instead of waking a CAF worker and
// then the bus thread again (issue 13: four context switches per input
// became one). The actors keep their shape and their messages; only where
// they run changed. Nothing an actor does blocks (bus calls are posted
// jobs, `dbus_thread::call` runs inline on the loop), so no actor can stall
// the bus, and an actor's work per message is microseconds.

#include <thread>

#include <caf/actor_system.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include "bus/dbus_thread.hpp"

namespace ba {

class loop_scheduler : public caf::scheduler::abstract_coordinator {
 public:
  loop_scheduler(caf::actor_system& sys, dbus_thread& loop);

  /// For `actor_system_config::module_factories`: the loop must be started
  /// and outlive the actor system.
  static caf::actor_system::module* make(caf::actor_system& sys,
                                         dbus_thread& loop);

  void enqueue(caf::resumable* what) override;

  caf::actor_clock& clock() noexcept override;

 protected:
  void start() override;
  void stop() override;

 private:
  /// Where a running actor schedules the actors it sends to: the loop's
  /// own run queue, without a wake-up.
  class unit : public caf::execution_unit {
   public:
    unit(caf::actor_system* sys, dbus_thread& loop);
    void exec_later(caf::resumable* job) override;

   private:
    dbus_thread& loop_;
  };

  dbus_thread& loop_;
  unit unit_;
  caf::detail::thread_safe_actor_clock clock_;
  std::thread timer_;
};

} // namespace ba
