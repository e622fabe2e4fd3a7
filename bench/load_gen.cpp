// ba-load: the benchmark's load generator (issue #7). One process, one
// thread, K battery services on the bus (one connection and one well-known
// name each, exporting the Venus BusItem tree of tests/sim), each changing
// about 20 paths as a random walk R times a second. How the latency marker
// works and why is explained in bench/README.md.
//
// Output (--log FILE), one line per event, flushed at once so that a
// SIGKILL loses nothing already measured:
//   marker <seq> <t_ns>                   the probe's marker number seq was
//                                         emitted at CLOCK_MONOTONIC t_ns
//   window_start <t_ns> <path_updates> <signals> <late>   on SIGUSR1
//   window_end   <t_ns> <path_updates> <signals> <late>   on SIGUSR2
// The counters are totals since start; the window is the difference.

#include "sim_common.hpp"
#include "static_paths.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace venus_sim;

namespace {

// -- command line
// ---------------------------------------------------------------

struct options {
  int services = 4;
  double rate_hz = 1;
  bool properties = false;
  uint32_t seed = 1;
  std::string prefix = "com.victronenergy.battery.load";
  std::string address;
  std::string log_file;
};

void usage(std::ostream& out) {
  out << R"(usage: ba-load [options]
  --services K     battery services to own (1..1000, default 4)
  --rate HZ        updates per second per service (0 = idle, default 1)
  --properties     one PropertiesChanged per changed path instead of one
                   ItemsChanged per update
  --seed N         random seed (default 1; the same seed gives the same walk)
  --prefix NAME    service names are NAME00, NAME01, ... (default
                   com.victronenergy.battery.load)
  --log FILE       marker and window log (see bench/README.md)
  --address ADDR   bus address (default: $DBUS_SESSION_BUS_ADDRESS, else the
                   system bus)
Prints "READY <K>" once every name is claimed. SIGUSR1 starts the counting
window, SIGUSR2 ends it, SIGTERM/SIGINT exit with 0.
)";
}

[[noreturn]] void bad_usage(const std::string& msg) {
  std::cerr << "ba-load: " << msg << "\n";
  usage(std::cerr);
  std::exit(2);
}

double parse_number(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v))
      return v;
  } catch (const std::exception&) {
  }
  bad_usage(flag + " needs a number, got '" + text + "'");
}

options parse_args(int argc, char** argv) {
  options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size())
        bad_usage(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      usage(std::cout);
      std::exit(0);
    } else if (flag == "--services") {
      double k = parse_number(flag, value());
      if (k < 1 || k > 1000 || k != std::floor(k))
        bad_usage("--services must be an integer in 1..1000");
      o.services = static_cast<int>(k);
    } else if (flag == "--rate") {
      o.rate_hz = parse_number(flag, value());
      if (o.rate_hz < 0 || o.rate_hz > 1000)
        bad_usage("--rate must be in 0..1000 Hz");
    } else if (flag == "--properties") {
      o.properties = true;
    } else if (flag == "--seed") {
      double s = parse_number(flag, value());
      if (s < 0 || s > 4294967295.0 || s != std::floor(s))
        bad_usage("--seed must be an unsigned 32-bit integer");
      o.seed = static_cast<uint32_t>(s);
    } else if (flag == "--prefix") {
      o.prefix = value();
    } else if (flag == "--log") {
      o.log_file = value();
    } else if (flag == "--address") {
      o.address = value();
    } else {
      bad_usage("unknown argument '" + flag + "'");
    }
  }
  return o;
}

// -- time
// -----------------------------------------------------------------------

// CLOCK_MONOTONIC on purpose, not steady_clock: the latency client in
// another process stamps receipts with the same clock, and the kernel
// guarantees one CLOCK_MONOTONIC per machine.
int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// -- one simulated battery
// ------------------------------------------------------

/// A bounded random walk on a grid: the value is an integer number of steps,
/// so that it never drifts off the grid and each move is a real change.
struct walk {
  int64_t units;
  int64_t lo;
  int64_t hi;
  double step;

  double value() const {
    return static_cast<double>(units) * step;
  }
  void move(std::mt19937& rng) {
    int64_t delta = (rng() & 1U) != 0 ? 1 : -1;
    if (units + delta > hi || units + delta < lo)
      delta = -delta;
    units += delta;
  }
};

walk make_walk(double start, double lo, double hi, double step) {
  auto u = [step](double x) { return std::llround(x / step); };
  return walk{u(start), u(lo), u(hi), step};
}

