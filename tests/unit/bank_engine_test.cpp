#define CAF_SUITE bank_engine
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/rules/bank.hpp"
#include "actors/rules/role_merge.hpp"
#include "actors/rules/source_table.hpp"
#include "actors/virtual_battery.hpp"
#include "messages/path_table.hpp"

using namespace ba;

// The incremental bank (bank_engine) against the full computation
// (compute_bank, a fresh engine each time, with its own memory): random
// update sequences with joins, leaves, grace expiry, snapshots, invalid,
// NaN, infinite and text values, reloads, DVCC, primaries and the passing
// of time. After every step both must publish exactly the same values, and
// the engine must name exactly the paths that changed. A failure prints the
// seed and the step; BA_BANK_SEED=<n> replays one seed.

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

struct scenario {
  explicit scenario(uint32_t seed) : rng(seed) {
    for (auto& row : path_table())
      paths.emplace_back(row.path);
    // Paths outside the table, as real BMSes publish them.
    for (auto* p : {"/Serial", "/ProductName", "/Voltages/Cell1",
                    "/Info/ChargeMode", "/CustomName"})
      paths.emplace_back(p);
    for (int i = 0; i < 5; ++i)
      names.push_back("com.victronenergy.battery.m" + std::to_string(i));
  }

  uint32_t pick(uint32_t n) {
    return static_cast<uint32_t>(rng() % n);
  }

  value any_value(const std::string& path) {
    auto k = pick(20);
    if (path == "/Info/ChargeMode" && k < 12) {
      static const char* modes[] = {"Bulk", "Absorption", "Float", " ", ""};
      return value::text(modes[pick(5)]);
    }
    if (path == "/CustomName" && k < 12)
      return value::text(pick(2) ? "Pack " + std::to_string(pick(3)) : " ");
    if (path.find("CellId") != std::string::npos && k < 12)
      return value::text("C" + std::to_string(pick(16)));
    if (path.rfind("/Io/", 0) == 0 || path.rfind("/Alarms/", 0) == 0
        || path == "/Balancing")
      if (k < 14)
        return value::integer(pick(3));
    switch (k) {
      case 0:
        return value::invalid();
      case 1:
        return value::real(nan);
      case 2:
        return value::real(pick(2) ? inf : -inf);
      case 3:
        return value::text("x");
      case 4:
        return value::real(-static_cast<double>(pick(50)));
      case 5:
        return value::integer(0);
      default:
        // A few distinct values, so that a path often keeps its value.
        return value::real(static_cast<double>(pick(40)) * 5.5 + 0.1);
    }
  }

  void reconfigure() {
    static const ratio_method ratios[]
        = {ratio_method::capacity, ratio_method::count, ratio_method::ir};
    static const soc_method socs[]
        = {soc_method::weighted, soc_method::mean, soc_method::min};
    cfg.ratio = ratios[pick(3)];
    cfg.soc = socs[pick(3)];
    cfg.capacity = pick(3) == 0 ? caf::optional<double>{400.0} : caf::none;
    cfg.ccl = static_cast<ccl_mode>(pick(3));
    cfg.cvl = static_cast<cvl_mode>(pick(5));
    cfg.ir.min_voltage_change = pick(4) == 0 ? 0.0 : 0.02;
    cfg.primary_services.clear();
    if (pick(3) == 0) {
      source_ref p;
      p.name = "com.victronenergy.battery.shunt";
      p.paths = {"/Dc/0/Current", "/Soc"};
      p.all_paths = false;
      cfg.primary_services.push_back(p);
    }
  }

  /// A random update of `name` (a snapshot now and then, always for a new
  /// source), told to `engine` as the actors tell theirs (a snapshot of a
  /// known source as its differences, sometimes as "everything"), then
  /// stored in `sources`.
  void update(const std::string& name, source_table& sources,
              bank_engine& engine, caf::actor_clock::time_point now) {
    member_update u;
    u.service = name;
    u.snapshot = sources.all().count(name) == 0 || pick(10) == 0;
    auto n = u.snapshot ? 20 + pick(40) : 1 + pick(6);
    for (uint32_t k = 0; k < n; ++k) {
      auto& path = paths[pick(static_cast<uint32_t>(paths.size()))];
      u.values[path] = any_value(path);
    }
    auto known = sources.all().find(name);
    if (!u.snapshot)
      engine.touch(u.values);
    else if (known == sources.all().end() || pick(4) == 0)
      engine.touch_all();
    else
      engine.touch(known->second.src.values, u.values);
    sources.update(u, now);
  }

