// venus-watch: a live view of one battery service's main values, for the
// demo and for poking at a bus by hand. Reads GetItems twice a second (a
// plain client, as the GUI would be), so it follows the service across
// re-registrations and restarts without any state of its own.
//
// After the main values it shows what the GX screen shows of an aggregate's
// packs: the limits with the texts that explain them, one row per pack
// (/Battery/<n>/...), the packs that went missing and the bank alarms. Any
// path may be absent, invalid or of an odd type: it then reads "---".

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include "sim_common.hpp"

namespace {

using venus_sim::items_dict;
using venus_sim::sim_value;

/// Longest screen line, in characters.
constexpr size_t max_line = 100;
/// Most pack rows (and missing rows) shown; a bigger count is noted.
constexpr long max_rows = 32;

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) {
  stop_requested = 1;
}

const std::vector<std::pair<const char*, const char*>> shown{
    {"/Dc/0/Voltage", "Voltage"},
    {"/Dc/0/Current", "Current"},
    {"/Dc/0/Power", "Power"},
    {"/Soc", "SoC"},
    {"/Capacity", "Remaining"},
    {"/InstalledCapacity", "Installed"},
    {"/ConsumedAmphours", "Consumed"},
    {"/TimeToGo", "Time to go"},
    {"/Dc/0/Temperature", "Temperature"},
    {"/System/NrOfBatteries", "Batteries"},
    {"/DeviceInstance", "Instance"},
};

// -- text helpers -------------------------------------------------------------

/// Control characters from the bus would garble the screen.
std::string printable(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  return s;
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// Length in characters (D-Bus strings are UTF-8).
size_t length(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

/// The first `width` characters of `s`.
std::string clip(const std::string& s, size_t width) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_continuation(s[i]) && chars++ == width)
      return s.substr(0, i);
  }
  return s;
}

/// `s` clipped or padded with spaces to exactly `width` characters.
std::string pad(const std::string& s, size_t width, bool right = false) {
  auto t = clip(s, width);
  std::string fill(width - length(t), ' ');
  return right ? fill + t : t + fill;
}

/// A number padded to `width` characters; '#'s when it does not fit, as a
/// clipped number would read as another value.
std::string number_cell(const std::string& s, size_t width) {
  return length(s) > width ? std::string(width, '#') : pad(s, width, true);
}

/// Every line of `screen` clipped to max_line characters.
std::string clip_lines(const std::string& screen) {
  std::string out;
  size_t start = 0;
  while (start < screen.size()) {
    auto end = screen.find('\n', start);
    if (end == std::string::npos)
      end = screen.size();
    out += clip(screen.substr(start, end - start), max_line);
    if (end < screen.size())
      out += '\n';
    start = end + 1;
  }
  return out;
}

std::string fixed(std::optional<double> x, int decimals) {
  if (!x)
    return "---";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, *x);
  return buf;
}

