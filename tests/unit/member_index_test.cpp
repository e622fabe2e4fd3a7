#define CAF_SUITE member_index
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "actors/rules/bank.hpp"
#include "actors/rules/member_index.hpp"
#include "actors/rules/source_table.hpp"
#include "messages/path_table.hpp"

using namespace ba;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

/// What number_at and has_path say for `path`, as text, so that a mismatch
/// names the path and both answers.
std::string read(const member_ref& m, const std::string& path) {
  auto x = number_at(m, path);
  return path + (has_path(m, path) ? " present " : " absent ")
         + (x ? std::to_string(*x) : std::string{"none"});
}

/// Every path of the table plus one outside it, read with and without the
/// index: the index must never change an answer.
void check_same(const value_map& values, const member_index& index) {
  std::vector<std::string> paths{"/Not/In/The/Table"};
  for (auto& row : path_table())
    paths.emplace_back(row.path);
  for (auto& path : paths)
    CAF_CHECK_EQUAL(read(member_ref{&values, &index}, path),
                    read(member_ref{&values}, path));
}

} // namespace

CAF_TEST(rows are the path table order and unknown paths have none) {
  auto& table = path_table();
  CAF_CHECK_EQUAL(path_row(table.front().path), 0);
  CAF_CHECK_EQUAL(path_row(table.back().path),
                  static_cast<int>(table.size()) - 1);
  CAF_CHECK_EQUAL(path_row("/Dc/0/Voltage"),
                  path_row(std::string{"/Dc/0/Voltage"}));
  CAF_CHECK_EQUAL(path_row("/Not/In/The/Table"), -1);
  CAF_CHECK_EQUAL(path_row(""), -1);
}

CAF_TEST(the index answers as the map for every kind of value) {
  value_map values{
      {"/Dc/0/Voltage", value::real(52.1)},
      {"/Dc/0/Current", value::integer(-3)},
      {"/Soc", value::invalid()},
      {"/Info/ChargeMode", value::text("Bulk")},
      {"/Dc/0/Power", value::real(nan)},
      {"/Dc/0/Temperature", value::real(-inf)},
      {"/InstalledCapacity", value::real(0)},
      {"/Not/In/The/Table", value::real(7)},
  };
  member_index index;
  CAF_CHECK(!index.built());
  // An index that is not built is not used: member_ref drops it.
  CAF_CHECK(member_ref(&values, &index).index == nullptr);
  index.rebuild(values);
  CAF_CHECK(index.built());
  CAF_CHECK(member_ref(&values, &index).index == &index);
  check_same(values, index);
  CAF_CHECK_EQUAL(read(member_ref{&values, &index}, "/Soc"),
                  "/Soc present none");
  CAF_CHECK_EQUAL(read(member_ref{&values, &index}, "/Dc/0/Voltage"),
                  "/Dc/0/Voltage present 52.100000");
  CAF_CHECK_EQUAL(read(member_ref{&values, &index}, "/Soh"),
                  "/Soh absent none");
  // A path outside the table is read from the map.
  CAF_CHECK_EQUAL(read(member_ref{&values, &index}, "/Not/In/The/Table"),
                  "/Not/In/The/Table present 7.000000");
  // No map, no data, index or not.
  CAF_CHECK_EQUAL(read(member_ref{nullptr, &index}, "/Dc/0/Voltage"),
                  "/Dc/0/Voltage absent none");
}

CAF_TEST(source_table keeps the index in step with the values) {
  // Random partial updates and snapshots of random values at random paths:
  // after each one, the index must answer exactly as the map.
  std::mt19937 rng(7);
  std::vector<std::string> paths;
  for (auto& row : path_table())
    paths.emplace_back(row.path);
  paths.emplace_back("/Not/In/The/Table");
  auto any_value = [&]() -> value {
    switch (rng() % 6) {
      case 0:
        return value::invalid();
      case 1:
        return value::integer(static_cast<int64_t>(rng() % 5) - 2);
      case 2:
        return value::text("x");
      case 3:
        return value::real(nan);
      default:
        return value::real(static_cast<double>(rng() % 1000) / 10.0);
    }
  };
  source_table sources;
  caf::actor_clock::time_point now;
  for (int step = 0; step < 500; ++step) {
    member_update u;
    u.service = "com.victronenergy.battery.a";
    u.snapshot = step % 50 == 0;
    auto n = 1 + rng() % 10;
    for (size_t k = 0; k < n; ++k)
      u.values[paths[rng() % paths.size()]] = any_value();
    auto& t = sources.update(u, now);
    CAF_REQUIRE(t.src.index.built());
    check_same(t.src.values, t.src.index);
  }
}

CAF_TEST(the bank is the same with and without the index) {
  // compute_bank over members whose maps change at random, once reading
  // through each member's index and once through its map alone (a copy of
  // the same sources without indexes): every published value must agree.
  std::mt19937 rng(11);
  std::vector<std::string> numeric{
      "/Dc/0/Voltage",
      "/Dc/0/Current",
      "/Dc/0/Power",
      "/Dc/0/Temperature",
      "/Soc",
      "/Soh",
      "/Capacity",
      "/InstalledCapacity",
      "/ConsumedAmphours",
      "/TimeToGo",
      "/Info/MaxChargeCurrent",
      "/Info/MaxDischargeCurrent",
      "/Info/MaxChargeVoltage",
      "/Io/AllowToCharge",
      "/Io/AllowToDischarge",
      "/Io/AllowToBalance",
      "/Balancing",
      "/System/MinCellVoltage",
      "/System/MaxCellVoltage",
      "/System/NrOfCellsPerBattery",
      "/Alarms/LowVoltage",
      "/Alarms/HighTemperature",
      "/History/ChargeCycles",
      "/History/MinimumVoltage",
  };
  source_table sources;
  std::vector<std::string> names{"com.victronenergy.battery.a",
                                 "com.victronenergy.battery.b",
                                 "com.victronenergy.battery.c"};
  config cfg;
  bank_memory with_mem;
  bank_memory without_mem;
  caf::actor_clock::time_point now;
  for (int step = 0; step < 300; ++step) {
    member_update u;
    u.service = names[rng() % names.size()];
    u.snapshot = step < 3;
    for (size_t k = 0; k < 6; ++k) {
      auto& path = numeric[rng() % numeric.size()];
      auto pick = rng() % 8;
      u.values[path]
          = pick == 0   ? value::invalid()
            : pick == 1 ? value::integer(0)
                        : value::real(static_cast<double>(rng() % 2000) / 10.0);
    }
    u.values["/Info/ChargeMode"] = value::text(rng() % 2 ? "Bulk" : "Float");
    now += std::chrono::milliseconds(700);
    sources.update(u, now);
    bank_input with;
    bank_input without;
    std::map<std::string, bank_source> plain;
    for (auto& [service, t] : sources.all()) {
      with.members.emplace(service, &t.src);
      plain[service].values = t.src.values;
      plain[service].last_update = t.src.last_update;
    }
    for (auto& [service, src] : plain)
      without.members.emplace(service, &src);
    with.now = without.now = now;
    auto a = compute_bank(with, cfg, with_mem, nullptr);
    auto b = compute_bank(without, cfg, without_mem, nullptr);
    CAF_CHECK_EQUAL(a, b);
  }
}
