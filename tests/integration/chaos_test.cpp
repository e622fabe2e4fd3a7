// Chaos end to end: eight simulated sources and a few hundred random
// events (start, Quit, SIGSTOP/SIGCONT, ReleaseName/ClaimName, invalid,
// odd-typed and absurd values, /Connected flips), with invariants checked
// after every event (product.md §1.1, §2.3, §5).
//
// The events are drawn from a seeded std::mt19937; the seed is printed at
// the start and BA_CHAOS_SEED=<seed> replays the same sequence of events
// (the timing of the daemon's reactions is of course not replayed).

#define CAF_SUITE chaos
#include <caf/test/unit_test.hpp>

#include "tests/integration/polling.hpp"
#include "tests/integration/scenario.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

using namespace ba::test;

namespace {

const std::string agg = aggregator_name;

const std::string chaos_config
    = R"({"startupBatteryWait": 1, "staleTimeout": 2, "reconnectTimeout": 0,)"
      R"( "logLevel": "INFO"})";

/// The event budget: at least min_events, aiming for target_events (about
/// 50 s), and the event loop stops after loop_budget().
constexpr int min_events = 300;
constexpr int target_events = 1000;

/// CAF's watchdog (-r, 30 s per test unless given; ctest passes 120) aborts
/// the whole binary, so the event loop leaves room below it for start-up
/// and the final checks: with the default 30 s that is still about 350
/// events.
clock_type::duration loop_budget() {
  auto limit = caf::test::engine::max_runtime();
  if (limit <= 0)
    return 150s; // no watchdog: the 3-minute bound of the whole test
  return std::min<clock_type::duration>(150s, std::chrono::seconds(limit - 12));
}

/// How long after the model stops counting a source the daemon may still
/// legitimately count it: the signal (NameOwnerChanged, ItemsChanged) has
/// to reach it and the next publish cycle has to go out.
constexpr auto model_lag = 1500ms;

/// A source as the test's model sees it.
struct chaos_source {
  std::string name;
  double capacity;
  double ccl;
  bool walk;
  child_process* proc = nullptr; // the current process, if ever started
  std::string unique;   // its unique connection name: works without the name
  bool alive = false;   // process running (possibly stopped)
  bool stopped = false; // SIGSTOPped
  bool owns_name = false;
  bool connected = true;
  bool ccl_valid = true;
  time_point eligible_until{}; // last moment the model counted its CCL
  time_point stopped_at{};
  int cont_after_event = 0; // SIGCONT only from this event number on