/// `com.victronenergy.battery.ttyUSB1` -> `ttyUSB1`.
std::string short_name(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// -- reading one GetItems answer
// -----------------------------------------------

/// Reads one GetItems answer without ever throwing: a path that is absent,
/// invalid (an empty array) or of a type that does not fit reads as nothing.
class items_view {
 public:
  explicit items_view(const items_dict& items) : items_(items) {}

  /// nullopt when absent or of a type no Venus value has; an invalid
  /// sim_value when invalid.
  std::optional<sim_value> value(const std::string& path) const {
    auto i = items_.find(path);
    if (i == items_.end())
      return std::nullopt;
    auto v = i->second.find("Value");
    if (v == i->second.end())
      return std::nullopt;
    try {
      return venus_sim::from_variant(v->second);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  std::optional<double> number(const std::string& path) const {
    auto v = value(path);
    if (!v || !v->is_number() || v->type() == 'b') // no Venus number is a b
      return std::nullopt;
    return v->as_double();
  }

  std::optional<std::string> string(const std::string& path) const {
    auto v = value(path);
    if (!v || !v->is_string())
      return std::nullopt;
    return printable(v->as_string());
  }

  /// The service's own text of `path`, as velib formats it.
  std::string text(const std::string& path) const {
    auto i = items_.find(path);
    if (i == items_.end())
      return "(absent)";
    auto t = i->second.find("Text");
    if (t == i->second.end() || !t->second.containsValueOfType<std::string>())
      return "?";
    return printable(t->second.get<std::string>());
  }

  /// An integer value as text (alarms, counts), "---" for anything else.
  std::string integer(const std::string& path) const {
    auto x = number(path);
    if (!x || !(*x >= -1e15 && *x <= 1e15) || *x != static_cast<long long>(*x))
      return "---";
    return std::to_string(static_cast<long long>(*x));
  }

  /// The numbers at /Battery/<n>/Cell/<c>/Voltage.
  std::vector<double> cell_voltages(long n) const {
    std::vector<double> out;
    auto prefix = "/Battery/" + std::to_string(n) + "/Cell/";
    for (auto it = items_.lower_bound(prefix);
         it != items_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
         ++it) {
      auto rest = it->first.substr(prefix.size()); // <c>/Voltage
      auto slash = rest.find('/');
      if (slash == 0 || slash == std::string::npos
          || rest.substr(slash) != "/Voltage")
        continue;
      if (auto x = number(it->first))
        out.push_back(*x);
    }
    return out;
  }

  /// A JSON list of service names (/System/Batteries,
  /// /System/MissingBatteries), shortened. nullopt when the value is not
  /// such a list; an empty string counts as an empty list.
  std::optional<std::vector<std::string>>
  name_list(const std::string& path) const {
    auto s = string(path);
    if (!s)
      return std::nullopt;
    std::vector<std::string> out;
    if (s->empty())
      return out;
    auto j = nlohmann::json::parse(*s, nullptr, false);
    if (j.is_discarded() || !j.is_array())
      return std::nullopt;
    for (const auto& e : j)
      out.push_back(e.is_string() ? printable(short_name(e.get<std::string>()))
                                  : std::string{"?"});
    return out;
  }

 private:
  const items_dict& items_;
};

// -- the screen
// ----------------------------------------------------------------

std::string main_block(const items_view& v, const std::string& name, bool tty) {
  std::string out;
  if (!tty) {
    for (auto& [path, label] : shown)
      out += std::string{label} + "=" + v.text(path) + " ";
    return out + "\n";
  }
  out = name + "\n\n";
  for (auto& [path, label] : shown) {
    char line[64];
    std::snprintf(line, sizeof(line), "  %-12s ", label);
    auto text = v.text(path); // a long text is shown whole, as before
    out += line + (length(text) < 14 ? pad(text, 14, true) : text) + "   "
           + path + "\n";
  }
  std::string members = v.text("/System/Batteries");
  if (auto names = v.name_list("/System/Batteries")) {
    members.clear();
    for (const auto& n : *names)
      members += (members.empty() ? "" : ", ") + n;
  }
  return out + "\n  members: " + members + "\n";
}

std::string limits_block(const items_view& v) {
  auto reason = [&](const char* path) {
    auto s = v.string(path);
    return s ? *s : std::string{"---"};
  };
  std::string out = "  Limits\n";
  out += "    CCL "
         + number_cell(fixed(v.number("/Info/MaxChargeCurrent"), 1), 9)
         + " A   " + reason("/Info/ChargeLimitation") + "\n";
  out += "    DCL "
         + number_cell(fixed(v.number("/Info/MaxDischargeCurrent"), 1), 9)
         + " A   " + reason("/Info/DischargeLimitation") + "\n";
  out += "    CVL "
         + number_cell(fixed(v.number("/Info/MaxChargeVoltage"), 2), 9)
         + " V\n";
  return out;
}

struct pack_row {
  std::string number, serial, volts, amps, soc, ah, celsius, cells, state;
};

std::string format_row(const pack_row& r) {
  auto cells = length(r.cells) > 13 ? std::string(13, '#') : pad(r.cells, 13);
  return "    " + pad(r.number, 3, true) + "  " + pad(r.serial, 16) + " "
         + number_cell(r.volts, 7) + " " + number_cell(r.amps, 7) + " "
         + number_cell(r.soc, 6) + " " + number_cell(r.ah, 7) + " "
         + number_cell(r.celsius, 6) + "  " + cells + " " + r.state + "\n";
}

/// Each pack's SoC, read from the pack's own service in the order of
/// /System/Batteries (the counting members by service name: the order of
/// the /Battery/<n> pages). The aggregate does not republish it per pack:
/// gui-v2's page does not show it, and every path published per pack and
/// update costs the aggregate a little on a small CPU.
using pack_socs = std::vector<std::optional<double>>;

std::string packs_block(const items_view& v, const pack_socs& socs) {
  std::string out = "  Packs\n";
  out += format_row(
      {"#", "serial", "V", "A", "SoC", "Ah", "°C", "cells", "state"});
  long count = 0;
  if (auto n = v.number("/System/NrOfBatteries"); n && *n >= 1)
    count = *n > 1e6 ? 1000000 : static_cast<long>(*n);
  for (long n = 1; n <= std::min(count, max_rows); ++n) {
    auto p = "/Battery/" + std::to_string(n) + "/";
    auto cells = v.cell_voltages(n);
    std::string range = "-";
    if (!cells.empty()) {
      auto [lo, hi] = std::minmax_element(cells.begin(), cells.end());
      range = fixed(*lo, 3) + "-" + fixed(*hi, 3);
    }
    out += format_row(
        {std::to_string(n), v.string(p + "Serial").value_or("---"),
         fixed(v.number(p + "Voltage"), 2), fixed(v.number(p + "Current"), 1),
         fixed(static_cast<size_t>(n - 1) < socs.size()
                   ? socs[static_cast<size_t>(n - 1)]
                   : std::nullopt,
               1),
         fixed(v.number(p + "Capacity"), 1),
         fixed(v.number(p + "Temperature"), 1), range, "online"});
  }
  if (count > max_rows)
    out += "    ... the first " + std::to_string(max_rows) + " of "
           + v.text("/System/NrOfBatteries") + " packs\n";
  auto missing = v.name_list("/System/MissingBatteries");
  if (!missing && v.string("/System/MissingBatteries")) // not a JSON list
    missing = std::vector<std::string>{*v.string("/System/MissingBatteries")};
  if (missing) {
    long shown_missing = 0;
    for (const auto& name : *missing) {
      if (++shown_missing > max_rows) {
        out += "    ... " + std::to_string(missing->size()) + " missing\n";
        break;
      }
      out += format_row({"", name, "", "", "", "", "", "", "missing"});
    }
  }
  if (count == 0 && (!missing || missing->empty()))
    out += "    (none)\n";
  return out;
}

std::string render(const items_dict& items, const pack_socs& socs,
                   const std::string& name, bool tty) {
  items_view v(items);
  std::string out = main_block(v, name, tty);
  if (tty)
    out += "\n";
  out += limits_block(v);
  if (tty)
    out += "\n";
  out += packs_block(v, socs);
  if (tty)
    out += "\n";
  out += "  Alarms: ParallelBmsLost=" + v.integer("/Alarms/ParallelBmsLost")
         + " BmsCable=" + v.integer("/Alarms/BmsCable") + "\n";
  if (tty)
    return clip_lines(out);
  // One record per change when piped: the main line as before (it may be
  // longer), the blocks clipped, a blank line.
  auto first = out.find('\n') + 1;
  return out.substr(0, first) + clip_lines(out.substr(first)) + "\n";
}

/// GetValue of /Soc on every pack of /System/Batteries (nothing for a pack
/// that does not answer within half a second, or has no number there).
pack_socs read_socs(sdbus::IConnection& conn, const items_dict& items) {
  pack_socs out;
  auto i = items.find("/System/Batteries");
  if (i == items.end())
    return out;
  auto value = i->second.find("Value");
  if (value == i->second.end()
      || !value->second.containsValueOfType<std::string>())
    return out;
  auto list
      = nlohmann::json::parse(value->second.get<std::string>(), nullptr, false);
  if (list.is_discarded() || !list.is_array())
    return out;
  for (const auto& e : list) {
    if (out.size() >= static_cast<size_t>(max_rows))
      break;
    std::optional<double> soc;
    if (e.is_string())
      try {
        auto proxy = sdbus::createProxy(conn, e.get<std::string>(), "/Soc");
        sdbus::Variant v;
        proxy->callMethod("GetValue")
            .onInterface(venus_sim::busitem_interface)
            .withTimeout(std::chrono::milliseconds(500))
            .storeResultsTo(v);
        auto x = venus_sim::from_variant(v);
        if (x && x->is_number() && x->type() != 'b')
          soc = x->as_double();
      } catch (const std::exception&) {
        // A pack that left between the two reads: no SoC.
      }
    out.push_back(soc);
  }
  return out;
}

[[noreturn]] void usage_error() {
  std::cerr << "usage: venus-watch [--name SERVICE] [--address ADDR] "
               "[--seconds N]\n";
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  std::string name = "com.victronenergy.battery.aggregator";
  std::string address;
  double seconds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--name" && i + 1 < argc) {
      name = argv[++i];
    } else if (a == "--address" && i + 1 < argc) {
      address = argv[++i];
    } else if (a == "--seconds" && i + 1 < argc) {
      char* end = nullptr;
      seconds = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || !(seconds >= 0))
        usage_error();
    } else {
      usage_error();
    }
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::unique_ptr<sdbus::IConnection> conn;
  std::unique_ptr<sdbus::IProxy> proxy;
  try {
    conn = venus_sim::open_connection(address);
    proxy = sdbus::createProxy(*conn, name, "/");
  } catch (const std::exception& e) {
    std::cerr << "venus-watch: " << e.what() << "\n";
    return 1;
  }
  bool tty = isatty(STDOUT_FILENO) != 0;
  auto start = std::chrono::steady_clock::now();
  std::string last;
  while (stop_requested == 0) {
    std::string screen;
    venus_sim::items_dict items;
    bool got = false;
    try {
      proxy->callMethod("GetItems")
          .onInterface(venus_sim::busitem_interface)
          .withTimeout(std::chrono::seconds(2))
          .storeResultsTo(items);
      got = true;
    } catch (const sdbus::Error& e) {
      screen = name + ": not on the bus yet (" + e.getName() + ")\n";
    }
    if (got) {
      try {
        screen = render(items, read_socs(*conn, items), name, tty);
      } catch (const std::exception& e) {
        screen = name + ": cannot show its items (" + e.what() + ")\n";
      }
    }
    if (screen != last) {
      if (tty)
        std::cout << "\033[H\033[2J" << screen << "\n  (Ctrl-C to stop)"
                  << std::flush;
      else
        std::cout << screen << std::flush;
      last = screen;
    }
    if (seconds > 0
        && std::chrono::steady_clock::now() - start
               > std::chrono::duration<double>(seconds))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (tty)
    std::cout << "\n";
  return 0;
}
