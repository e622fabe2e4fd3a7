// venus-sim-battery: a scriptable Venus OS battery service (or any other
// com.victronenergy.* service) for tests and demos. Implements velib's BusItem
// tree as described in tests/sim/README.md (usage there too).

#include "sim_common.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace venus_sim;

namespace {

constexpr const char* control_interface = "org.example.VenusSim";
constexpr const char* process_name = "venus-sim-battery";
constexpr const char* process_version = "1.0";
constexpr int32_t max_cells = 32;

// -- command line
// ---------------------------------------------------------------

struct options {
  std::string name;
  std::string address;
  int32_t instance = 0;
  int32_t product_id = 0;
  std::string product_name = "Simulated battery";
  std::vector<std::string> files;
  std::vector<std::pair<std::string, sim_value>> sets;
  signal_mode mode = signal_mode::items;
  bool legacy = false;
  bool minimal = false;
  double walk_hz = 0;
  uint32_t seed = 1;
  /// Milliseconds GetItems on / waits before answering (a slow BMS).
  int32_t items_delay_ms = 0;
  /// Never touch the bus after claiming the name (a hung service).
  bool freeze = false;
  /// Number of /Voltages/Cell<k> paths (0 = none).
  int32_t cells = 0;
  /// Also /Temperatures/Cell<k> (only with cells > 0).
  bool cell_temperatures = false;
  /// /Serial; default SIM-<last part of the name>.
  std::optional<std::string> serial;
};

void usage(std::ostream& out) {
  out << R"(usage: venus-sim-battery --name NAME [options]
  --name NAME          well-known name to own (required), e.g.
                       com.victronenergy.battery.sim1
  --instance N         /DeviceInstance (int32, default 0)
  --product-id N       /ProductId (int32, 0x.. accepted, default 0)
  --product-name S     /ProductName (default "Simulated battery")
  --serial S           /Serial (default SIM-<last part of the name>)
  --cells N            publish /Voltages/Cell1..N and
                       /System/NrOfCellsPerBattery (0..32, default 0 = none)
  --cell-temperatures  also /Temperatures/Cell1..N (needs --cells)
  --set /Path=T:V      set or create a path (repeatable); T is one of
                       d i u x t q n y b s, or the whole value is null
  --file values.json   {"/Path": "T:V" | null, ...} (repeatable)
  --signals MODE       items|properties|both|none (default items)
  --legacy             no GetItems on / (callers get UnknownMethod)
  --minimal            only the mandatory paths, /Dc/0/* and /Soc
  --walk HZ            random walk of V, I, P, SoC and cell voltages (with
                       --cells: every cell, and the min/max cell paths)
  --seed N             random seed for --walk and the cells' start values
                       (default 1)
  --items-delay MS     answer GetItems on / only after MS milliseconds (the
                       whole simulator waits: a slow BMS)
  --freeze             claim the name, then never read the bus again (a
                       hung service: every call to it times out)
  --address ADDR       bus address (default: $DBUS_SESSION_BUS_ADDRESS,
                       else the system bus)
Order: defaults, then --file, then --set (later wins).
Exit codes: 0 clean exit, 1 error, 2 bad usage, 3 name taken.
)";
}

[[noreturn]] void bad_usage(const std::string& msg) {
  std::cerr << "venus-sim-battery: " << msg << "\n";
  usage(std::cerr);
  std::exit(2);
}

int32_t parse_int32_arg(const std::string& flag, const std::string& text) {
  auto v = parse_value_spec("i:" + text);
  if (!v)
    bad_usage(flag + " needs an int32, got '" + text + "'");
  return static_cast<int32_t>(*v->as_number());
}

options parse_args(int argc, char** argv) {
  options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (auto eq = flag.find('=');
        flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    auto value = [&]() -> std::string {
      if (inline_value)
        return *inline_value;
      if (i + 1 >= args.size())
        bad_usage(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      usage(std::cout);
      std::exit(0);
    } else if (flag == "--name") {
      o.name = value();
    } else if (flag == "--address") {
      o.address = value();
    } else if (flag == "--instance") {
      o.instance = parse_int32_arg(flag, value());
    } else if (flag == "--product-id") {
      o.product_id = parse_int32_arg(flag, value());
    } else if (flag == "--product-name") {
      o.product_name = value();
    } else if (flag == "--serial") {
      o.serial = value();
    } else if (flag == "--cells") {
      auto text = value();
      auto v = parse_value_spec("i:" + text);
      if (!v || *v->as_number() < 0 || *v->as_number() > max_cells)
        bad_usage("--cells needs a number of cells from 0 to "
                  + std::to_string(max_cells) + ", got '" + text + "'");
      o.cells = static_cast<int32_t>(*v->as_number());
    } else if (flag == "--cell-temperatures") {
      o.cell_temperatures = true;
    } else if (flag == "--set") {
      std::string path;
      sim_value v;
      std::string err;
      if (!parse_path_assignment(value(), path, v, &err))
        bad_usage("--set: " + err);
      o.sets.emplace_back(path, v);
    } else if (flag == "--file") {
      o.files.push_back(value());
    } else if (flag == "--signals") {
      auto m = parse_signal_mode(value());
      if (!m)
        bad_usage("--signals must be items, properties, both or none");
      o.mode = *m;
    } else if (flag == "--legacy") {
      o.legacy = true;
    } else if (flag == "--minimal") {
      o.minimal = true;
    } else if (flag == "--walk") {
      auto v = parse_value_spec("d:" + value());
      if (!v || !(v->as_double() > 0) || v->as_double() > 1000)
        bad_usage("--walk needs a rate in Hz (0 < HZ <= 1000)");
      o.walk_hz = v->as_double();
    } else if (flag == "--items-delay") {
      o.items_delay_ms = parse_int32_arg(flag, value());
      if (o.items_delay_ms < 0 || o.items_delay_ms > 60000)
        bad_usage("--items-delay needs 0..60000 milliseconds");
    } else if (flag == "--freeze") {
      o.freeze = true;
    } else if (flag == "--seed") {
      auto v = parse_value_spec("u:" + value());
      if (!v)
        bad_usage("--seed needs an unsigned 32-bit number");
      o.seed = static_cast<uint32_t>(*v->as_number());
    } else {
      bad_usage("unknown argument '" + args[i] + "'");
    }
  }
  if (o.name.empty())
    bad_usage("--name is required");
  if (o.cell_temperatures && o.cells == 0)
    bad_usage("--cell-temperatures needs --cells N with N >= 1");
  return o;
}

/// Reads {"/Path": "T:V" | null, ...}. Exits with 2 on a bad file, since a
/// test that passes a broken file should fail loudly, not run with defaults.
std::vector<std::pair<std::string, sim_value>>
read_values_file(const std::string& file) {
  std::ifstream in(file);
  if (!in)
    bad_usage("cannot read --file " + file);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    bad_usage("--file " + file + ": " + e.what());
  }
  if (!j.is_object())
    bad_usage("--file " + file + ": expected a JSON object");
  std::vector<std::pair<std::string, sim_value>> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!is_valid_leaf_path(it.key()))
      bad_usage("--file " + file + ": invalid path '" + it.key() + "'");
    if (it->is_null()) {
      out.emplace_back(it.key(), sim_value::invalid());
      continue;
    }
    std::string err;
    auto v = it->is_string() ? parse_value_spec(it->get<std::string>(), &err)
                             : std::nullopt;
    if (!v)
      bad_usage("--file " + file + ": " + it.key() + ": "
                + (err.empty() ? "expected \"T:V\" or null" : err));
    out.emplace_back(it.key(), *v);
  }
  return out;
}

// -- default paths
// --------------------------------------------------------------

std::string serial_from_name(const std::string& name) {
  auto dot = name.rfind('.');
  return "SIM-" + (dot == std::string::npos ? name : name.substr(dot + 1));
}

std::string cell_voltage_path(size_t index) {
  return "/Voltages/Cell" + std::to_string(index + 1);
}

std::string cell_temperature_path(size_t index) {
  return "/Temperatures/Cell" + std::to_string(index + 1);
}

/// Venus' cell id text: "C1" for the first cell.
std::string cell_id(size_t index) {
  return "C" + std::to_string(index + 1);
}

/// Indexes of the lowest and of the highest value, the first one on a tie;
/// `x` must not be empty.
std::pair<size_t, size_t> min_max_index(const std::vector<double>& x) {
  return {
      static_cast<size_t>(std::min_element(x.begin(), x.end()) - x.begin()),
      static_cast<size_t>(std::max_element(x.begin(), x.end()) - x.begin())};
}

struct cell_values {
  std::vector<double> volts;   // 3.250..3.300 V in whole millivolts
  std::vector<double> celsius; // 24.0..26.0 degrees C in tenths
};

/// The cells' start values, from the seed. Uses the raw mt19937 output (no
/// std distribution), so the values are the same with every standard
/// library; divided by a power of ten so the texts read "3.267", "25.3".
cell_values initial_cells(const options& o) {
  cell_values c;
  std::mt19937 gen(o.seed ^ 0xCE11u);
  for (int32_t k = 0; k < o.cells; ++k)
    c.volts.push_back(static_cast<double>(3250 + gen() % 51) / 1000.0);
  if (o.cell_temperatures)
    for (int32_t k = 0; k < o.cells; ++k)
      c.celsius.push_back(static_cast<double>(240 + gen() % 21) / 10.0);
  return c;
}

std::vector<std::pair<std::string, sim_value>> default_paths(const options& o) {
  auto d = sim_value::of_double;
  auto i = sim_value::of_int32;
  auto s = sim_value::of_string;
  auto cells = initial_cells(o);
  // The mandatory paths of section 3.
  std::vector<std::pair<std::string, sim_value>> v{
      {"/Mgmt/ProcessName", s(process_name)},
      {"/Mgmt/ProcessVersion", s(process_version)},
      {"/Mgmt/Connection", s("Simulated")},
      {"/DeviceInstance", i(o.instance)},
      {"/ProductId", i(o.product_id)},
      {"/ProductName", s(o.product_name)},
      {"/FirmwareVersion", s("1.0.0")},
      {"/HardwareVersion", s("1.0")},
      {"/Connected", i(1)},
      {"/CustomName", s("")},
      {"/Serial", s(o.serial ? *o.serial : serial_from_name(o.name))},
      {"/Dc/0/Voltage", d(52.0)},
      {"/Dc/0/Current", d(0.0)},
      {"/Dc/0/Power", d(0.0)},
      {"/Dc/0/Temperature", d(25.0)},
      {"/Soc", d(50.0)},
  };
  if (o.cells > 0)
    v.emplace_back("/System/NrOfCellsPerBattery", i(o.cells));
  for (size_t k = 0; k < cells.volts.size(); ++k)
    v.emplace_back(cell_voltage_path(k), d(cells.volts[k]));
  for (size_t k = 0; k < cells.celsius.size(); ++k)
    v.emplace_back(cell_temperature_path(k), d(cells.celsius[k]));
  if (o.minimal)
    return v;
  // The /System min/max cell paths agree with the cells when there are any.
  double v_min = 3.25, v_max = 3.27, t_min = 24.0, t_max = 26.0;
  std::string v_min_id = "C1", v_max_id = "C2", t_min_id = "C1",
              t_max_id = "C2";
  if (!cells.volts.empty()) {
    auto [lo, hi] = min_max_index(cells.volts);
    v_min = cells.volts[lo];
    v_max = cells.volts[hi];
    v_min_id = cell_id(lo);
    v_max_id = cell_id(hi);
  }
  if (!cells.celsius.empty()) {
    auto [lo, hi] = min_max_index(cells.celsius);
    t_min = cells.celsius[lo];
    t_max = cells.celsius[hi];
    t_min_id = cell_id(lo);
    t_max_id = cell_id(hi);
  }
  std::vector<std::pair<std::string, sim_value>> more{
      {"/Soh", d(100.0)},
      {"/Capacity", d(50.0)},
      {"/InstalledCapacity", d(100.0)},
      {"/ConsumedAmphours", d(-50.0)},
      {"/TimeToGo", sim_value::invalid()},
      {"/Info/MaxChargeVoltage", d(55.2)},
      {"/Info/MaxChargeCurrent", d(50.0)},
      {"/Info/MaxDischargeCurrent", d(100.0)},
      {"/Info/BatteryLowVoltage", d(46.0)},
      {"/Io/AllowToCharge", i(1)},
      {"/Io/AllowToDischarge", i(1)},
      {"/System/MinCellVoltage", d(v_min)},
      {"/System/MaxCellVoltage", d(v_max)},
      {"/System/MinVoltageCellId", s(v_min_id)},
      {"/System/MaxVoltageCellId", s(v_max_id)},
      {"/System/MinCellTemperature", d(t_min)},
      {"/System/MaxCellTemperature", d(t_max)},
      {"/System/MinTemperatureCellId", s(t_min_id)},
      {"/System/MaxTemperatureCellId", s(t_max_id)},
      {"/System/NrOfModulesOnline", i(1)},
      {"/System/NrOfModulesOffline", i(0)},
      {"/System/NrOfModulesBlockingCharge", i(0)},
      {"/System/NrOfModulesBlockingDischarge", i(0)},
      {"/Alarms/LowVoltage", i(0)},
      {"/Alarms/HighVoltage", i(0)},
      {"/Alarms/LowSoc", i(0)},
      {"/Alarms/HighChargeCurrent", i(0)},
      {"/Alarms/HighDischargeCurrent", i(0)},
  };
  v.insert(v.end(), more.begin(), more.end());
  return v;
}

// -- the simulator
// --------------------------------------------------------------

class battery_sim {
 public:
  battery_sim(sdbus::IConnection& conn, event_loop& loop, const options& o)
      : conn_(conn), loop_(loop), name_(o.name), tree_(conn, make_hooks(o)),
        rng_(o.seed), cell_rng_(o.seed + 0xCE11u),
        cell_offset_(static_cast<size_t>(o.cells)),
        cell_home_(static_cast<size_t>(o.cells)) {
    tree_.set_mode(o.mode);
    // Everything is exported here, before main() requests the name: a
    // consumer that scans on NameOwnerChanged must find a complete service.
    std::vector<std::pair<std::string, sim_value>> values = default_paths(o);
    for (const auto& f : o.files) {
      auto fv = read_values_file(f);
      values.insert(values.end(), fv.begin(), fv.end());
    }
    values.insert(values.end(), o.sets.begin(), o.sets.end());
    for (const auto& [path, v] : values) {
      if (!tree_.has_leaf(path) && !tree_.can_hold_leaf(path))
        bad_usage("path " + path + " conflicts with another path");
      tree_.set(path, v);
    }
    loop_.after_dispatch([this] { tree_.collect_garbage(); });
    if (o.walk_hz > 0) {
      dt_ = 1.0 / o.walk_hz;
      loop_.every(
          std::chrono::nanoseconds(static_cast<int64_t>(1e9 / o.walk_hz)),
          [this] { walk_step(); });
    }
  }

 private:
  bus_item_tree::hooks make_hooks(const options& o) {
    bus_item_tree::hooks h;
    h.root_get_items = !o.legacy;
    if (o.items_delay_ms > 0) {
      auto delay = std::chrono::milliseconds(o.items_delay_ms);
      // Blocking on purpose: a slow BMS answers nothing else meanwhile.
      h.before_get_items = [delay] { std::this_thread::sleep_for(delay); };
    }
    h.set_value = [this](const std::string& path, const sdbus::Variant& var) {
      return on_set_value(path, var);
    };
    h.text = [](const std::string& path, const sim_value& v) {
      // velib shows the product id in hex.
      if (path == "/ProductId" && v.is_integer())
        return format_hex(v);
      return to_text(v);
    };
    h.extend_node = [this](sdbus::IObject& obj, const std::string& path) {
      if (path == "/")
        register_control(obj);
    };
    return h;
  }

  static std::string format_hex(const sim_value& v) {
    char buf[32];
    std::snprintf(
        buf, sizeof(buf), "0x%llX",
        static_cast<unsigned long long>(static_cast<int64_t>(*v.as_number())));
    return buf;
  }

  int32_t on_set_value(const std::string& path, const sdbus::Variant& var) {
    auto v = from_variant(var);
    if (!v)
      return 1; // a type no Venus path can hold
    writes_.emplace_back(path, *v);
    if (tree_.set(path, *v))
      tree_.emit_changes({path});
    return 0;
  }

  void register_control(sdbus::IObject& root) {
    root.registerMethod("SetItems")
        .onInterface(control_interface)
        .withInputParamNames("items")
        .withOutputParamNames("result")
        .implementedAs(guarded([this](const item_dict& items) -> int32_t {
          return set_items(items);
        }));
    root.registerMethod("RemovePaths")
        .onInterface(control_interface)
        .withInputParamNames("paths")
        .withOutputParamNames("result")
        .implementedAs(
            guarded([this](const std::vector<std::string>& paths) -> int32_t {
              return remove_paths(paths);
            }));
    root.registerMethod("SetSignalMode")
        .onInterface(control_interface)
        .withInputParamNames("mode")
        .implementedAs(guarded([this](const std::string& mode) {
          auto m = parse_signal_mode(mode);
          if (!m)
            throw sdbus::Error(std::string(sim_error_prefix) + "InvalidArgs",
                               "mode must be items, properties, both or none");
          tree_.set_mode(*m);
        }));
    root.registerMethod("GetWrites")
        .onInterface(control_interface)
        .withOutputParamNames("json")
        .implementedAs(guarded([this]() -> std::string {
          auto arr = nlohmann::json::array();
          for (const auto& [path, v] : writes_)
            arr.push_back(nlohmann::json::array({path, to_json(v)}));
          return arr.dump();
        }));
    root.registerMethod("ReleaseName")
        .onInterface(control_interface)
        .implementedAs(guarded([this]() {
          try {
            conn_.releaseName(name_);
          } catch (const sdbus::Error&) {
            // Not owned any more: releasing twice is not an error for a test.
          }
        }));
    // Not in the spec: lets a test make the service come back after
    // ReleaseName without a new process (and so with the same unique name).
    root.registerMethod("ClaimName")
        .onInterface(control_interface)
        .withOutputParamNames("result")
        .implementedAs(guarded(
            [this]() -> int32_t { return request_name(conn_, name_); }));
    // Hostile input: one ItemsChanged of `count` paths that are not in
    // the tree, each `prefix` + its number, padded with 'x' to `bytes`;
    // values 1.0 ("d") or of a type no Venus value has ("odd": a struct).
    root.registerMethod("Flood")
        .onInterface(control_interface)
        .withInputParamNames("prefix", "count", "bytes", "type")
        .implementedAs(guarded([this](const std::string& prefix, uint32_t count,
                                      uint32_t bytes, const std::string& type) {
          if (type != "d" && type != "odd")
            throw sdbus::Error(std::string(sim_error_prefix) + "InvalidArgs",
                               "type must be d or odd");
          items_dict items;
          for (uint32_t n = 0; n < count; ++n) {
            auto path = prefix + std::to_string(flood_serial_++);
            if (path.size() < bytes)
              path.append(bytes - path.size(), 'x');
            item_dict d;
            if (type == "d")
              d.emplace("Value", sdbus::Variant(1.0));
            else
              d.emplace("Value",
                        sdbus::Variant(sdbus::Struct<int32_t, int32_t>{1, 2}));
            items.emplace(std::move(path), std::move(d));
          }
          tree_.emit_raw(items);
        }));
    // Hostile input: `count` PropertiesChanged on an existing leaf with a
    // string body instead of a{sv}.
    root.registerMethod("EmitBadProperties")
        .onInterface(control_interface)
        .withInputParamNames("path", "count")
        .implementedAs(guarded([this](const std::string& path, uint32_t count) {
          if (!tree_.has_leaf(path))
            throw sdbus::Error(std::string(sim_error_prefix) + "InvalidArgs",
                               "no such path: " + path);
          for (uint32_t n = 0; n < count; ++n)
            tree_.emit_bad_properties_changed(path);
        }));
    root.registerMethod("Quit")
        .onInterface(control_interface)
        .implementedAs(guarded([this]() { loop_.quit(); }));
  }

  /// 0 = applied; 1 = a path is invalid or clashes with the tree shape;
  /// 2 = a value has a type no path can hold. Nothing is applied unless all
  /// entries are good, so a test never sees half a batch.
  int32_t set_items(const item_dict& items) {
    std::set<std::string> pending;
    std::vector<std::pair<std::string, sim_value>> parsed;
    for (const auto& [path, var] : items) {
      auto v = from_variant(var);
      if (!v)
        return 2;
      if (!tree_.has_leaf(path)) {
        if (!tree_.can_hold_leaf(path, pending))
          return 1;
        pending.insert(path);
      }
      parsed.emplace_back(path, *v);
    }
    std::vector<std::string> changed;
    for (const auto& [path, v] : parsed)
      if (tree_.set(path, v))
        changed.push_back(path);
    tree_.emit_changes(changed);
    return 0;
  }

  /// Removes leaves silently (velib behaviour); a node path removes every
  /// leaf below it. 0 = all found, 1 = some path did not exist.
  int32_t remove_paths(const std::vector<std::string>& paths) {
    int32_t rc = 0;
    for (const auto& p : paths) {
      if (tree_.has_leaf(p)) {
        tree_.remove_leaf(p);
      } else if (p != "/" && tree_.has_node(p)) {
        for (const auto& leaf : tree_.leaves_below(p))
          tree_.remove_leaf(leaf);
      } else {
        rc = 1;
      }
    }
    return rc;
  }

  // -- random walk ----------------------------------------------------------

  /// Reads a walked quantity: the tree value when a test changed it since
  /// our last step, else our own unrounded state.
  double walked(const std::string& path, double own) {
    auto v = tree_.find(path);
    if (!v || !v->is_number())
      return own;
    auto last = published_.find(path);
    if (last != published_.end() && *v == last->second)
      return own;
    return v->as_double();
  }

  void publish(const std::string& path, double x, int decimals,
               std::vector<std::string>& changed) {
    if (!tree_.has_leaf(path))
      return; // removed by the test: leave it gone
    // Dividing by a power of ten gives the double nearest to the decimal, so
    // the text reads "52.31", not "52.309999999999995".
    double scale = std::pow(10.0, decimals);
    auto v = sim_value::of_double(std::round(x * scale) / scale);
    published_[path] = v;
    if (tree_.set(path, v))
      changed.push_back(path);
  }

  void publish_text(const std::string& path, const std::string& text,
                    std::vector<std::string>& changed) {
    if (tree_.has_leaf(path) && tree_.set(path, sim_value::of_string(text)))
      changed.push_back(path);
  }

  /// Each cell is the pack's mean cell voltage (`base`, a 16-cell pack) plus
  /// its own offset, which wanders by about a millivolt a step and is pulled
  /// back slowly to its home. The first step takes the offsets from the
  /// start values (each one's distance to their mean); a cell written by a
  /// test later keeps its new offset as its home. Then the /System min/max
  /// cell paths are set from the published cells. Uses its own generator, so
  /// the other paths walk as they do without --cells.
  void walk_cells(double base, std::vector<std::string>& changed) {
    std::normal_distribution<double> noise(0.0, 1.0);
    double reference = cell_base_;
    if (!cells_started_) {
      std::vector<double> start;
      for (size_t k = 0; k < cell_offset_.size(); ++k)
        if (auto v = tree_.find(cell_voltage_path(k)); v && v->is_number())
          start.push_back(v->as_double());
      reference = start.empty()
                      ? base
                      : std::accumulate(start.begin(), start.end(), 0.0)
                            / static_cast<double>(start.size());
    }
    std::vector<double> present;
    std::vector<size_t> index;
    for (size_t k = 0; k < cell_offset_.size(); ++k) {
      auto path = cell_voltage_path(k);
      // On the first step the start value counts as written.
      auto v = tree_.find(path);
      auto last = published_.find(path);
      if (v && v->is_number()
          && (last == published_.end() || *v != last->second)) {
        cell_offset_[k] = v->as_double() - reference;
        cell_home_[k] = cell_offset_[k];
      }
      cell_offset_[k] += 0.001 * noise(cell_rng_) * std::sqrt(dt_)
                         - 0.02 * (cell_offset_[k] - cell_home_[k]) * dt_;
      publish(path, base + cell_offset_[k], 3, changed);
      if (v = tree_.find(path); v && v->is_number()) {
        present.push_back(v->as_double());
        index.push_back(k);
      }
    }
    cell_base_ = base;
    cells_started_ = true;
    if (present.empty())
      return; // all cells removed by the test
    auto [lo, hi] = min_max_index(present);
    publish("/System/MinCellVoltage", present[lo], 3, changed);
    publish("/System/MaxCellVoltage", present[hi], 3, changed);
    publish_text("/System/MinVoltageCellId", cell_id(index[lo]), changed);
    publish_text("/System/MaxVoltageCellId", cell_id(index[hi]), changed);
  }

  void walk_step() {
    std::normal_distribution<double> noise(0.0, 1.0);
    if (!walk_started_) {
      current_ = walked("/Dc/0/Current", 0.0);
      soc_ = walked("/Soc", 50.0);
      walk_started_ = true;
    } else {
      current_ = walked("/Dc/0/Current", current_);
      soc_ = walked("/Soc", soc_);
    }
    // Current: mean-reverting random walk within +-100 A.
    current_ += 2.0 * noise(rng_) * std::sqrt(dt_) - 0.05 * current_ * dt_;
    current_ = std::clamp(current_, -100.0, 100.0);
    // SoC: integrate the current, sped up 100 times for a 100 Ah pack so
    // that a demo shows movement.
    soc_ = std::clamp(soc_ + current_ * dt_ / 36.0, 0.0, 100.0);
    if (soc_ <= 0.0 && current_ < 0)
      current_ = 0;
    if (soc_ >= 100.0 && current_ > 0)
      current_ = 0;
    // Voltage of a 16-cell LFP pack: OCV from SoC plus 10 mOhm * I, so V
    // rises while charging, as in a real pack; P = V * I.
    double voltage = 50.0 + 0.04 * soc_ + 0.01 * current_ + 0.002 * noise(rng_);
    double cell = voltage / 16.0;
    double spread = 0.005 + 0.002 * std::abs(noise(rng_));
    std::vector<std::string> changed;
    publish("/Dc/0/Voltage", voltage, 2, changed);
    publish("/Dc/0/Current", current_, 1, changed);
    publish("/Dc/0/Power",
            std::round(voltage * 100) / 100 * std::round(current_ * 10) / 10, 0,
            changed);
    publish("/Soc", soc_, 1, changed);
    if (cell_offset_.empty()) {
      publish("/System/MinCellVoltage", cell - spread, 3, changed);
      publish("/System/MaxCellVoltage", cell + spread, 3, changed);
    } else {
      walk_cells(cell, changed);
    }
    tree_.emit_changes(changed); // one ItemsChanged per step
  }

  sdbus::IConnection& conn_;
  event_loop& loop_;
  std::string name_;
  bus_item_tree tree_;
  std::vector<std::pair<std::string, sim_value>> writes_;
  std::mt19937 rng_;
  double dt_ = 0;
  bool walk_started_ = false;
  double current_ = 0;
  double soc_ = 50;
  std::map<std::string, sim_value> published_;
  // --cells: the cells' generator, offsets from the mean cell voltage and
  // the offsets they are pulled back to.
  std::mt19937 cell_rng_;
  std::vector<double> cell_offset_;
  std::vector<double> cell_home_;
  double cell_base_ = 0;
  bool cells_started_ = false;
  uint64_t flood_serial_ = 0;
};

} // namespace

int main(int argc, char** argv) {
  block_termination_signals();
  auto opts = parse_args(argc, argv);
  try {
    auto conn = open_connection(opts.address);
    event_loop loop(*conn);
    battery_sim sim(*conn, loop, opts);
    if (int rc = request_name(*conn, opts.name); rc != 0)
      return rc;
    announce_ready(opts.name);
    if (opts.freeze) {
      // Calls queue in the socket unanswered until the test ends us.
      wait_for_termination_signal();
      return 0;
    }
    loop.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "venus-sim-battery: " << e.what() << "\n";
    return 1;
  }
}
