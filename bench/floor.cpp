// ba-floor: what one input costs with sd-bus alone, measured side by side
// with the aggregator in every bench/run row (issue 13, item 5).
//
// It does the least the aggregator's job needs per input signal: receive
// ba-load's ItemsChanged, decode the Value of every path it knows into a
// per-source slot, and send one ItemsChanged of 20 paths (Value `d` and a
// formatted Text) from `/`. No actors, no rules, no allocation per input
// beyond sd-bus's own. The ratio of the aggregator's CPU per input to this
// program's is the hot path's overhead over the floor.
//
//   ba-floor --address ADDR --services K [--prefix NAME]
//
// Prints "READY" once subscribed; SIGTERM or SIGINT end it with the counts
// on stderr. It owns no well-known name (a com.victronenergy name would
// make the aggregator count it as a battery).

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <systemd/sd-bus.h>

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) {
  stop_requested = 1;
}

// The battery paths ba-load moves or reads once, sorted for a binary
// search (the decode looks up every path of every signal).
constexpr std::array<std::string_view, 34> known_paths{{
    "/Alarms/BmsCable",
    "/Alarms/HighChargeCurrent",
    "/Alarms/HighDischargeCurrent",
    "/Alarms/HighTemperature",
    "/Alarms/HighVoltage",
    "/Alarms/LowSoc",
    "/Alarms/LowTemperature",
    "/Alarms/LowVoltage",
    "/Capacity",
    "/Connected",
    "/ConsumedAmphours",
    "/CustomName",
    "/Dc/0/Current",
    "/Dc/0/Power",
    "/Dc/0/Temperature",
    "/Dc/0/Voltage",
    "/History/ChargedEnergy",
    "/History/DischargedEnergy",
    "/History/TotalAhDrawn",
    "/Info/MaxChargeCurrent",
    "/Info/MaxChargeVoltage",
    "/Info/MaxDischargeCurrent",
    "/InstalledCapacity",
    "/Io/AllowToCharge",
    "/Io/AllowToDischarge",
    "/Soc",
    "/Soh",
    "/System/MaxCellTemperature",
    "/System/MaxCellVoltage",
    "/System/MaxVoltageCellId",
    "/System/MinCellTemperature",
    "/System/MinCellVoltage",
    "/System/MinVoltageCellId",
    "/TimeToGo",
}};

int row_of(std::string_view path) {
  size_t lo = 0;
  size_t hi = known_paths.size();
  while (lo < hi) {
    auto mid = (lo + hi) / 2;
    if (known_paths[mid] < path)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < known_paths.size() && known_paths[lo] == path
             ? static_cast<int>(lo)
             : -1;
}

// The 20 paths of each output: the first 20 known paths (the values are a
// plain sum over the sources, which is all the arithmetic the floor does).
constexpr size_t out_paths = 20;

struct slot {
  double number = 0;
  bool valid = false;
};

struct floor_state {
  sd_bus* bus = nullptr;
  // One row of slots per sender (ba-load owns all K names on one
  // connection, but nothing here depends on that).
  std::vector<std::string> senders;
  std::vector<std::array<slot, known_paths.size()>> slots;
  uint64_t inputs = 0;
  uint64_t values = 0;
  uint64_t sent = 0;
  uint64_t errors = 0;
};

size_t source_of(floor_state& st, const char* sender) {
  for (size_t i = 0; i < st.senders.size(); ++i)
    if (st.senders[i] == sender)
      return i;
  st.senders.emplace_back(sender);
  st.slots.emplace_back();
  return st.senders.size() - 1;
}

// Reads the variant at the cursor: numbers into `out`, anything else
// skipped.
int read_value(sd_bus_message* m, slot& out) {
  char type = 0;
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(m, &type, &contents);
  if (r <= 0 || type != 'v' || contents == nullptr)
    return r < 0 ? r : -EBADMSG;
  r = sd_bus_message_enter_container(m, 'v', contents);
  if (r < 0)
    return r;
  switch (contents[0]) {
    case 'd': {
      double x = 0;
      r = sd_bus_message_read_basic(m, 'd', &x);
      out = {x, true};
      break;
    }
    case 'i': {
      int32_t x = 0;
      r = sd_bus_message_read_basic(m, 'i', &x);
      out = {static_cast<double>(x), true};
      break;
    }
    case 'u': {
      uint32_t x = 0;
      r = sd_bus_message_read_basic(m, 'u', &x);
      out = {static_cast<double>(x), true};
      break;
    }
    default:
      // Text, and the empty array Venus uses for "invalid".
      r = sd_bus_message_skip(m, contents);
      out.valid = false;
      break;
  }
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(m);
}

int decode(floor_state& st, sd_bus_message* m, size_t src) {
  int r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
  if (r < 0)
    return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
    const char* path = nullptr;
    if ((r = sd_bus_message_read_basic(m, 's', &path)) < 0)
      return r;
    int row = row_of(path);
    if (row < 0) {
      if ((r = sd_bus_message_skip(m, "a{sv}")) < 0)
        return r;
    } else {
      if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0)
        return r;
      while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key = nullptr;
        if ((r = sd_bus_message_read_basic(m, 's', &key)) < 0)
          return r;
        if (std::strcmp(key, "Value") == 0) {
          r = read_value(m, st.slots[src][static_cast<size_t>(row)]);
          ++st.values;
        } else {
          r = sd_bus_message_skip(m, "v");
        }
        if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
          return r;
      }
      if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
        return r;
    }
    if ((r = sd_bus_message_exit_container(m)) < 0)
      return r;
  }
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(m);
}

