// battery-aggregator: wiring of the actors and the D-Bus thread.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <pthread.h>
#include <sdbus-c++/sdbus-c++.h>

#include "actors/supervisor.hpp"
#include "bus/bus_adapter.hpp"
#include "bus/dbus_thread.hpp"
#include "bus/loop_scheduler.hpp"
#include "logging/log.hpp"
#include "main/cli.hpp"
#include "main/config_loader.hpp"
#include "main/reloader.hpp"
#include "messages/messages.hpp"
#include "version.hpp"

using namespace ba;

namespace {

std::shared_ptr<sdbus::IConnection> open_bus(const std::string& bus) {
  if (bus == "system")
    return sdbus::createSystemBusConnection();
  if (bus == "session") {
    if (auto* addr = getenv("DBUS_SESSION_BUS_ADDRESS"))
      return sdbus::createSessionBusConnectionWithAddress(addr);
    return sdbus::createSessionBusConnection();
  }
  if (!bus.empty())
    return sdbus::createSessionBusConnectionWithAddress(bus);
  // The Venus rule (velib): the session bus when its address is set.
  if (auto* addr = getenv("DBUS_SESSION_BUS_ADDRESS"))
    return sdbus::createSessionBusConnectionWithAddress(addr);
  return sdbus::createSystemBusConnection();
}

void print_report(const config_report& rep) {
  for (auto& w : rep.warnings)
    std::cerr << "warning: " << w << "\n";
  for (auto& e : rep.errors)
    std::cerr << "error: " << e << "\n";
}

struct actor_config : caf::actor_system_config {
  explicit actor_config(dbus_thread& loop) {
    // The actors run on the D-Bus thread (loop_scheduler): one thread per
    // input signal instead of a hand-off to a CAF worker and back (issue
    // 13). It replaces CAF's own scheduler, so `scheduler.*` settings no
    // longer apply; an idle process has no polling worker either.
    module_factories.push_back(
        [&loop](caf::actor_system& sys) -> caf::actor_system::module* {
          return loop_scheduler::make(sys, loop);
        });
  }
};

} // namespace

int main(int argc, char** argv) {
  auto cli = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
  if (!cli.error.empty()) {
    std::cerr << "battery-aggregator: " << cli.error << "\n";
    return 2;
  }
  auto& opts = cli.opts;
  if (opts.help) {
    std::cout << usage_text();
    return 0;
  }
  if (opts.version) {
    std::cout << "battery-aggregator " << BA_VERSION << "\n";
    return 0;
  }
  auto rep = load_config(opts.config_path);
  if (opts.check_config) {
    print_report(rep);
    if (rep.missing) {
      // A dangling symlink is no valid file: say so, not "valid".
      std::cerr << opts.config_path << ": missing\n";
      return 1;
    }
    if (rep.ok())
      std::cerr << opts.config_path << ": valid\n";
    return rep.ok() ? 0 : 1;
  }
  if (!rep.ok()) {
    print_report(rep);
    std::cerr << "battery-aggregator: invalid config, not starting\n";
    return 1;
  }
  print_report(rep);
  if (rep.missing)
    std::cerr << "battery-aggregator: " << opts.config_path
              << ": missing, starting with the defaults\n";
  auto cfg = rep.cfg;
  if (!opts.log_level.empty()) {
    auto lvl = parse_log_level(opts.log_level);
    if (!lvl) {
      std::cerr << "battery-aggregator: --log-level must be DEBUG, INFO, "
                   "WARNING or ERROR\n";
      return 2;
    }
    cfg.level = *lvl;
  }
  set_log_level(cfg.level);

  // Signals are taken by sigwait() below; block them before any thread
  // starts so that every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  for (auto s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2})
    sigaddset(&sigs, s);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  static std::atomic<int> exit_code{0};
  auto fatal = [](const std::string& why) {
    log(log_level::error, "main", why);
    exit_code = 1;
    kill(getpid(), SIGUSR1);
  };

  dbus_thread loop;
  std::unique_ptr<bus_adapter> bus;
  try {
    bus = std::make_unique<bus_adapter>(
        loop, [&] { return open_bus(opts.bus); }, fatal);
  } catch (const std::exception& e) {
    std::cerr << "battery-aggregator: cannot connect to the D-Bus: " << e.what()
              << "\n";
    return 1;
  }
  loop.start(fatal);
  log(log_level::info, "main",
      std::string{"battery-aggregator "} + BA_VERSION + " starting as "
          + cfg.service_name);

  {
    actor_config acfg{loop};
    caf::actor_system sys{acfg};
    caf::timespan health_interval = std::chrono::minutes(1);
#ifdef BA_TEST_HOOKS
    // Test builds only: SIGUSR2 crashes the aggregator, to show
    // supervision; BA_HEALTH_INTERVAL_MS shortens the health minute.
    bool test_hooks = getenv("BA_TEST_HOOKS") != nullptr;
    if (auto* ms = getenv("BA_HEALTH_INTERVAL_MS"); test_hooks && ms)
      if (auto n = std::strtol(ms, nullptr, 10); n > 0 && n <= 3600000)
        health_interval = std::chrono::milliseconds(n);
#endif
    auto supervisor
        = sys.spawn(supervisor_actor, cfg, bus.get(), health_interval);
    // SIGHUP reloads on the reloader's thread: this one only waits for
    // signals, so SIGTERM is served at once whatever the reader does.
    auto cli_level = opts.log_level;
    auto reload = std::make_unique<reloader>(
        opts.config_path, [supervisor, cli_level](config next) {
          if (!cli_level.empty())
            if (auto lvl = parse_log_level(cli_level))
              next.level = *lvl;
          set_log_level(next.level);
          caf::anon_send(supervisor, std::make_shared<const config>(next));
        });

    for (;;) {
      int sig = 0;
      sigwait(&sigs, &sig);
      if (sig == SIGUSR2) {
#ifdef BA_TEST_HOOKS
        if (test_hooks)
          caf::anon_send(supervisor, crash_atom::value);
#endif
        continue;
      }
      if (sig == SIGHUP) {
        reload->request();
        continue;
      }
      log(log_level::info, "main",
          sig == SIGUSR1 ? std::string{"stopping after a fatal error"}
                         : std::string{"stopping on "} + strsignal(sig));
      break;
    }
    reload.reset();
    // Release the name first, so Venus sees the service leave at once.
    bus->release_all(std::chrono::milliseconds(1000));
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
  }
  bus->shutdown();
  loop.stop();
  log(log_level::info, "main", "stopped");
  return exit_code;
}
