#define CAF_SUITE limit_text
#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include "actors/rules/limit_text.hpp"

using namespace ba;

namespace {

const std::string usb0 = "com.victronenergy.battery.ttyUSB0";
const std::string usb1 = "com.victronenergy.battery.ttyUSB1";

/// Members by service name, with their values (copied freely: the limit
/// rows are built where they are used).
using bank = std::vector<std::pair<std::string, value_map>>;

value_map pack(double ccl, double capacity, int allow = 1) {
  return {{"/Info/MaxChargeCurrent", value::real(ccl)},
          {"/Info/MaxDischargeCurrent", value::real(ccl)},
          {"/InstalledCapacity", value::real(capacity)},
          {"/Io/AllowToCharge", value::integer(allow)},
          {"/Io/AllowToDischarge", value::integer(1)}};
}

std::string text(const bank& b, limit_kind kind, ratio_method method,
                 bool dvcc_capped = false, bool all_lost = false,
                 const value* published = nullptr) {
  std::vector<limit_member> ms;
  for (auto& [service, values] : b) {
    limit_member m;
    m.service = service;
    m.values = &values;
    ms.push_back(m);
  }
  auto res = compute_current_limit(ms, kind, method, true, all_lost);
  std::string out = "stale";
  describe_limit(kind, res, ms, published ? *published : res.limit, dvcc_capped,
                 all_lost, out);
  return out;
}

} // namespace

CAF_TEST(the text names the deciding pack and rule) {
  struct row {
    const char* what;
    bank b;
    limit_kind kind;
    ratio_method method;
    std::string expected;
  };
  auto named = pack(40, 100);
  named["/CustomName"] = value::text("Stern");
  auto with_reason = pack(40, 100);
  with_reason["/Info/ChargeLimitation"] = value::text("Cell Voltage");
  std::vector<row> rows{
      {"the smallest share limits",
       bank{{{usb0, pack(100, 100)}, {usb1, pack(40, 100)}}},
       limit_kind::charge, ratio_method::capacity,
       "ttyUSB1: BMS limit x capacity share"},
      {"count method", bank{{{usb0, pack(100, 100)}, {usb1, pack(40, 100)}}},
       limit_kind::charge, ratio_method::count,
       "ttyUSB1: BMS limit x count share"},
      {"a custom name is the label",
       bank{{{usb0, pack(100, 100)}, {usb1, named}}}, limit_kind::charge,
       ratio_method::capacity, "Stern: BMS limit x capacity share"},
      {"the member's own reason is kept",
       bank{{{usb0, pack(100, 100)}, {usb1, with_reason}}}, limit_kind::charge,
       ratio_method::capacity,
       "ttyUSB1: BMS limit x capacity share (Cell Voltage)"},
      {"its charge reason does not explain the discharge limit",
       bank{{{usb0, pack(100, 100)}, {usb1, with_reason}}},
       limit_kind::discharge, ratio_method::capacity,
       "ttyUSB1: BMS limit x capacity share"},
      {"a gated pack is left out",
       bank{{{usb0, pack(10, 100, 0)}, {usb1, pack(40, 100)}}},
       limit_kind::charge, ratio_method::capacity,
       "ttyUSB1: BMS limit x capacity share"},
      {"all gated: named",
       bank{{{usb0, pack(10, 100, 0)}, {usb1, pack(40, 100, 0)}}},
       limit_kind::charge, ratio_method::capacity,
       "AllowToCharge 0 on ttyUSB0, ttyUSB1"},
  };
  for (auto& x : rows) {
    CAF_MESSAGE(x.what);
    CAF_CHECK_EQUAL(text(x.b, x.kind, x.method), x.expected);
  }
}

CAF_TEST(the text says when no pack decides) {
  bank gone;
  CAF_CHECK_EQUAL(
      text(gone, limit_kind::charge, ratio_method::capacity, false, true),
      "all batteries lost");
  bank b{{{usb0, pack(40, 100)}}};
  CAF_CHECK_EQUAL(
      text(b, limit_kind::charge, ratio_method::capacity, true, false),
      "DVCC max charge current");
  auto invalid = value::invalid();
  CAF_CHECK_EQUAL(text(b, limit_kind::charge, ratio_method::capacity, false,
                       false, &invalid),
                  "no limit: no member publishes one");
  bank bad{{{usb0, {{"/Info/MaxChargeCurrent", value::real(-1)}}}}};
  CAF_CHECK_EQUAL(text(bad, limit_kind::charge, ratio_method::capacity),
                  "no member has a valid limit");
}

CAF_TEST(the text does not move with the numbers) {
  bank a{{{usb0, pack(100, 100)}, {usb1, pack(40, 100)}}};
  bank b{{{usb0, pack(97.3, 100)}, {usb1, pack(38.1, 100)}}};
  CAF_CHECK_EQUAL(text(a, limit_kind::charge, ratio_method::capacity),
                  text(b, limit_kind::charge, ratio_method::capacity));
}

CAF_TEST(the text is at most 100 bytes and never splits a character) {
  auto long_name = pack(40, 100);
  // 60 two-byte characters: 120 bytes.
  std::string name;
  for (int k = 0; k < 60; ++k)
    name += "\u00e9";
  long_name["/CustomName"] = value::text(name);
  bank b{{{usb0, pack(100, 100)}, {usb1, long_name}}};
  auto s = text(b, limit_kind::charge, ratio_method::capacity);
  CAF_CHECK_LESS_OR_EQUAL(s.size(), max_limitation_text);
  CAF_CHECK_EQUAL(s.size() % 2, 0u); // whole two-byte characters only
  CAF_CHECK_EQUAL(s.substr(0, 2), "\u00e9");
}