  /// Online, stale or lost (half of the time online); a stale or lost one
  /// keeps counting for its grace time, until `expire`.
  member_status set_state(const std::string& name, source_table& sources) {
    static const member_status states[]
        = {member_status::online, member_status::online, member_status::stale,
           member_status::lost};
    auto st = states[pick(4)];
    sources.set_state({name, st, ""}, true);
    return st;
  }

  /// The grace time of `name` ends (if it is stale or lost).
  void expire(const std::string& name, source_table& sources) {
    auto i = sources.all().find(name);
    if (i != sources.all().end())
      sources.expire(name, i->second.grace_generation);
  }

  std::mt19937 rng;
  std::vector<std::string> paths;
  std::vector<std::string> names;
  config cfg;
};

/// What both differential tests keep: the sources, the incremental engine
/// and the memories of both computations, the full one's last output.
struct differential {
  source_table sources;
  bank_engine engine;
  bank_memory engine_mem;
  bank_memory full_mem;
  value_map published; // the full computation's, vanished paths invalid
  caf::actor_clock::time_point now;
};

/// `defaults`, or the one seed in BA_BANK_SEED (to replay a failure).
std::vector<uint32_t> seeds_or_env(std::vector<uint32_t> defaults) {
  if (auto env = std::getenv("BA_BANK_SEED"))
    return {static_cast<uint32_t>(std::strtoul(env, nullptr, 10))};
  return defaults;
}

} // namespace

CAF_TEST(the incremental bank publishes what the full computation does) {
  for (auto seed : seeds_or_env({1, 2, 3, 4})) {
    CAF_MESSAGE("seed " << seed);
    scenario sc{seed};
    differential d;
    auto& [sources, engine, engine_mem, full_mem, published, now] = d;
    value_map shunt;
    bool shunt_online = false;
    dvcc_state dvcc;
    std::set<std::string> roster;
    size_t changes = 0;
    for (int step = 0; step < 2500; ++step) {
      auto what = sc.pick(100);
      auto& name = sc.names[sc.pick(static_cast<uint32_t>(sc.names.size()))];
      if (what < 70) {
        sc.update(name, sources, engine, now);
      } else if (what < 80) {
        if (sc.set_state(name, sources) == member_status::online
            && sources.all().count(name))
          roster.insert(name);
      } else if (what < 85) {
        sc.expire(name, sources);
      } else if (what < 88) {
        sc.reconfigure();
        engine.touch_all();
      } else if (what < 91) {
        dvcc.on = sc.pick(2) == 0;
        dvcc.max_charge_current = sc.pick(2) ? -1.0 : 30.0 * sc.pick(4);
        dvcc.max_charge_voltage = sc.pick(2) ? 55.2 : 56.8;
        engine.touch_all();
      } else if (what < 94) {
        shunt_online = sc.pick(3) != 0;
        shunt["/Dc/0/Current"] = sc.any_value("/Dc/0/Current");
        shunt["/Soc"] = sc.any_value("/Soc");
      } else {
        now += std::chrono::milliseconds(sc.pick(12000));
      }
      now += std::chrono::milliseconds(sc.pick(300));
      bank_input in;
      for (auto& [service, t] : sources.all())
        if (counts(t))
          in.members.emplace(service, &t.src);
      if (shunt_online)
        in.primaries.emplace(0, &shunt);
      in.dvcc = dvcc;
      in.now = now;
      in.all_members_lost = !roster.empty() && in.members.empty();

      std::vector<std::string> engine_warnings;
      std::vector<std::string> full_warnings;
      auto& got = engine.compute(in, sc.cfg, engine_mem, &engine_warnings);
      auto full = compute_bank(in, sc.cfg, full_mem, &full_warnings);
      invalidate_vanished(published, full);
      auto expected_changes = changed_entries(published, full);
      published.swap(full);

      std::set<std::string> named;
      for (auto path : engine.changed())
        named.emplace(path);
      std::set<std::string> expected_named;
      for (auto& [path, v] : expected_changes)
        expected_named.insert(path);
      changes += named.size();
      // The state that outlives a computation moves in step too.
      if (engine_mem.k_charge != full_mem.k_charge
          || engine_mem.k_discharge != full_mem.k_discharge) {
        CAF_MESSAGE("seed " << seed << ", step " << step << " (" << what
                            << "): correction factors differ");
        CAF_CHECK_EQUAL(engine_mem.k_charge, full_mem.k_charge);
        CAF_CHECK_EQUAL(engine_mem.k_discharge, full_mem.k_discharge);
        CAF_FAIL("the incremental bank's memory differs");
      }
      if (got != published || named != expected_named
          || engine_warnings != full_warnings) {
        CAF_MESSAGE("seed " << seed << ", step " << step << ": mismatch");
        for (auto& [path, v] : published) {
          auto i = got.find(path);
          if (i == got.end() || i->second != v)
            CAF_MESSAGE(path << ": full " << to_string(v) << ", incremental "
                             << (i == got.end() ? std::string{"absent"}
                                                : to_string(i->second)));
        }
        for (auto& [path, v] : got)
          if (published.count(path) == 0)
            CAF_MESSAGE(path << ": only incremental " << to_string(v));
        CAF_CHECK_EQUAL(named, expected_named);
        CAF_CHECK_EQUAL(engine_warnings, full_warnings);
        CAF_FAIL("the incremental bank differs from the full computation");
      }
    }
    // The sequence did exercise the engine: values moved at every kind of
    // step, not only at the first.
    CAF_MESSAGE(changes << " changed paths");
    CAF_CHECK_GREATER(changes, 2500u);
  }
}

