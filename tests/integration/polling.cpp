#include "tests/integration/polling.hpp"

#include <algorithm>
#include <exception>

#include "tests/integration/text.hpp"

namespace ba::test {

namespace {

std::vector<std::string> sorted(std::vector<std::string> xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& s : sorted(xs))
    out += s + " ";
  return out;
}

/// Polls `/System/Batteries` until it lists exactly `expected` (any order);
/// returns what it saw last, sorted and joined, for the check to print.
std::string poll_batteries(bus_client& c, const std::string& service,
                           const std::vector<std::string>& expected) {
  auto want = sorted(expected);
  std::vector<std::string> seen;
  wait_until(
      [&] {
        try {
          auto text = c.get_value(service, "/System/Batteries").text();
          auto list = text ? parse_json_string_list(*text) : std::nullopt;
          seen
              = list ? sorted(*list) : std::vector<std::string>{"<not a list>"};
        } catch (const std::exception& e) {
          seen = {std::string{"<error "} + e.what() + ">"};
        }
        return seen == want;
      },
      eventually, 20ms);
  std::string out;
  for (auto& s : seen)
    out += s + " ";
  return out;
}

} // namespace

// -- polling helpers ----------------------------------------------------------

value_pred equals(wire_value expected) {
  return [expected = std::move(expected)](const wire_value& x) {
    return x == expected;
  };
}

value_pred near_d(double expected) {
  return [expected](const wire_value& x) { return close_to_d{}(x, expected); };
}

wire_value poll_value(bus_client& client, const std::string& service,
                      const std::string& path, const value_pred& pred,
                      clock_type::duration timeout) {
  wire_value last;
  wait_until(
      [&] {
        try {
          last = client.get_value(service, path);
        } catch (const std::exception&) {
          // Not there (yet): keep polling.
          last = wire_value{};
        }
        return pred(last);
      },
      timeout, 20ms);
  return last;
}
void check_count(bus_client& c, const std::string& service, int32_t n) {
  CAF_CHECK_EQUAL(poll_value(c, service, "/System/NrOfBatteries",
                             equals(wire_value::int32(n))),
                  wire_value::int32(n));
}

void check_d(bus_client& c, const std::string& service, const std::string& path,
             double expected) {
  auto v = poll_value(c, service, path, near_d(expected));
  if (!close_to_d{}(v, expected))
    CAF_MESSAGE(service << " " << path << " is " << v << ", expected "
                        << expected);
  BA_CHECK_D(v, expected);
}
void check_batteries(bus_client& c, const std::string& service,
                     const std::vector<std::string>& expected) {
  CAF_CHECK_EQUAL(poll_batteries(c, service, expected), joined(expected));
}

void require_bank(bus_client& c, int32_t n, double current) {
  BA_REQUIRE_EQUAL(poll_value(c, aggregator_name, "/System/NrOfBatteries",
                              equals(wire_value::int32(n))),
                   wire_value::int32(n));
  BA_REQUIRE_D(poll_value(c, aggregator_name, "/Dc/0/Current", near_d(current)),
               current);
}

bool wait_for_services(bus_client& c, const std::vector<std::string>& names,
                       clock_type::duration timeout) {
  bool ok = wait_until(
      [&] {
        return std::all_of(names.begin(), names.end(),
                           [&](auto& n) { return c.name_has_owner(n); });
      },
      timeout, 20ms);
  for (auto& n : names)
    if (!c.name_has_owner(n))
      CAF_MESSAGE("service never appeared on the bus: " << n);
  return ok;
}

uint64_t mark_after_claims(bus_client& c,
                           const std::vector<std::string>& names) {
  for (auto& n : names)
    c.wait_for_owner_change(
        n, [](const owner_change& oc) { return !oc.new_owner.empty(); },
        eventually);
  return c.mark();
}

bool no_owner_change(bus_client& c, const std::string& name, uint64_t since) {
  auto changes = c.owner_changes(name, since);
  for (auto& oc : changes)
    CAF_MESSAGE("NameOwnerChanged for " << name << ": '" << oc.old_owner
                                        << "' -> '" << oc.new_owner << "'");
  return changes.empty();
}
} // namespace ba::test
