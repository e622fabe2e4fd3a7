// ba-compute: the main bank's computation alone, without the bus, CAF or
// other processes, so that its cost per update and how it grows with K can
// be measured on a noisy machine and profiled with callgrind
// (`valgrind --tool=callgrind build-bench/ba-compute --members 64`). Two
// columns: the incremental bank as the aggregator runs it (`bank_engine`:
// touch the changed paths, compute) and the full computation
// (`compute_bank`, every rule over every member).
//
// Each member carries the paths of bench/load_gen.cpp (34 static, 20 moving);
// each iteration moves the 20 paths of one member (round robin), as one
// ItemsChanged would, and computes the bank. Prints one Markdown row per K.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "actors/rules/bank.hpp"
#include "messages/config.hpp"
#include "messages/value.hpp"
#include "static_paths.hpp"

using namespace ba;

namespace {

value d(double x) {
  return value::real(x);
}
value i(int64_t x) {
  return value::integer(x);
}
value s(std::string x) {
  return value::text(std::move(x));
}

/// The static paths of ba-load (static_paths.hpp), as values.
value_map static_values(int index) {
  value_map m;
  for (auto& p :
       bench::static_paths(index, 100.0 + 50.0 * (index % 4), "ba-compute"))
    m[p.path] = p.type == 'd'   ? d(p.number)
                : p.type == 'i' ? i(static_cast<int64_t>(p.number))
                                : s(p.text);
  return m;
}

/// The 20 moving paths, as a random walk around plausible values. Returns
/// what changed, as the member_update that carries it would.
value_map move(value_map& m, std::mt19937& rng) {
  std::uniform_real_distribution<double> step(-1, 1);
  value_map changed;
  auto set = [&](const char* path, value v) {
    m[path] = v;
    changed[path] = std::move(v);
  };
  auto walk = [&](const char* path, double start, double size) {
    auto& v = m[path];
    set(path, d((v.valid() ? v.number : start) + size * step(rng)));
  };
  walk("/Dc/0/Current", 10, 1);
  walk("/Dc/0/Voltage", 53, 0.01);
  set("/Dc/0/Power",
      d(std::round(m["/Dc/0/Voltage"].number * m["/Dc/0/Current"].number)));
  walk("/Dc/0/Temperature", 25, 0.1);
  walk("/Soc", 80, 0.1);
  walk("/Capacity", 80, 0.1);
  walk("/ConsumedAmphours", -20, 0.1);
  walk("/TimeToGo", 36000, 10);
  walk("/System/MinCellVoltage", 3.30, 0.001);
  walk("/System/MaxCellVoltage", 3.35, 0.001);
  walk("/System/MinCellTemperature", 24, 0.1);
  walk("/System/MaxCellTemperature", 26, 0.1);
  set("/System/MinVoltageCellId", s("C" + std::to_string(1 + rng() % 16)));
  set("/System/MaxVoltageCellId", s("C" + std::to_string(1 + rng() % 16)));
  walk("/Info/MaxChargeCurrent", 100, 1);
  walk("/Info/MaxDischargeCurrent", 150, 1);
  walk("/Info/MaxChargeVoltage", 56.0, 0.01);
  walk("/History/ChargedEnergy", 100, 0.001);
  walk("/History/DischargedEnergy", 90, 0.001);
  walk("/History/TotalAhDrawn", 2000, 0.1);
  return changed;
}

struct row {
  int members;
  long computes;
  double seconds;      ///< incremental
  double full_seconds; ///< compute_bank
};

row run(int k, double seconds, bool cold) {
  // Between two computations the real process decodes, schedules and
  // encodes: `--cold` evicts the caches the same way (8 MB touched).
  std::vector<char> thrash(cold ? 8u << 20 : 0);
  unsigned sink = 0;
  std::map<std::string, bank_source> sources;
  std::mt19937 rng(42);
  for (int n = 0; n < k; ++n) {
    char name[64];
    std::snprintf(name, sizeof name, "com.victronenergy.battery.load%02d", n);
    auto& src = sources[name];
    src.values = static_values(n);
    move(src.values, rng);
    // As source_table keeps it: built once, then only the changed rows.
    src.index.rebuild(src.values);
  }
  bank_input in;
  for (auto& [service, src] : sources)
    in.members.emplace(service, &src);
  config cfg;
  bank_memory mem;
  bank_memory full_mem;
  bank_engine engine;
  std::vector<bank_source*> order;
  for (auto& [service, src] : sources)
    order.push_back(&src);
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto until = start + std::chrono::duration<double>(seconds);
  long computes = 0;
  size_t size = 0;
  clock::duration busy{};
  clock::duration full_busy{};
  while (clock::now() < until) {
    for (int burst = 0; burst < 16; ++burst) {
      auto* src = order[static_cast<size_t>(computes) % order.size()];
      auto changed = move(src->values, rng);
      src->index.update(changed);
      // Simulated time: one update per member per second, as at R = 1.
      in.now += std::chrono::microseconds(1000000 / k);
      src->last_update = in.now;
      for (size_t b = 0; b < thrash.size(); b += 64)
        sink += static_cast<unsigned>(++thrash[b]);
      auto t0 = clock::now();
      engine.touch(changed);
      size += engine.compute(in, cfg, mem, nullptr).size();
      auto t1 = clock::now();
      size += compute_bank(in, cfg, full_mem, nullptr).size();
      busy += t1 - t0;
      full_busy += clock::now() - t1;
      ++computes;
    }
  }
  std::chrono::duration<double> took = busy;
  std::chrono::duration<double> full_took = full_busy;
  if (size == 0 || sink == 1)
    std::fprintf(stderr, "ba-compute: empty output\n");
  return {k, computes, took.count(), full_took.count()};
}

} // namespace

int main(int argc, char** argv) {
  std::vector<int> ks{4, 16, 64};
  double seconds = 2;
  bool cold = false;
  for (int a = 1; a < argc; ++a) {
    std::string arg = argv[a];
    if (arg == "--members" && a + 1 < argc)
      ks = {std::atoi(argv[++a])};
    else if (arg == "--cold")
      cold = true;
    else if (arg == "--seconds" && a + 1 < argc)
      seconds = std::atof(argv[++a]);
    else {
      std::fprintf(stderr,
                   "usage: ba-compute [--members K] [--seconds S] [--cold]\n"
                   "  the bank alone, incremental and full: K members\n"
                   "  (default 4, 16 and 64),\n"
                   "  one member's 20 moving paths changed per computation,\n"
                   "  S seconds per K (default 2); --cold evicts the caches\n"
                   "  before each computation, as the work around it does\n");
      return 2;
    }
  }
  if (ks.front() < 1 || seconds <= 0) {
    std::fprintf(stderr, "ba-compute: K >= 1 and S > 0 please\n");
    return 2;
  }
  std::printf("| K | computations | us per update, incremental | us per "
              "update, full | full / incremental |\n");
  std::printf("|---:|---:|---:|---:|---:|\n");
  for (auto k : ks) {
    auto r = run(k, seconds, cold);
    auto n = static_cast<double>(r.computes);
    auto us = r.seconds * 1e6 / n;
    auto full_us = r.full_seconds * 1e6 / n;
    std::printf("| %d | %ld | %.1f | %.1f | %.1f |\n", r.members, r.computes,
                us, full_us, full_us / us);
  }
  return 0;
}