double round_to(double x, double step) {
  return std::round(x / step) * step;
}

struct battery {
  std::string name;
  std::unique_ptr<sdbus::IConnection> conn;
  std::unique_ptr<bus_item_tree> tree;
  std::mt19937 rng;
  double installed_ah = 200;
  walk voltage = make_walk(52.0, 50.0, 56.0, 0.01);
  // Whole tens of amps, so that the marker below stays readable in the sum.
  walk current = make_walk(0, -100, 100, 10.0);
  walk temperature = make_walk(25.0, 15.0, 35.0, 0.1);
  walk soc = make_walk(60.0, 20.0, 90.0, 0.1);
  walk time_to_go = make_walk(36000, 3600, 86400, 60);
  walk min_cell = make_walk(3.250, 3.200, 3.300, 0.001);
  walk cell_spread = make_walk(0.020, 0.005, 0.050, 0.001);
  walk min_cell_t = make_walk(24.0, 15.0, 35.0, 0.1);
  walk cell_t_spread = make_walk(2.0, 0.5, 5.0, 0.1);
  walk ccl = make_walk(80, 50, 100, 1);
  walk dcl = make_walk(120, 100, 150, 1);
  walk cvl = make_walk(55.2, 55.0, 56.0, 0.1);
  double charged_kwh = 100;
  double discharged_kwh = 90;
  double ah_drawn = 1000;
  int min_cell_id = 1;
  int max_cell_id = 2;
  int64_t updates = 0; // marker sequence for the probe
};

/// The paths every service has and that never change (static_paths.hpp).
void export_static_paths(battery& b, int index) {
  for (auto& p : bench::static_paths(index, b.installed_ah, "ba-load")) {
    auto v = p.type == 'd' ? sim_value::of_double(p.number)
             : p.type == 'i'
                 ? sim_value::of_int32(static_cast<int32_t>(p.number))
                 : sim_value::of_string(p.text);
    b.tree->set(p.path, v);
  }
}

/// Moves every walk one step and stores the new values. Returns the paths
/// that changed, `/Dc/0/Current` first so that in --properties mode the
/// marker leaves with the first signal of the batch.
std::vector<std::string> step(battery& b, bool probe) {
  auto& r = b.rng;
  for (walk* w : {&b.voltage, &b.current, &b.temperature, &b.soc, &b.time_to_go,
                  &b.min_cell, &b.cell_spread, &b.min_cell_t, &b.cell_t_spread,
                  &b.ccl, &b.dcl, &b.cvl})
    w->move(r);
  ++b.updates;
  // The marker: every other service's current is a multiple of 10 A, so
  // the last two digits of the bank's summed current in tenths of an amp
  // (units and tenths) are the probe's, and they count the probe's updates
  // modulo 100 (bench/README.md).
  double current = b.current.value();
  if (probe)
    current += static_cast<double>(b.updates % 100) / 10.0;
  double voltage = b.voltage.value();
  double soc = b.soc.value();
  double remaining = round_to(soc / 100.0 * b.installed_ah, 0.1);
  b.charged_kwh += 0.001;
  b.discharged_kwh += 0.001;
  b.ah_drawn += 0.1;
  // A different cell holds each extreme at each step (1..16).
  b.min_cell_id = 1 + (b.min_cell_id + static_cast<int>(r() % 15)) % 16;
  b.max_cell_id = 1 + (b.max_cell_id + static_cast<int>(r() % 15)) % 16;

  auto d = sim_value::of_double;
  auto s = sim_value::of_string;
  const std::pair<const char*, sim_value> values[] = {
      {"/Dc/0/Current", d(current)},
      {"/Dc/0/Voltage", d(voltage)},
      {"/Dc/0/Power", d(round_to(voltage * current, 1))},
      {"/Dc/0/Temperature", d(b.temperature.value())},
      {"/Soc", d(soc)},
      {"/Capacity", d(remaining)},
      {"/ConsumedAmphours", d(round_to(remaining - b.installed_ah, 0.1))},
      {"/TimeToGo", d(b.time_to_go.value())},
      {"/System/MinCellVoltage", d(b.min_cell.value())},
      {"/System/MaxCellVoltage",
       d(round_to(b.min_cell.value() + b.cell_spread.value(), 0.001))},
      {"/System/MinCellTemperature", d(b.min_cell_t.value())},
      {"/System/MaxCellTemperature",
       d(round_to(b.min_cell_t.value() + b.cell_t_spread.value(), 0.1))},
      {"/System/MinVoltageCellId", s("C" + std::to_string(b.min_cell_id))},
      {"/System/MaxVoltageCellId", s("C" + std::to_string(b.max_cell_id))},
      {"/Info/MaxChargeCurrent", d(b.ccl.value())},
      {"/Info/MaxDischargeCurrent", d(b.dcl.value())},
      {"/Info/MaxChargeVoltage", d(b.cvl.value())},
      {"/History/ChargedEnergy", d(round_to(b.charged_kwh, 0.001))},
      {"/History/DischargedEnergy", d(round_to(b.discharged_kwh, 0.001))},
      {"/History/TotalAhDrawn", d(round_to(b.ah_drawn, 0.1))},
  };
  std::vector<std::string> changed;
  changed.reserve(std::size(values));
  for (const auto& [path, v] : values)
    if (b.tree->set(path, v))
      changed.emplace_back(path);
  return changed;
}