CAF_TEST(a virtual battery computes incrementally what it computes in full) {
  // A parallel virtual battery over three of five packs (one by its custom
  // name), the rest of the bank elsewhere: compute_virtual with the kept
  // engine, told of each update as the actor tells it, against the full
  // computation, after every step.
  for (auto seed : seeds_or_env({7, 8})) {
    CAF_MESSAGE("seed " << seed);
    scenario sc{seed};
    virtual_battery vb;
    vb.service = "com.victronenergy.battery.vb";
    vb.kind = topology::parallel;
    for (auto* name : {"com.victronenergy.battery.m0",
                       "com.victronenergy.battery.m1", "name:Pack 2"})
      vb.members.push_back({name, {}, true});
    differential d;
    auto& [sources, engine, engine_mem, full_mem, published, now] = d;
    int banked = 0;
    for (int step = 0; step < 1500; ++step) {
      auto what = sc.pick(100);
      auto& name = sc.names[sc.pick(static_cast<uint32_t>(sc.names.size()))];
      if (what < 75) {
        sc.update(name, sources, engine, now);
      } else if (what < 88) {
        sc.set_state(name, sources);
      } else if (what < 93) {
        sc.expire(name, sources);
      } else {
        now += std::chrono::milliseconds(sc.pick(12000));
      }
      now += std::chrono::milliseconds(sc.pick(300));
      bool online_a = false;
      bool online_b = false;
      auto got = compute_virtual(vb, sc.cfg, sources, engine_mem, now,
                                 &online_a, &engine);
      auto full
          = compute_virtual(vb, sc.cfg, sources, full_mem, now, &online_b);
      invalidate_vanished(published, full);
      published.swap(full);
      invalidate_vanished(published, got);
      if (got != published || online_a != online_b) {
        CAF_MESSAGE("seed " << seed << ", step " << step << ": mismatch");
        for (auto& [path, v] : published) {
          auto i = got.find(path);
          if (i == got.end() || i->second != v)
            CAF_MESSAGE(path << ": full " << to_string(v) << ", incremental "
                             << (i == got.end() ? std::string{"absent"}
                                                : to_string(i->second)));
        }
        CAF_FAIL("the virtual battery differs from its full computation");
      }
      auto members = published.find("/System/NrOfBatteries");
      if (members != published.end() && members->second.num()
          && *members->second.num() >= 2)
        ++banked;
    }
    // Most steps had a bank of two or three packs to compute.
    CAF_MESSAGE(banked << " steps with two or more members");
    CAF_CHECK_GREATER(banked, 500);
  }
}
