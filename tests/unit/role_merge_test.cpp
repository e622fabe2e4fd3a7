#define CAF_SUITE role_merge
#include <caf/test/unit_test.hpp>

#include "tests/unit/rule_table.hpp"
#include "tests/unit/rule_test_support.hpp"

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "actors/rules/role_merge.hpp"

// Table-driven tests of the primary/auxiliary merge (product.md 2.2). Each
// row describes the member aggregate, the primaries and the auxiliaries, and
// the complete expected output map.

using namespace ba;
// Not the whole ba::test: this suite compares maps with its own `result`.
using ba::test::i;
using ba::test::r;
using ba::test::t;

namespace {

const value none = value::invalid();
const value nan = value::real(std::numeric_limits<double>::quiet_NaN());

/// Renders a map as one line with kinds, so a failing row shows both maps
/// whole: `/Soc=real 50; /X=---`.
std::string render(const value_map& m) {
  std::ostringstream os;
  bool first = true;
  for (auto& [path, v] : m) {
    os << (first ? "" : "; ") << path << "=";
    first = false;
    if (v.kind == value_kind::real)
      os << "real " << std::setprecision(12) << v.number;
    else if (v.kind == value_kind::integer)
      os << "int " << ba::to_string(v);
    else
      os << ba::to_string(v);
  }
  return os.str();
}

/// A labelled map; equal when the path sets, kinds and values match.
struct result {
  std::string label;
  value_map m;
};

bool same(const value& x, const value& y) {
  if (x.kind != y.kind)
    return false;
  if (x.kind == value_kind::text)
    return x.str == y.str;
  if (x.kind == value_kind::invalid)
    return true;
  if (!std::isfinite(x.number) || !std::isfinite(y.number))
    return false; // the merge must never publish NaN or Inf
  return x.number == y.number;
}

bool operator==(const result& x, const result& y) {
  if (x.m.size() != y.m.size())
    return false;
  for (auto& [path, v] : x.m) {
    auto it = y.m.find(path);
    if (it == y.m.end() || !same(v, it->second))
      return false;
  }
  return true;
}

std::string to_string(const result& x) {
  return x.label + ": {" + render(x.m) + "}";
}

/// A source as a table row writes it: config entry, on the bus or not, and
/// its values.
struct src {
  std::vector<std::string> paths; ///< empty = all paths
  value_map values;
  bool on_bus = true;
};

struct row {
  std::string label;
  value_map aggregate;
  std::vector<src> primaries;
  std::vector<src> auxiliaries;
  value_map expected;
};

/// Owns the source_refs and builds the role_source lists.
struct roles {
  std::vector<source_ref> refs;
  std::vector<role_source> primaries;
  std::vector<role_source> auxiliaries;

  roles(const std::vector<src>& ps, const std::vector<src>& as) {
    for (auto* list : {&ps, &as})
      for (auto& s : *list) {
        source_ref ref;
        ref.name = "com.victronenergy.battery.s" + std::to_string(refs.size());
        ref.paths = s.paths;
        ref.all_paths = s.paths.empty();
        refs.push_back(std::move(ref));
      }
    // Pointers only after `refs` stopped growing.
    size_t k = 0;
    for (auto& s : ps) {
      primaries.push_back({&refs[k++], s.on_bus ? &s.values : nullptr});
    }
    for (auto& s : as) {
      auxiliaries.push_back({&refs[k++], s.on_bus ? &s.values : nullptr});
    }
  }
};

void run_table(const std::vector<row>& rows) {
  for (auto& x : rows) {
    roles rs{x.primaries, x.auxiliaries};
    CHECK_ROW(x.label, merge_roles(x.aggregate, rs.primaries, rs.auxiliaries),
              x.expected);
  }
}

} // namespace