int append_item(sd_bus_message* out, std::string_view path, double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f", x);
  // sd-bus wants NUL-terminated strings: the table's views are literals.
  int r = sd_bus_message_open_container(out, 'e', "sa{sv}");
  if (r >= 0)
    r = sd_bus_message_append_basic(out, 's', path.data());
  if (r >= 0)
    r = sd_bus_message_append(out, "a{sv}", 2, "Value", "d", x, "Text", "s",
                              text);
  if (r >= 0)
    r = sd_bus_message_close_container(out);
  return r;
}

int send_output(floor_state& st) {
  sd_bus_message* out = nullptr;
  int r = sd_bus_message_new_signal(
      st.bus, &out, "/", "com.victronenergy.BusItem", "ItemsChanged");
  if (r < 0)
    return r;
  r = sd_bus_message_open_container(out, 'a', "{sa{sv}}");
  for (size_t row = 0; r >= 0 && row < out_paths; ++row) {
    double sum = 0;
    for (auto& source : st.slots)
      if (source[row].valid)
        sum += source[row].number;
    r = append_item(out, known_paths[row], sum);
  }
  if (r >= 0)
    r = sd_bus_message_close_container(out);
  if (r >= 0)
    r = sd_bus_send(st.bus, out, nullptr);
  sd_bus_message_unref(out);
  return r;
}

int on_items_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto& st = *static_cast<floor_state*>(userdata);
  ++st.inputs;
  const char* sender = sd_bus_message_get_sender(m);
  if (sender == nullptr || decode(st, m, source_of(st, sender)) < 0
      || send_output(st) < 0) {
    ++st.errors;
    return 0;
  }
  ++st.sent;
  return 0;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "ba-floor: %s\nusage: ba-floor --address ADDR --services K "
               "[--prefix NAME]\n",
               why);
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  std::string address;
  std::string prefix = "com.victronenergy.battery.load";
  long services = 0;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc)
      return usage(("missing value after " + flag).c_str());
    std::string value = argv[++i];
    if (flag == "--address")
      address = value;
    else if (flag == "--prefix")
      prefix = value;
    else if (flag == "--services")
      services = std::strtol(value.c_str(), nullptr, 10);
    else
      return usage(("unknown argument " + flag).c_str());
  }
  if (address.empty() || services < 1 || services > 1000)
    return usage("--address and --services 1..1000 are required");

  if (!std::is_sorted(known_paths.begin(), known_paths.end()))
    return usage("internal: the path table is not sorted");
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  floor_state st;
  int r = sd_bus_new(&st.bus);
  if (r >= 0)
    r = sd_bus_set_address(st.bus, address.c_str());
  if (r >= 0)
    r = sd_bus_set_bus_client(st.bus, 1);
  if (r >= 0)
    r = sd_bus_start(st.bus);
  if (r < 0) {
    std::fprintf(stderr, "ba-floor: cannot connect: %s\n", std::strerror(-r));
    return 1;
  }
  // One match per owner of the K names, as the aggregator subscribes.
  std::vector<std::string> owners;
  for (long i = 0; i < services; ++i) {
    auto name = prefix + (i < 10 ? "0" : "") + std::to_string(i);
    sd_bus_message* reply = nullptr;
    const char* owner = nullptr;
    r = sd_bus_call_method(st.bus, "org.freedesktop.DBus",
                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "GetNameOwner", nullptr, &reply, "s", name.c_str());
    if (r >= 0)
      r = sd_bus_message_read(reply, "s", &owner);
    if (r < 0) {
      std::fprintf(stderr, "ba-floor: no owner for %s\n", name.c_str());
      return 1;
    }
    bool seen = false;
    for (auto& o : owners)
      seen = seen || o == owner;
    if (!seen)
      owners.emplace_back(owner);
    sd_bus_message_unref(reply);
  }
  for (auto& owner : owners) {
    auto rule = "type='signal',sender='" + owner
                + "',interface='com.victronenergy.BusItem',"
                  "member='ItemsChanged'";
    r = sd_bus_add_match(st.bus, nullptr, rule.c_str(), on_items_changed, &st);
    if (r < 0) {
      std::fprintf(stderr, "ba-floor: AddMatch failed: %s\n",
                   std::strerror(-r));
      return 1;
    }
  }
  std::printf("READY\n");
  std::fflush(stdout);
  while (!stop_requested) {
    r = sd_bus_process(st.bus, nullptr);
    if (r > 0)
      continue;
    if (r < 0)
      break;
    r = sd_bus_wait(st.bus, UINT64_MAX);
    if (r < 0 && r != -EINTR)
      break;
  }
  std::fprintf(stderr, "inputs=%llu values=%llu sent=%llu errors=%llu\n",
               static_cast<unsigned long long>(st.inputs),
               static_cast<unsigned long long>(st.values),
               static_cast<unsigned long long>(st.sent),
               static_cast<unsigned long long>(st.errors));
  sd_bus_flush_close_unref(st.bus);
  return 0;
}