// -- the generator
// --------------------------------------------------------------

class generator {
 public:
  explicit generator(options o) : o_(std::move(o)) {
    if (!o_.log_file.empty()) {
      log_ = std::fopen(o_.log_file.c_str(), "w");
      if (log_ == nullptr)
        throw std::runtime_error("cannot write " + o_.log_file + ": "
                                 + std::strerror(errno));
    }
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2})
      sigaddset(&set, s);
    signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0)
      throw std::runtime_error(std::string("signalfd: ")
                               + std::strerror(errno));
  }
  ~generator() {
    if (log_ != nullptr)
      std::fclose(log_);
    if (signal_fd_ >= 0)
      close(signal_fd_);
  }
  generator(const generator&) = delete;
  generator& operator=(const generator&) = delete;

  /// Exports every service and then claims the names, as velib does (a
  /// watcher that sees the name must find the tree complete). Returns 0,
  /// or the exit code of a failed name request.
  int start() {
    batteries_.resize(static_cast<size_t>(o_.services));
    for (int i = 0; i < o_.services; ++i) {
      auto& b = batteries_[static_cast<size_t>(i)];
      // Two digits at least, so that the names sort like the indexes.
      b.name = o_.prefix + (i < 10 ? "0" : "") + std::to_string(i);
      b.conn = open_connection(o_.address);
      b.tree = std::make_unique<bus_item_tree>(*b.conn, bus_item_tree::hooks{});
      b.tree->set_mode(o_.properties ? signal_mode::properties
                                     : signal_mode::items);
      // Seeded per service, so that service i walks the same way whatever
      // K is and whatever order the schedule visits the services in.
      b.rng.seed(o_.seed * 1000003U + static_cast<uint32_t>(i));
      b.installed_ah = 100 + 50 * (i % 4);
      export_static_paths(b, i);
      // The initial values of the walking paths; for the probe, marker 0,
      // which is never logged: the first marker sent is 1.
      b.updates = -1;
      step(b, i == 0);
      if (int rc = request_name(*b.conn, b.name); rc != 0)
        return rc;
    }
    fds_.resize(batteries_.size() + 1);
    timeouts_.resize(batteries_.size());
    for (size_t i = 0; i < batteries_.size(); ++i)
      refresh(i);
    fds_.back() = {signal_fd_, POLLIN, 0};
    std::cout << "READY " << o_.services << std::endl;
    return 0;
  }

  void run() {
    // K services at R Hz: one update every 1/(K R) seconds, round robin,
    // so that the bus sees an even stream instead of K-sized bursts. Due
    // times are computed from the start, not from the last update, so that
    // a late wake-up does not lower the rate.
    const bool walking = o_.rate_hz > 0;
    const double spacing_ns
        = walking ? 1e9 / (o_.rate_hz * static_cast<double>(o_.services)) : 0;
    const int64_t start = monotonic_ns();
    int64_t next_event = 0;
    auto due = [&](int64_t n) {
      return start + static_cast<int64_t>(std::llround(n * spacing_ns));
    };
    while (!quit_) {
      const uint64_t now_us = monotonic_us();
      for (size_t i = 0; i < batteries_.size(); ++i)
        if (fds_[i].revents != 0 || timeouts_[i] <= now_us)
          dispatch(i);
      if (walking) {
        int64_t now = monotonic_ns();
        // At most one round (K updates) per wake-up, so that incoming
        // calls are served in between even when the generator fell behind;
        // an update sent more than one period late is counted.
        for (int n = 0; n < o_.services && due(next_event) <= now; ++n) {
          if (now - due(next_event)
              > static_cast<int64_t>(spacing_ns) * o_.services)
            ++late_;
          update(static_cast<size_t>(next_event % o_.services));
          ++next_event;
        }
      }
      poll_once(walking ? due(next_event) : -1);
    }
    for (size_t i = 0; i < batteries_.size(); ++i)
      dispatch(i);
  }

 private:
  static uint64_t monotonic_us() {
    return static_cast<uint64_t>(monotonic_ns() / 1000);
  }

  void refresh(size_t i) {
    auto pd = batteries_[i].conn->getEventLoopPollData();
    fds_[i] = {pd.fd, pd.events, 0};
    timeouts_[i] = pd.timeout_usec;
  }

  void dispatch(size_t i) {
    auto& b = batteries_[i];
    while (b.conn->processPendingRequest()) {
    }
    b.tree->collect_garbage();
    refresh(i);
  }

  void update(size_t i) {
    auto& b = batteries_[i];
    const bool probe = i == 0;
    auto changed = step(b, probe);
    // Stamped just before the signal is built and written: the latency
    // then covers the generator's own send, the daemon, the aggregator and
    // the daemon again, as a real source's change would.
    int64_t t = monotonic_ns();
    b.tree->emit_changes(changed);
    dispatch(i); // writes what sd-bus could not send at once
    path_updates_ += static_cast<int64_t>(changed.size());
    signals_ += o_.properties ? static_cast<int64_t>(changed.size()) : 1;
    if (probe && log_ != nullptr) {
      std::fprintf(log_, "marker %" PRId64 " %" PRId64 "\n", b.updates, t);
      std::fflush(log_);
    }
  }

  /// Sleeps until a bus fd is ready, a signal arrives, or `deadline_ns`
  /// (absolute CLOCK_MONOTONIC; -1 = none). ppoll takes nanoseconds, which
  /// poll's milliseconds would round into a visibly uneven schedule at
  /// 640 updates per second.
  void poll_once(int64_t deadline_ns) {
    uint64_t bus_deadline_us = std::numeric_limits<uint64_t>::max();
    for (auto t : timeouts_)
      bus_deadline_us = std::min(bus_deadline_us, t);
    int64_t deadline = deadline_ns;
    if (bus_deadline_us != std::numeric_limits<uint64_t>::max()) {
      auto bus_ns = static_cast<int64_t>(bus_deadline_us) * 1000;
      deadline = deadline < 0 ? bus_ns : std::min(deadline, bus_ns);
    }
    timespec ts{};
    timespec* timeout = nullptr;
    if (deadline >= 0) {
      int64_t left = std::max<int64_t>(0, deadline - monotonic_ns());
      ts.tv_sec = static_cast<time_t>(left / 1000000000);
      ts.tv_nsec = static_cast<long>(left % 1000000000);
      timeout = &ts;
    }
    for (auto& f : fds_)
      f.revents = 0;
    int r = ppoll(fds_.data(), fds_.size(), timeout, nullptr);
    if (r < 0 && errno != EINTR)
      throw std::runtime_error(std::string("ppoll: ") + std::strerror(errno));
    if (r > 0 && (fds_.back().revents & POLLIN) != 0)
      read_signals();
  }

  void read_signals() {
    signalfd_siginfo info{};
    while (read(signal_fd_, &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGUSR1)
        log_window("window_start");
      else if (info.ssi_signo == SIGUSR2)
        log_window("window_end");
      else
        quit_ = true;
    }
  }

  void log_window(const char* what) {
    if (log_ == nullptr)
      return;
    std::fprintf(log_, "%s %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n",
                 what, monotonic_ns(), path_updates_, signals_, late_);
    std::fflush(log_);
  }

  options o_;
  std::vector<battery> batteries_;
  std::vector<pollfd> fds_;        // one per battery, then the signalfd
  std::vector<uint64_t> timeouts_; // sd-bus's absolute deadlines, in us
  int signal_fd_ = -1;
  std::FILE* log_ = nullptr;
  bool quit_ = false;
  int64_t path_updates_ = 0;
  int64_t signals_ = 0;
  int64_t late_ = 0;
};

} // namespace

int main(int argc, char** argv) {
  // Blocked before anything else, so that signalfd receives them and a
  // signal between two ppoll calls is not lost.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2})
    sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);

  auto o = parse_args(argc, argv);
  try {
    generator g(o);
    if (int rc = g.start(); rc != 0)
      return rc;
    g.run();
  } catch (const std::exception& e) {
    std::cerr << "ba-load: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