  /// May contribute to CCL: a stopped source may, until the daemon has
  /// found it stale (staleTimeout + 2 s probe) and beyond if it continues.
  bool eligible() const {
    return alive && owns_name && connected && ccl_valid;
  }
  /// Can answer a method call now.
  bool callable() const {
    return alive && !stopped;
  }
};

enum class event_kind {
  start,
  quit,
  stop,
  cont,
  release,
  claim,
  invalid,
  odd_type,
  connected_flip,
  absurd,
  restore,
};

constexpr std::array<std::pair<event_kind, int>, 11> event_weights{{
    {event_kind::start, 10},
    {event_kind::quit, 5},
    {event_kind::stop, 6},
    {event_kind::cont, 8},
    {event_kind::release, 5},
    {event_kind::claim, 8},
    {event_kind::invalid, 10},
    {event_kind::odd_type, 10},
    {event_kind::connected_flip, 8},
    {event_kind::absurd, 10},
    {event_kind::restore, 8},
}};

const char* to_string(event_kind k) {
  switch (k) {
    case event_kind::start:
      return "start";
    case event_kind::quit:
      return "quit";
    case event_kind::stop:
      return "SIGSTOP";
    case event_kind::cont:
      return "SIGCONT";
    case event_kind::release:
      return "ReleaseName";
    case event_kind::claim:
      return "ClaimName";
    case event_kind::invalid:
      return "invalid";
    case event_kind::odd_type:
      return "odd type";
    case event_kind::connected_flip:
      return "Connected flip";
    case event_kind::absurd:
      return "absurd";
    default:
      return "restore";
  }
}

/// Whether event `k` can be applied to `s` now, as event number `event`.
/// At most two sources are stopped at once, each for the number of events
/// drawn when it was stopped, and no method call ever goes to a stopped one
/// (it would hang for the full call timeout).
bool applies(event_kind k, const chaos_source& s, int stopped_count,
             int event) {
  switch (k) {
    case event_kind::start:
      return !s.alive;
    case event_kind::stop:
      return s.callable() && stopped_count < 2;
    case event_kind::cont:
      return s.alive && s.stopped && event >= s.cont_after_event;
    case event_kind::release:
      return s.callable() && s.owns_name;
    case event_kind::claim:
      return s.callable() && !s.owns_name;
    default:
      return s.callable();
  }
}

uint64_t chaos_seed() {
  if (auto env = std::getenv("BA_CHAOS_SEED"); env != nullptr && *env != '\0')
    return std::strtoull(env, nullptr, 0);
  return std::random_device{}();
}

/// ClaimName on the simulator's own connection (the harness has no helper:
/// it must go to the unique name, the well-known one has no owner).
int32_t sim_claim_name(bus_client& c, const std::string& unique) {
  auto proxy = sdbus::createProxy(c.connection(), unique, "/");
  auto msg = proxy->createMethodCall(sim_interface, "ClaimName");
  auto reply = proxy->callMethod(
      msg, std::chrono::duration_cast<std::chrono::microseconds>(
               bus_client::call_timeout));
  int32_t result = -1;
  reply >> result;
  return result;
}

class chaos_run {
 public:
  chaos_run(scenario& s, uint64_t seed)
      : s_(s), c_(s.client()), seed_(seed),
        rng_(static_cast<std::mt19937::result_type>(seed)) {
    // Different capacities and limits, half of them moving. The walkers get
    // their own seeds, so that they do not move in lockstep.
    const std::vector<std::tuple<double, double, bool>> specs{
        {100, 50, true}, {200, 100, false}, {280, 140, true}, {50, 25, false},
        {100, 70, true}, {300, 150, false}, {150, 60, true},  {120, 40, false}};
    for (size_t i = 0; i < specs.size(); ++i) {
      chaos_source src;
      src.name = "com.victronenergy.battery.chaos_" + std::to_string(i);
      std::tie(src.capacity, src.ccl, src.walk) = specs[i];
      sources_.push_back(src);
    }
  }

  void run() {
    // Six of eight at the start; the others appear through start events.
    for (size_t i = 0; i < 6; ++i)
      start(sources_[i]);
    daemon_ = &start_aggregator(s_, chaos_config);
    BA_REQUIRE(c_.wait_for_owner(agg, 10s));
    // The aggregate had its first owner before this mark: any
    // NameOwnerChanged for it from here on is a failure.
    agg_mark_ = c_.mark();
    wait_until(
        [&] {
          return c_.get_value(agg, "/System/NrOfBatteries")
                 == wire_value::int32(6);
        },
        eventually);

    auto budget = loop_budget();
    auto t0 = clock_type::now();
    while (events_ < target_events && clock_type::now() - t0 < budget
           && failures_ < 20) {
      ++events_;
      one_event();
      if (!daemon_->running()) {
        fail("the daemon is not running any more: " + daemon_->describe());
        break;
      }
    }
    auto loop_ms = ms_between(t0, clock_type::now());
    finish();
    auto total_ms = ms_between(t0, clock_type::now());

    std::ostringstream counts;
    for (auto& [kind, n] : kind_counts_)
      counts << " " << to_string(kind) << "=" << n;
    CAF_MESSAGE("chaos seed " << seed_ << ": " << events_ << " events in "
                              << loop_ms << " ms (" << total_ms
                              << " ms with the final checks);" << counts.str());
    CAF_MESSAGE("chaos seed " << seed_ << ": " << checks_ << " checks, "
                              << ccl_checks_ << " with a valid CCL, highest "
                              << "CCL/bound " << max_ccl_ratio_ << ", "
                              << long_stops_ << " stops longer than 4 s, "
                              << "longest " << longest_stop_ms_ << " ms");
    if (events_ < min_events)
      fail("only " + std::to_string(events_) + " events within "
           + std::to_string(ms_between(t0, t0 + budget)) + " ms (raise -r)");
  }

 private:
  std::string tag() const {
    return "seed " + std::to_string(seed_) + " event "
           + std::to_string(events_);
  }

  void fail(const std::string& what) {
    ++failures_;
    report_failure(tag() + " (" + last_event_ + "): " + what);
  }

  int stopped_count() const {
    return static_cast<int>(
        std::count_if(sources_.begin(), sources_.end(),
                      [](const chaos_source& x) { return x.stopped; }));
  }