CAF_TEST(primaries override and auxiliaries fill) {
  std::vector<row> rows{
      {"primary overrides a valid aggregate",
       {{"/Soc", r(60)}, {"/Dc/0/Voltage", r(52)}},
       {{{"/Soc"}, {{"/Soc", r(75)}, {"/Dc/0/Voltage", r(40)}}}},
       {},
       {{"/Soc", r(75)}, {"/Dc/0/Voltage", r(52)}}},
      {"primary with all paths overrides every path it has",
       {{"/Soc", r(60)}, {"/Dc/0/Voltage", r(52)}},
       {{{}, {{"/Soc", r(75)}, {"/Dc/0/Voltage", r(51)}}}},
       {},
       {{"/Soc", r(75)}, {"/Dc/0/Voltage", r(51)}}},
      {"primary invalid -> aggregate",
       {{"/Soc", r(60)}},
       {{{"/Soc"}, {{"/Soc", none}}}},
       {},
       {{"/Soc", r(60)}}},
      {"primary NaN -> aggregate",
       {{"/Soc", r(60)}},
       {{{"/Soc"}, {{"/Soc", nan}}}},
       {},
       {{"/Soc", r(60)}}},
      {"primary lacking a listed path -> aggregate",
       {{"/Soc", r(60)}},
       {{{"/Soc"}, {{"/Dc/0/Voltage", r(40)}}}},
       {},
       {{"/Soc", r(60)}}},
      {"primary text on a numeric table path -> aggregate",
       {{"/Soc", r(60)}},
       {{{"/Soc"}, {{"/Soc", t("75%")}}}},
       {},
       {{"/Soc", r(60)}}},
      {"aggregate invalid -> auxiliary",
       {{"/Soc", none}},
       {},
       {{{"/Soc"}, {{"/Soc", r(42)}}}},
       {{"/Soc", r(42)}}},
      {"aggregate valid -> auxiliary ignored",
       {{"/Soc", r(60)}},
       {},
       {{{}, {{"/Soc", r(42)}}}},
       {{"/Soc", r(60)}}},
      {"auxiliary listing only /Info/Location passes it through",
       {{"/Soc", none}},
       {},
       {{{"/Info/Location"}, {{"/Info/Location", t("Boat")}, {"/Soc", r(42)}}}},
       {{"/Soc", none}, {"/Info/Location", t("Boat")}}},
      {"primary listing a path the aggregate lacks passes it through",
       {{"/Soc", r(60)}},
       {{{"/Info/Location"}, {{"/Info/Location", t("Shed")}}}},
       {},
       {{"/Soc", r(60)}, {"/Info/Location", t("Shed")}}},
      {"two primaries: config order wins",
       {{"/Soc", r(60)}},
       {{{"/Soc"}, {{"/Soc", r(70)}}}, {{"/Soc"}, {{"/Soc", r(80)}}}},
       {},
       {{"/Soc", r(70)}}},
      {"two primaries: first invalid -> second",
       {{"/Soc", r(60)}},
       {{{"/Soc"}, {{"/Soc", none}}}, {{"/Soc"}, {{"/Soc", r(80)}}}},
       {},
       {{"/Soc", r(80)}}},
      {"two primaries: first does not list the path -> second",
       {{"/Soc", r(60)}},
       {{{"/Dc/0/Voltage"}, {{"/Soc", r(70)}}}, {{"/Soc"}, {{"/Soc", r(80)}}}},
       {},
       {{"/Soc", r(80)}, {"/Dc/0/Voltage", none}}},
      {"two auxiliaries: config order wins",
       {{"/Soc", none}},
       {},
       {{{"/Soc"}, {{"/Soc", r(30)}}}, {{"/Soc"}, {{"/Soc", r(40)}}}},
       {{"/Soc", r(30)}}},
      {"primary that left the bus stops contributing",
       {{"/Soc", r(60)}},
       {{{"/Soc"}, {{"/Soc", r(99)}}, false}},
       {},
       {{"/Soc", r(60)}}},
      {"its pass-through path turns invalid rather than vanishing",
       {{"/Soc", r(60)}},
       {{{"/Info/Location"}, {{"/Info/Location", t("Shed")}}, false}},
       {},
       {{"/Soc", r(60)}, {"/Info/Location", none}}},
      {"auxiliary that left the bus stops contributing",
       {{"/Soc", none}},
       {},
       {{{}, {{"/Soc", r(30)}}, false}},
       {{"/Soc", none}}},
      {"nothing valid anywhere -> present and invalid",
       {{"/Soc", none}},
       {{{"/Soc"}, {{"/Soc", none}}}},
       {{{"/Soc"}, {{"/Soc", nan}}}},
       {{"/Soc", none}}},
      {"a primary's text wins on a text path",
       {{"/Info/ChargeMode", t("Bulk")}},
       {{{}, {{"/Info/ChargeMode", t("Float")}}}},
       {},
       {{"/Info/ChargeMode", t("Float")}}},
      {"paths outside the path table pass with their own kind",
       {},
       {{{}, {{"/ConnectionInformation", t("CAN 500k")}}}},
       {{{}, {{"/Balancer/Status", i(1)}}}},
       {{"/ConnectionInformation", t("CAN 500k")}, {"/Balancer/Status", i(1)}}},
      {"charge limits are overridden too",
       {{"/Info/MaxChargeCurrent", r(100)}, {"/Info/MaxChargeVoltage", r(55)}},
       {{{"/Info/MaxChargeCurrent"}, {{"/Info/MaxChargeCurrent", r(50)}}}},
       {},
       {{"/Info/MaxChargeCurrent", r(50)}, {"/Info/MaxChargeVoltage", r(55)}}},
      {"integer kind is kept",
       {},
       {{{}, {{"/Alarms/LowSoc", i(2)}}}},
       {},
       {{"/Alarms/LowSoc", i(2)}}},
  };
  run_table(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

CAF_TEST(identity paths are never copied from a source) {
  value_map identity{
      {"/Mgmt/ProcessName", t("dbus-serialbattery")},
      {"/Mgmt/Connection", t("ttyUSB0")},
      {"/DeviceInstance", i(512)},
      {"/ProductId", i(0xB004)},
      {"/ProductName", t("JK BMS")},
      {"/FirmwareVersion", t("1.2")},
      {"/HardwareVersion", t("v3")},
      {"/Serial", t("123")},
      {"/Connected", i(1)},
      {"/CustomName", t("Shunt")},
      {"/LogLevel", t("DEBUG")},
      {"/Redetect", i(0)},
      {"/System/NrOfBatteries", i(1)},
      {"/System/BatteriesParallel", i(1)},
      {"/System/BatteriesSeries", i(1)},
      {"/System/NrOfBatteriesKnown", i(1)},
      {"/System/MissingBatteries", t("[]")},
      {"/System/Batteries", t("[]")},
      {"/System/InternalResistances", t("[]")},
      {"/System/EMFs", t("[]")},
  };
  value_map with_soc = identity;
  with_soc["/Soc"] = r(80);
  std::vector<std::string> listed;
  for (auto& kv : identity)
    listed.push_back(kv.first);
  listed.push_back("/Soc");
  std::vector<row> rows{
      {"all-paths primary: only the battery path",
       {{"/Soc", r(60)}},
       {{{}, with_soc}},
       {},
       {{"/Soc", r(80)}}},
      {"explicitly listed identity paths are still refused",
       {{"/Soc", r(60)}},
       {{listed, with_soc}},
       {},
       {{"/Soc", r(80)}}},
      {"all-paths auxiliary: only the battery path",
       {{"/Soc", none}},
       {},
       {{{}, with_soc}},
       {{"/Soc", r(80)}}},
      {"the aggregate's own identity-like paths are kept",
       {{"/System/NrOfBatteries", i(3)}, {"/System/Batteries", t("[\"a\"]")}},
       {{{}, identity}},
       {},
       {{"/System/NrOfBatteries", i(3)}, {"/System/Batteries", t("[\"a\"]")}}},
  };
  run_table(rows);
  size_t n = 0;
  for (auto& kv : identity) {
    CAF_CHECK(is_identity_path(kv.first));
    ++n;
  }
  for (auto* p : {"/Soc", "/Dc/0/Voltage", "/Info/Location", "/Mgmt",
                  "/System/NrOfCellsPerBattery", "/System/MinCellVoltage",
                  "/Alarms/BmsCable", "/Info/MaxChargeCurrent", "/CustomNameX",
                  "/Mgmtx/Foo"}) {
    CAF_CHECK(!is_identity_path(p));
    ++n;
  }
  CAF_MESSAGE(rows.size() << " rows, " << n << " identity checks");
}

CAF_TEST(source lists explicit paths or every path it has) {
  source_ref all;
  source_ref some;
  some.all_paths = false;
  some.paths = {"/Soc", "/Serial"};
  value_map v{{"/Soc", r(1)}, {"/Dc/0/Voltage", r(2)}, {"/Serial", t("x")}};
  role_source a{&all, &v};
  role_source s{&some, &v};
  role_source gone{&all, nullptr};
  role_source gone_some{&some, nullptr};
  role_source no_ref{nullptr, &v};
  CAF_CHECK(source_lists(a, "/Soc"));
  CAF_CHECK(source_lists(a, "/Dc/0/Voltage"));
  CAF_CHECK(!source_lists(a, "/Info/Location"));
  CAF_CHECK(!source_lists(a, "/Serial"));
  CAF_CHECK(source_lists(s, "/Soc"));
  CAF_CHECK(!source_lists(s, "/Dc/0/Voltage"));
  CAF_CHECK(!source_lists(s, "/Serial"));
  CAF_CHECK(!source_lists(gone, "/Soc"));
  CAF_CHECK(source_lists(gone_some, "/Soc")); // listed, though it gives nothing
  CAF_CHECK(!source_lists(no_ref, "/Soc"));
  auto out = merge_roles({}, {no_ref}, {});
  CHECK_ROW("a source without config contributes nothing", out, value_map{});
}

CAF_TEST(only changed entries are passed on) {
  value_map previous{{"/Soc", r(50)},
                     {"/Dc/0/Current", r(-5)},
                     {"/Alarms/LowSoc", i(0)},
                     {"/Info/Location", t("Boat")}};
  CHECK_ROW("nothing changed", changed_entries(previous, previous),
            value_map{});
  CHECK_ROW("from nothing, everything", changed_entries({}, previous),
            previous);
  value_map next{{"/Soc", r(51)},
                 {"/Dc/0/Current", r(-5)},
                 {"/Alarms/LowSoc", r(0)},
                 {"/Info/Location", none},
                 {"/Capacity", r(100)}};
  CHECK_ROW("changed value, changed kind, now invalid, new path",
            changed_entries(previous, next),
            (value_map{{"/Soc", r(51)},
                       {"/Alarms/LowSoc", r(0)},
                       {"/Info/Location", none},
                       {"/Capacity", r(100)}}));
  CHECK_ROW("a path missing from next is not reported",
            changed_entries(previous, value_map{{"/Soc", r(50)}}), value_map{});
}

CAF_TEST(vanished paths are invalidated) {
  value_map previous{
      {"/Soc", r(50)}, {"/Info/Location", t("Boat")}, {"/Alarms/LowSoc", i(2)}};
  value_map next{{"/Soc", r(55)}};
  invalidate_vanished(previous, next);
  CHECK_ROW("gone paths invalid, present paths kept", next,
            (value_map{{"/Soc", r(55)},
                       {"/Info/Location", none},
                       {"/Alarms/LowSoc", none}}));
  value_map same{{"/Soc", r(55)}};
  invalidate_vanished({}, same);
  CHECK_ROW("empty previous changes nothing", same,
            (value_map{{"/Soc", r(55)}}));
}
