// ba-latency: the benchmark's observer of the aggregate (issue #7).
//
// Listen mode (default) subscribes to the aggregate's ItemsChanged and
// writes one line per signal to --log:
//   <t_ns> <marker> <items>
// t_ns is CLOCK_MONOTONIC at receipt; marker the last two digits of the
// aggregate's /Dc/0/Current in tenths of an amp (0..99), or -1 when the
// signal does not carry it; items the number of paths in the signal.
// PropertiesChanged from the aggregate are logged as `<t_ns> P 1`, so that
// legacySignals traffic would show up too.
//
// --analyze matches that log against the load generator's (bench/README.md
// explains the marker) and prints one line of key=value pairs for bench/run.

#include "sim_common.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace venus_sim;

namespace {

struct options {
  bool analyze = false;
  std::string service = "com.victronenergy.battery.aggregator";
  std::string address;
  std::string log_file; // ours: written in listen mode, read by --analyze
  std::string load_log; // the generator's, for --analyze
};

void usage(std::ostream& out) {
  out << R"(usage: ba-latency --log FILE [--service NAME] [--address ADDR]
       ba-latency --analyze --log FILE --load-log FILE
  --service NAME   the aggregate to listen to (default
                   com.victronenergy.battery.aggregator)
  --log FILE       receipt log (written when listening, read by --analyze)
  --load-log FILE  the log of ba-load (--analyze)
  --address ADDR   bus address (default: $DBUS_SESSION_BUS_ADDRESS, else the
                   system bus)
Listening prints "READY" once subscribed and runs until SIGTERM/SIGINT.
)";
}

[[noreturn]] void bad_usage(const std::string& msg) {
  std::cerr << "ba-latency: " << msg << "\n";
  usage(std::cerr);
  std::exit(2);
}

options parse_args(int argc, char** argv) {
  options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size())
        bad_usage(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      usage(std::cout);
      std::exit(0);
    } else if (flag == "--analyze") {
      o.analyze = true;
    } else if (flag == "--service") {
      o.service = value();
    } else if (flag == "--log") {
      o.log_file = value();
    } else if (flag == "--load-log") {
      o.load_log = value();
    } else if (flag == "--address") {
      o.address = value();
    } else {
      bad_usage("unknown argument '" + flag + "'");
    }
  }
  if (o.log_file.empty())
    bad_usage("--log is required");
  if (o.analyze && o.load_log.empty())
    bad_usage("--analyze needs --load-log");
  return o;
}

// Same clock as ba-load: CLOCK_MONOTONIC is one clock for the whole
// machine, so stamps from two processes can be subtracted.
int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// -- listen mode
// ----------------------------------------------------------------

constexpr int64_t marker_modulus = 100;

/// The marker: the current in tenths of an amp modulo 100, also for
/// negative currents (-12.7 A is -127 tenths: marker 73, as in the sum
/// -20 A + 7.3 A that produced it).
int marker_of(double amps) {
  auto tenths = static_cast<int64_t>(std::llround(amps * 10.0));
  return static_cast<int>(((tenths % marker_modulus) + marker_modulus)
                          % marker_modulus);
}

int listen(const options& o) {
  std::FILE* log = std::fopen(o.log_file.c_str(), "w");
  if (log == nullptr) {
    std::cerr << "ba-latency: cannot write " << o.log_file << ": "
              << std::strerror(errno) << '\n';
    return 1;
  }
  auto conn = open_connection(o.address);
  // sender= takes the well-known name: the daemon matches whichever
  // connection owns it, so the aggregator may start after us (a fresh one
  // per row) without a new subscription.
  const std::string base = "type='signal',sender='" + o.service
                           + "',interface='" + busitem_interface + "',";
  auto items_slot = conn->addMatch(
      base + "path='/',member='ItemsChanged'", [log](sdbus::Message& m) {
        // Stamped before decoding, which is our cost, not the aggregator's.
        int64_t t = monotonic_ns();
        int marker = -1;
        size_t count = 0;
        try {
          items_dict items;
          m >> items;
          count = items.size();
          auto it = items.find("/Dc/0/Current");
          if (it != items.end()) {
            auto v = it->second.find("Value");
            if (v != it->second.end()
                && v->second.containsValueOfType<double>())
              marker = marker_of(v->second.get<double>());
          }
        } catch (const sdbus::Error& e) {
          std::cerr << "ba-latency: bad ItemsChanged: " << e.what() << '\n';
        }
        std::fprintf(log, "%" PRId64 " %d %zu\n", t, marker, count);
      });
  auto props_slot = conn->addMatch(
      base + "member='PropertiesChanged'", [log](sdbus::Message&) {
        std::fprintf(log, "%" PRId64 " P 1\n", monotonic_ns());
      });
  std::cout << "READY" << std::endl;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) {
    std::cerr << "ba-latency: signalfd: " << std::strerror(errno) << '\n';
    return 1;
  }
  for (bool quit = false; !quit;) {
    while (conn->processPendingRequest()) {
    }
    auto pd = conn->getEventLoopPollData();
    pollfd fds[2] = {{pd.fd, pd.events, 0}, {sfd, POLLIN, 0}};
    if (poll(fds, 2, pd.getPollTimeout()) < 0 && errno != EINTR) {
      std::cerr << "ba-latency: poll: " << std::strerror(errno) << '\n';
      break;
    }
    if ((fds[1].revents & POLLIN) != 0)
      quit = true;
  }
  close(sfd);
  std::fclose(log);
  return 0;
}

// -- analyze mode
// ---------------------------------------------------------------