  void refresh(time_point now) {
    for (auto& src : sources_)
      if (src.eligible())
        src.eligible_until = now;
  }

  /// Stops longer than staleTimeout + 2 s exercise the stale path, shorter
  /// ones the "still online" side: the summary shows how many of each.
  void note_stop_length(const chaos_source& src) {
    auto stopped_ms = ms_between(src.stopped_at, clock_type::now());
    longest_stop_ms_ = std::max(longest_stop_ms_, stopped_ms);
    if (stopped_ms > 4000)
      ++long_stops_;
  }

  void start(chaos_source& src) {
    auto args
        = set_args({{"/InstalledCapacity", "d:" + std::to_string(src.capacity)},
                    {"/Info/MaxChargeCurrent", "d:" + std::to_string(src.ccl)},
                    {"/Dc/0/Current", "d:-2"}});
    if (src.walk) {
      args.insert(args.end(), {"--walk", "2", "--seed",
                               std::to_string(rng_() % 100000 + 1)});
    }
    src.proc = &s_.start_battery(src.name, args);
    src.unique = c_.name_owner(src.name);
    src.alive = true;
    src.stopped = false;
    src.owns_name = true;
    src.connected = true;
    src.ccl_valid = true;
  }

  void set(chaos_source& src,
           const std::vector<std::pair<std::string, wire_value>>& items) {
    auto result = c_.sim_set_items(src.unique, items);
    if (result != 0)
      fail("SetItems on " + src.name + " returned " + std::to_string(result));
  }

  template <class T>
  const T& pick(const std::vector<T>& xs) {
    return xs[std::uniform_int_distribution<size_t>(0, xs.size() - 1)(rng_)];
  }

  void one_event() {
    // Draw a kind, then a source it applies to; redraw while none does.
    int total = 0;
    for (auto& kw : event_weights)
      total += kw.second;
    event_kind kind = event_kind::restore;
    chaos_source* src = nullptr;
    for (int attempt = 0; attempt < 100 && src == nullptr; ++attempt) {
      auto r = std::uniform_int_distribution<int>(0, total - 1)(rng_);
      for (auto& kw : event_weights) {
        if (r < kw.second) {
          kind = kw.first;
          break;
        }
        r -= kw.second;
      }
      std::vector<chaos_source*> candidates;
      for (auto& x : sources_)
        if (applies(kind, x, stopped_count(), events_))
          candidates.push_back(&x);
      if (!candidates.empty())
        src = pick(candidates);
    }
    if (src == nullptr) {
      fail("no applicable event");
      return;
    }
    ++kind_counts_[kind];
    refresh(clock_type::now());
    last_event_ = std::string{to_string(kind)} + " " + src->name;
    try {
      apply(kind, *src);
    } catch (const std::exception& e) {
      fail(std::string{"the event itself failed: "} + e.what());
    }
    auto settle = std::uniform_int_distribution<int>(30, 60)(rng_);
    std::this_thread::sleep_for(std::chrono::milliseconds(settle));
    check();
  }

  void apply(event_kind kind, chaos_source& src) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    constexpr double inf = std::numeric_limits<double>::infinity();
    switch (kind) {
      case event_kind::start:
        start(src);
        break;
      case event_kind::quit:
        c_.sim_quit(src.unique);
        if (!src.proc->wait_exit(3s)) {
          fail(src.name + " did not exit after Quit");
          src.proc->kill();
        }
        src.alive = false;
        src.owns_name = false;
        break;
      case event_kind::stop:
        src.proc->signal(SIGSTOP);
        src.stopped = true;
        src.stopped_at = clock_type::now();
        // Half the stops are short (the source must stay online: the probe
        // has not timed out yet), half last 100-200 events, several seconds
        // at about 50 ms per event, so that the daemon finds them stale.
        // Counted in events, not time, so that a seed replays the same
        // sequence.
        src.cont_after_event
            = events_
              + (std::bernoulli_distribution(0.5)(rng_)
                     ? std::uniform_int_distribution<int>(1, 20)(rng_)
                     : std::uniform_int_distribution<int>(100, 200)(rng_));
        break;
      case event_kind::cont:
        src.proc->signal(SIGCONT);
        src.stopped = false;
        note_stop_length(src);
        break;
      case event_kind::release:
        c_.sim_release_name(src.unique);
        src.owns_name = false;
        break;
      case event_kind::claim: {
        auto result = sim_claim_name(c_, src.unique);
        if (result != 0)
          fail("ClaimName for " + src.name + " returned "
               + std::to_string(result));
        src.owns_name = result == 0;
        break;
      }
      case event_kind::invalid: {
        auto path = pick(std::vector<std::string>{
            "/Soc", "/Dc/0/Voltage", "/Dc/0/Current", "/InstalledCapacity",
            "/Info/MaxChargeCurrent"});
        last_event_ += " " + path;
        set(src, {{path, wire_value::invalid("ai")}});
        if (path == "/Info/MaxChargeCurrent")
          src.ccl_valid = false;
        break;
      }
      case event_kind::odd_type: {
        auto k = std::uniform_int_distribution<int>(20, 90)(rng_);
        auto choice = std::uniform_int_distribution<int>(0, 4)(rng_);
        std::pair<std::string, wire_value> item;
        if (choice == 0)
          item = {"/Soc", wire_value::uint32(static_cast<uint32_t>(k))};
        else if (choice == 1)
          item = {"/Soc", wire_value::byte(static_cast<uint8_t>(k))};
        else if (choice == 2)
          item = {"/Dc/0/Current", wire_value::int64(-k / 4)};
        else if (choice == 3)
          item = {"/Io/AllowToCharge", wire_value::boolean(true)};
        else
          item = {"/Info/MaxChargeCurrent",
                  wire_value::uint32(static_cast<uint32_t>(src.ccl))};
        last_event_
            += " " + item.first + "=" + ba::test::to_string(item.second);
        set(src, {item});
        if (item.first == "/Info/MaxChargeCurrent")
          src.ccl_valid = true;
        break;
      }
      case event_kind::connected_flip:
        src.connected = !src.connected;
        last_event_ += src.connected ? " to 1" : " to 0";
        set(src, {{"/Connected", wire_value::int32(src.connected ? 1 : 0)}});
        break;
      case event_kind::absurd: {
        auto item = pick(std::vector<std::pair<std::string, wire_value>>{
            {"/Soc", wire_value::dbl(150)},
            {"/Dc/0/Voltage", wire_value::dbl(5000)},
            {"/InstalledCapacity", wire_value::dbl(-100)},
            {"/Soc", wire_value::dbl(nan)},
            {"/Dc/0/Voltage", wire_value::dbl(-inf)},
            {"/Soc", wire_value::str("abc")}});
        last_event_
            += " " + item.first + "=" + ba::test::to_string(item.second);
        set(src, {item});
        break;
      }
      case event_kind::restore:
        set(src, {{"/Soc", wire_value::dbl(55)},
                  {"/Dc/0/Voltage", wire_value::dbl(52.5)},
                  {"/Dc/0/Current", wire_value::dbl(-2)},
                  {"/InstalledCapacity", wire_value::dbl(src.capacity)},
                  {"/Info/MaxChargeCurrent", wire_value::dbl(src.ccl)}});
        src.ccl_valid = true;
        break;
    }
  }

  /// The largest CCL the daemon may publish: the sum of the CCLs of every
  /// source the model counts, or counted within model_lag. With any share
  /// method, min_b(CCL_b * r_b) with sum(1/r_b) = 1 is at most sum(CCL_b);
  /// the over-current correction, the DVCC cap and the rounding only lower
  /// it.
  double ccl_bound(time_point now, std::string& who) {
    double bound = 0;
    for (auto& src : sources_) {
      if (src.eligible() || now - src.eligible_until < model_lag) {
        bound += src.ccl;
        who += " " + src.name.substr(src.name.rfind('.') + 1);
      }
    }
    return bound;
  }

  /// The daemon may publish SoC 0 only if a source reports 0; the test
  /// never sets 0, but a walker could in theory walk there.
  bool some_source_reports_zero_soc() {
    for (auto& src : sources_) {
      if (!src.callable() || !src.walk)
        continue;
      try {
        auto v = c_.get_value(src.unique, "/Soc");
        if (v.number() && std::abs(*v.number()) < 1e-9)
          return true;
      } catch (const std::exception&) {
        // Not answering: it cannot be the one reporting 0.
      }
    }
    return false;
  }