struct receipt {
  int64_t t;
  int marker; // -1: no current in the signal; -2: a PropertiesChanged
};

struct load_log {
  std::map<int64_t, int64_t> markers; // seq -> emit time
  int64_t start_t = -1, start_updates = 0, start_signals = 0, start_late = 0;
  int64_t end_t = -1, end_updates = 0, end_signals = 0, end_late = 0;
};

load_log read_load_log(const std::string& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("cannot read " + file);
  load_log l;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string kind;
    s >> kind;
    if (kind == "marker") {
      int64_t seq = 0, t = 0;
      if (s >> seq >> t)
        l.markers[seq] = t;
    } else if (kind == "window_start") {
      s >> l.start_t >> l.start_updates >> l.start_signals >> l.start_late;
    } else if (kind == "window_end") {
      s >> l.end_t >> l.end_updates >> l.end_signals >> l.end_late;
    }
  }
  if (l.start_t < 0 || l.end_t <= l.start_t)
    throw std::runtime_error(file + " has no complete window");
  return l;
}

std::vector<receipt> read_receipts(const std::string& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("cannot read " + file);
  std::vector<receipt> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    int64_t t = 0;
    std::string marker;
    if (s >> t >> marker)
      out.push_back({t, marker == "P" ? -2 : std::stoi(marker)});
  }
  return out;
}

double percentile_ms(const std::vector<int64_t>& sorted_ns, double p) {
  if (sorted_ns.empty())
    return NAN;
  // Nearest rank: the smallest sample with at least p of them at or below.
  auto rank = static_cast<size_t>(
      std::ceil(p * static_cast<double>(sorted_ns.size())));
  rank = std::clamp<size_t>(rank, 1, sorted_ns.size());
  return static_cast<double>(sorted_ns[rank - 1]) / 1e6;
}

int analyze(const options& o) {
  auto gen = read_load_log(o.load_log);
  auto receipts = read_receipts(o.log_file);
  const double window_s = static_cast<double>(gen.end_t - gen.start_t) / 1e9;

  int64_t out_items = 0, out_props = 0;
  for (const auto& r : receipts) {
    if (r.t < gen.start_t || r.t > gen.end_t)
      continue;
    if (r.marker == -2)
      ++out_props;
    else
      ++out_items;
  }

  // The aggregate's current names the probe's marker only modulo 100, so
  // a receipt with marker m is taken as the newest marker number that ends
  // in m and had been sent when the signal arrived. That is right as long
  // as the latency stays under 100 probe periods (10 s at 10 Hz); a match
  // that skips 100 or more marker numbers is counted as `ambiguous`, so a
  // run where it is not true shows. A receipt whose marker did not change
  // carries another battery's change of its whole tens of amps, not a
  // marker, and is skipped.
  std::vector<std::pair<int64_t, int64_t>> sent_markers( // (t, seq)
      gen.markers.size());
  std::transform(
      gen.markers.begin(), gen.markers.end(), sent_markers.begin(),
      [](const auto& m) { return std::make_pair(m.second, m.first); });
  std::sort(sent_markers.begin(), sent_markers.end());
  std::vector<int64_t> latencies;
  int64_t last_seq = 0, unmatched = 0, ambiguous = 0;
  for (const auto& r : receipts) {
    if (r.marker < 0 || r.marker == last_seq % marker_modulus)
      continue;
    auto after = std::upper_bound(
        sent_markers.begin(), sent_markers.end(),
        std::make_pair(r.t, std::numeric_limits<int64_t>::max()));
    if (after == sent_markers.begin()) {
      ++unmatched;
      continue;
    }
    const int64_t newest = std::prev(after)->second;
    const int64_t seq
        = newest
          - (((newest - r.marker) % marker_modulus) + marker_modulus)
                % marker_modulus;
    auto it = gen.markers.find(seq);
    if (seq <= last_seq || it == gen.markers.end()) {
      ++unmatched;
      continue;
    }
    const bool in_window = it->second >= gen.start_t && it->second <= gen.end_t;
    if (in_window) {
      latencies.push_back(r.t - it->second);
      if (seq - last_seq >= marker_modulus)
        ++ambiguous;
    }
    last_seq = seq;
  }
  int64_t sent = 0;
  for (const auto& [seq, t] : gen.markers)
    if (t >= gen.start_t && t <= gen.end_t)
      ++sent;
  std::sort(latencies.begin(), latencies.end());

  const auto updates = gen.end_updates - gen.start_updates;
  const auto signals = gen.end_signals - gen.start_signals;
  std::printf("window_s=%.3f in_path_updates=%" PRId64 " in_rate=%.1f"
              " in_signals=%" PRId64 " late=%" PRId64 " out_signals=%" PRId64
              " out_rate=%.2f out_props=%" PRId64 " markers=%" PRId64
              " matched=%zu unmatched=%" PRId64 " ambiguous=%" PRId64
              " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
              window_s, updates, static_cast<double>(updates) / window_s,
              signals, gen.end_late - gen.start_late, out_items,
              static_cast<double>(out_items) / window_s, out_props, sent,
              latencies.size(), unmatched, ambiguous,
              percentile_ms(latencies, 0.50), percentile_ms(latencies, 0.99),
              latencies.empty() ? NAN
                                : static_cast<double>(latencies.back()) / 1e6);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // Blocked first, for the signalfd of the listen loop.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);

  auto o = parse_args(argc, argv);
  try {
    return o.analyze ? analyze(o) : listen(o);
  } catch (const std::exception& e) {
    std::cerr << "ba-latency: " << e.what() << '\n';
    return 1;
  }
}