  void check() {
    ++checks_;
    auto now = clock_type::now();
    refresh(now);
    try {
      auto changes = c_.owner_changes(agg, agg_mark_);
      if (changes.size() > owner_changes_seen_) {
        for (auto i = owner_changes_seen_; i < changes.size(); ++i)
          fail("NameOwnerChanged for the aggregate: '" + changes[i].old_owner
               + "' -> '" + changes[i].new_owner + "'");
        owner_changes_seen_ = changes.size();
      }
      if (!c_.name_has_owner(agg))
        fail("the aggregate does not own its name");

      auto soc = c_.get_value(agg, "/Soc");
      if (auto x = soc.number()) {
        if (std::abs(*x) < 1e-9 && !some_source_reports_zero_soc())
          fail("/Soc is 0 (" + ba::test::to_string(soc) + ")");
        if (*x < 0 || *x > 100 + 1e-6)
          fail("/Soc out of range: " + ba::test::to_string(soc));
      }
      auto voltage = c_.get_value(agg, "/Dc/0/Voltage");
      if (auto x = voltage.number()) {
        if (std::abs(*x) < 1e-9)
          fail("/Dc/0/Voltage is 0 (" + ba::test::to_string(voltage) + ")");
        if (std::abs(*x) > 1000)
          fail("/Dc/0/Voltage is absurd: " + ba::test::to_string(voltage));
      }
      auto ccl = c_.get_value(agg, "/Info/MaxChargeCurrent");
      if (auto x = ccl.number()) {
        ++ccl_checks_;
        std::string who;
        auto bound = ccl_bound(now, who);
        if (bound > 0)
          max_ccl_ratio_ = std::max(max_ccl_ratio_, *x / bound);
        if (*x > bound + 0.1 + 1e-6) {
          std::ostringstream out;
          out << "/Info/MaxChargeCurrent " << *x << " exceeds the bound "
              << bound << " (sources counted by the model:" << who << ")";
          fail(out.str());
        }
      }
    } catch (const std::exception& e) {
      fail(std::string{"a check call failed: "} + e.what());
    }
  }

  void finish() {
    last_event_ = "final";
    if (!daemon_->running())
      return; // already reported; nothing left to check
    // SIGCONT every stopped source before the end.
    for (auto& src : sources_) {
      if (src.stopped) {
        src.proc->signal(SIGCONT);
        src.stopped = false;
        note_stop_length(src);
      }
    }
    // Converged: the members counting are exactly the live, named,
    // connected sources (stale ones return within the probe retry).
    auto expected = static_cast<int32_t>(std::count_if(
        sources_.begin(), sources_.end(), [](const chaos_source& x) {
          return x.alive && x.owns_name && x.connected;
        }));
    auto count = poll_value(c_, agg, "/System/NrOfBatteries",
                            equals(wire_value::int32(expected)), 8s);
    if (count != wire_value::int32(expected))
      fail("NrOfBatteries " + ba::test::to_string(count) + " after settling, "
           + "the model counts " + std::to_string(expected));
    check();
    if (!daemon_->running()) {
      fail("the daemon is not running at the end");
      return;
    }
    auto mark = c_.mark();
    auto sent = clock_type::now();
    auto code = daemon_->terminate(5s);
    auto exit_ms = ms_between(sent, daemon_->exited_at());
    CAF_MESSAGE("chaos seed " << seed_ << ": SIGTERM -> exit " << code
                              << " after " << exit_ms << " ms");
    if (code != 0)
      fail("exit code " + std::to_string(code) + " on SIGTERM");
    if (exit_ms >= 2000)
      fail("exit took " + std::to_string(exit_ms) + " ms after SIGTERM");
    auto released = c_.wait_for_owner_change(
        agg, [](const owner_change& oc) { return oc.new_owner.empty(); }, 2s,
        mark);
    if (!released)
      fail("the aggregate's name was not released on SIGTERM");
  }

  scenario& s_;
  bus_client& c_;
  uint64_t seed_;
  std::mt19937 rng_;
  std::vector<chaos_source> sources_;
  child_process* daemon_ = nullptr;
  uint64_t agg_mark_ = 0;
  size_t owner_changes_seen_ = 0;
  int events_ = 0;
  int failures_ = 0;
  int checks_ = 0;
  int ccl_checks_ = 0;
  double max_ccl_ratio_ = 0;
  double longest_stop_ms_ = 0;
  int long_stops_ = 0;
  std::string last_event_ = "start-up";
  std::map<event_kind, int> kind_counts_;
};

} // namespace

CAF_TEST(random source faults never break the aggregate) {
  auto seed = chaos_seed();
  CAF_MESSAGE("chaos seed " << seed << " (replay with BA_CHAOS_SEED=" << seed
                            << ")");
  run_scenario([seed](scenario& s) { chaos_run{s, seed}.run(); });
}
