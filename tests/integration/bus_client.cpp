#include "tests/integration/bus_client.hpp"

#include <stdexcept>

#include "tests/integration/wire_codec.hpp"

namespace ba::test {

namespace {

constexpr auto dbus_name = "org.freedesktop.DBus";
constexpr auto dbus_path = "/org/freedesktop/DBus";

} // namespace

// -- recorded_signal ----------------------------------------------------------

wire_value recorded_signal::value(const std::string& item_path) const {
  auto i = items.find(item_path);
  return i == items.end() ? wire_value{} : i->second.first;
}

// -- bus_client ---------------------------------------------------------------

bus_client::bus_client(const std::string& address)
    : conn_(sdbus::createSessionBusConnectionWithAddress(address)) {
  // Matches are installed before the loop thread starts: addMatch waits for
  // the broker's reply synchronously.
  auto busitem = [this](sdbus::Message& msg) { on_busitem_signal(msg); };
  matches_.push_back(
      conn_->addMatch("type='signal',interface='com.victronenergy.BusItem',"
                      "member='ItemsChanged'",
                      busitem));
  matches_.push_back(
      conn_->addMatch("type='signal',interface='com.victronenergy.BusItem',"
                      "member='PropertiesChanged'",
                      busitem));
  matches_.push_back(conn_->addMatch(
      "type='signal',sender='org.freedesktop.DBus',"
      "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
      "arg0namespace='com.victronenergy'",
      [this](sdbus::Message& msg) { on_name_owner_changed(msg); }));
  conn_->enterEventLoopAsync();
}

bus_client::~bus_client() {
  conn_->leaveEventLoop();
  matches_.clear();
  probe_proxies_.clear();
  conn_.reset();
}

void bus_client::on_busitem_signal(sdbus::Message& msg) {
  // Runs on the loop thread: decode here, store plain values only.
  recorded_signal rec;
  rec.at = clock_type::now();
  try {
    rec.member = msg.getMemberName();
    rec.sender = msg.getSender();
    rec.path = msg.getPath();
    rec.signature = body_signature(msg);
    if (rec.member == "ItemsChanged" && rec.signature == "a{sa{sv}}") {
      rec.items = read_items(msg);
    } else if (rec.member == "PropertiesChanged" && rec.signature == "a{sv}") {
      auto entry = read_sv_dict(msg);
      rec.items[rec.path] = value_and_text(entry);
    }
  } catch (const std::exception& e) {
    // A malformed signal is kept (signature, no items) for the test to see;
    // an exception must not escape into the sdbus loop.
    rec.signature += " (undecodable: " + std::string{e.what()} + ")";
  }
  std::lock_guard<std::mutex> guard{mtx_};
  rec.seq = next_seq_++;
  signals_.push_back(std::move(rec));
  cv_.notify_all();
}

void bus_client::on_name_owner_changed(sdbus::Message& msg) {
  owner_change rec;
  rec.at = clock_type::now();
  try {
    msg >> rec.name >> rec.old_owner >> rec.new_owner;
  } catch (const std::exception&) {
    return;
  }
  bool probe = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    rec.seq = next_seq_++;
    if (!rec.new_owner.empty())
      owners_[rec.name].insert(rec.new_owner);
    if (!rec.new_owner.empty() && rec.name == probe_name_) {
      probe_name_.clear();
      probe = true;
    }
    owner_changes_.push_back(rec);
    cv_.notify_all();
  }
  if (!probe)
    return;
  // GetItems right from the signal handler, asynchronously, as dbusmonitor
  // and dbus-flashmq do: a service that claimed its name before exporting
  // everything fails here.
  try {
    auto proxy = sdbus::createProxy(*conn_, rec.name, "/");
    auto call = proxy->createMethodCall(busitem_interface, "GetItems");
    auto owner = rec.new_owner;
    auto owner_at = rec.at;
    proxy->callMethod(
        call,
        [this, owner, owner_at](sdbus::MethodReply& reply,
                                const sdbus::Error* error) {
          items_probe result;
          result.owner = owner;
          result.owner_at = owner_at;
          result.reply_at = clock_type::now();
          try {
            if (error != nullptr) {
              result.error = error->getName();
            } else {
              result.signature = body_signature(reply);
              if (result.signature == "a{sa{sv}}")
                result.items = read_items(reply);
            }
          } catch (const std::exception& e) {
            result.error = std::string{"undecodable reply: "} + e.what();
          }
          std::lock_guard<std::mutex> guard{mtx_};
          probe_result_ = std::move(result);
          cv_.notify_all();
        },
        std::chrono::duration_cast<std::chrono::microseconds>(call_timeout));
    std::lock_guard<std::mutex> guard{mtx_};
    probe_proxies_.push_back(std::move(proxy));
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> guard{mtx_};
    items_probe result;
    result.owner = rec.new_owner;
    result.error = std::string{"probe call failed: "} + e.what();
    probe_result_ = std::move(result);
    cv_.notify_all();
  }
}

sdbus::MethodReply
bus_client::call(const std::string& service, const std::string& path,
                 const std::string& iface, const std::string& method,
                 const arg_writer& args, clock_type::duration timeout) {
  auto proxy = sdbus::createProxy(*conn_, service, path);
  auto msg = proxy->createMethodCall(iface, method);
  if (args)
    args(msg);
  return proxy->callMethod(
      msg, std::chrono::duration_cast<std::chrono::microseconds>(timeout));
}

item_map bus_client::get_items(const std::string& service) {
  auto reply = call(service, "/", busitem_interface, "GetItems");
  require_signature(reply, "a{sa{sv}}", service + " GetItems");
  return read_items(reply);
}

wire_value bus_client::get_value(const std::string& service,
                                 const std::string& path) {
  auto reply = call(service, path, busitem_interface, "GetValue");
  require_signature(reply, "v", service + " " + path + " GetValue");
  return read_variant(reply);
}

std::string bus_client::get_text(const std::string& service,
                                 const std::string& path) {
  auto reply = call(service, path, busitem_interface, "GetText");
  require_signature(reply, "s", service + " " + path + " GetText");
  std::string text;
  reply >> text;
  return text;
}

std::map<std::string, wire_value>
bus_client::get_root_value(const std::string& service,
                           const std::string& path) {
  auto reply = call(service, path, busitem_interface, "GetValue");
  auto what = service + " " + path + " GetValue";
  require_signature(reply, "v", what);
  auto [code, contents] = peek(reply);
  if (contents != "a{sv}")
    throw shape_error(what + ": variant holds '" + contents
                      + "', expected 'a{sv}'");
  reply.enterVariant(contents);
  auto result = read_sv_dict(reply);
  reply.exitVariant();
  return result;
}

std::map<std::string, std::string>
bus_client::get_root_text(const std::string& service, const std::string& path) {
  auto reply = call(service, path, busitem_interface, "GetText");
  auto what = service + " " + path + " GetText";
  require_signature(reply, "v", what);
  auto [code, contents] = peek(reply);
  if (contents != "a{ss}")
    throw shape_error(what + ": variant holds '" + contents
                      + "', expected 'a{ss}'");
  std::map<std::string, std::string> result;
  reply.enterVariant(contents);
  reply.enterContainer("{ss}");
  while (!at_end(reply)) {
    reply.enterDictEntry("ss");
    std::string key;
    std::string text;
    reply >> key >> text;
    result[key] = text;
    reply.exitDictEntry();
  }
  reply.exitContainer();
  reply.exitVariant();
  return result;
}

int32_t bus_client::set_value(const std::string& service,
                              const std::string& path, const wire_value& v) {
  auto reply = call(service, path, busitem_interface, "SetValue",
                    [&](sdbus::MethodCall& msg) { msg << to_variant(v); });
  require_signature(reply, "i", service + " " + path + " SetValue");
  int32_t result = 0;
  reply >> result;
  return result;
}

std::string bus_client::reply_signature(const std::string& service,
                                        const std::string& path,
                                        const std::string& method,
                                        const std::string& iface) {
  auto reply = call(service, path, iface, method);
  return body_signature(reply);
}

std::string bus_client::reply_variant_signature(const std::string& service,
                                                const std::string& path,
                                                const std::string& method,
                                                const std::string& iface) {
  auto reply = call(service, path, iface, method);
  if (body_signature(reply) != "v")
    return "";
  return peek(reply).second;
}

std::string bus_client::call_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const sdbus::Error& e) {
    return e.getName();
  }
  return "";
}

bool bus_client::name_has_owner(const std::string& name) {
  auto reply = call(dbus_name, dbus_path, dbus_name, "NameHasOwner",
                    [&](sdbus::MethodCall& msg) { msg << name; });
  bool result = false;
  reply >> result;
  return result;
}

std::string bus_client::name_owner(const std::string& name) {
  std::string owner;
  try {
    auto reply = call(dbus_name, dbus_path, dbus_name, "GetNameOwner",
                      [&](sdbus::MethodCall& msg) { msg << name; });
    reply >> owner;
  } catch (const sdbus::Error& e) {
    if (e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner")
      return "";
    throw;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  owners_[name].insert(owner);
  return owner;
}

bool bus_client::wait_for_owner(const std::string& name,
                                clock_type::duration timeout) {
  return wait_until([&] { return name_has_owner(name); }, timeout);
}

bool bus_client::wait_for_no_owner(const std::string& name,
                                   clock_type::duration timeout) {
  return wait_until([&] { return !name_has_owner(name); }, timeout);
}

uint64_t bus_client::mark() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return next_seq_;
}

std::vector<recorded_signal> bus_client::signals(uint64_t since) const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<recorded_signal> result;
  for (const auto& s : signals_)
    if (s.seq >= since)
      result.push_back(s);
  return result;
}

std::set<std::string> bus_client::owners_of(const std::string& service) {
  name_owner(service); // records the current owner, if any
  std::lock_guard<std::mutex> guard{mtx_};
  return owners_[service];
}

std::vector<recorded_signal> bus_client::from_owner(const std::string& member,
                                                    const std::string& service,
                                                    uint64_t since) {
  auto owners = owners_of(service);
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<recorded_signal> result;
  for (const auto& s : signals_)
    if (s.seq >= since && s.member == member && owners.count(s.sender) != 0)
      result.push_back(s);
  return result;
}

std::vector<recorded_signal>
bus_client::items_changed_from(const std::string& service, uint64_t since) {
  return from_owner("ItemsChanged", service, since);
}

std::vector<recorded_signal>
bus_client::properties_changed_from(const std::string& service,
                                    uint64_t since) {
  return from_owner("PropertiesChanged", service, since);
}

std::vector<owner_change> bus_client::owner_changes(const std::string& name,
                                                    uint64_t since) const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<owner_change> result;
  for (const auto& c : owner_changes_)
    if (c.seq >= since && c.name == name)
      result.push_back(c);
  return result;
}

std::optional<recorded_signal> bus_client::wait_for_items_changed(
    const std::string& service,
    const std::function<bool(const recorded_signal&)>& pred,
    clock_type::duration timeout, uint64_t since) {
  auto deadline = clock_type::now() + timeout;
  owners_of(service);
  std::unique_lock<std::mutex> lock{mtx_};
  auto find = [&]() -> std::optional<recorded_signal> {
    // owners_ grows under the same lock (NameOwnerChanged), so a new owner's
    // signals are found on the next wake-up.
    const auto& owners = owners_[service];
    for (const auto& s : signals_)
      if (s.seq >= since && s.member == "ItemsChanged"
          && owners.count(s.sender) != 0 && pred(s))
        return s;
    return std::nullopt;
  };
  for (;;) {
    if (auto found = find())
      return found;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout
        && clock_type::now() >= deadline)
      return find(); // once more at the deadline
  }
}

std::optional<owner_change> bus_client::wait_for_owner_change(
    const std::string& name,
    const std::function<bool(const owner_change&)>& pred,
    clock_type::duration timeout, uint64_t since) {
  auto deadline = clock_type::now() + timeout;
  std::unique_lock<std::mutex> lock{mtx_};
  auto find = [&]() -> std::optional<owner_change> {
    for (const auto& c : owner_changes_)
      if (c.seq >= since && c.name == name && pred(c))
        return c;
    return std::nullopt;
  };
  for (;;) {
    if (auto found = find())
      return found;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout
        && clock_type::now() >= deadline)
      return find(); // once more at the deadline
  }
}

void bus_client::arm_items_probe(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  probe_name_ = name;
  probe_result_.reset();
}

std::optional<items_probe>
bus_client::wait_items_probe(clock_type::duration timeout) {
  std::unique_lock<std::mutex> lock{mtx_};
  cv_.wait_for(lock, timeout, [this] { return probe_result_.has_value(); });
  return probe_result_;
}

int32_t bus_client::sim_set_items(
    const std::string& service,
    const std::vector<std::pair<std::string, wire_value>>& items) {
  auto reply
      = call(service, "/", sim_interface, "SetItems",
             [&](sdbus::MethodCall& msg) { msg << to_variant_dict(items); });
  int32_t result = 0;
  reply >> result;
  return result;
}

void bus_client::sim_set_items_no_reply(
    const std::string& service,
    const std::vector<std::pair<std::string, wire_value>>& items) {
  auto proxy = sdbus::createProxy(*conn_, service, "/");
  auto msg = proxy->createMethodCall(sim_interface, "SetItems");
  msg << to_variant_dict(items);
  msg.dontExpectReply();
  proxy->callMethod(msg);
}

int32_t bus_client::sim_remove_paths(const std::string& service,
                                     const std::vector<std::string>& paths) {
  auto reply = call(service, "/", sim_interface, "RemovePaths",
                    [&](sdbus::MethodCall& msg) { msg << paths; });
  int32_t result = 0;
  reply >> result;
  return result;
}

void bus_client::sim_set_signal_mode(const std::string& service,
                                     const std::string& mode) {
  call(service, "/", sim_interface, "SetSignalMode",
       [&](sdbus::MethodCall& msg) { msg << mode; });
}

void bus_client::sim_flood(const std::string& service,
                           const std::string& prefix, uint32_t count,
                           uint32_t bytes, const std::string& type) {
  call(
      service, "/", sim_interface, "Flood",
      [&](sdbus::MethodCall& msg) { msg << prefix << count << bytes << type; },
      60s);
}

void bus_client::sim_emit_bad_properties(const std::string& service,
                                         const std::string& path,
                                         uint32_t count) {
  call(service, "/", sim_interface, "EmitBadProperties",
       [&](sdbus::MethodCall& msg) { msg << path << count; });
}

std::string bus_client::sim_get_writes(const std::string& service) {
  auto reply = call(service, "/", sim_interface, "GetWrites");
  std::string json;
  reply >> json;
  return json;
}

void bus_client::sim_release_name(const std::string& service) {
  call(service, "/", sim_interface, "ReleaseName");
}

void bus_client::sim_quit(const std::string& service) {
  try {
    call(service, "/", sim_interface, "Quit");
  } catch (const sdbus::Error& e) {
    // The simulator may leave the bus before its reply is delivered.
    if (e.getName() != "org.freedesktop.DBus.Error.NoReply")
      throw;
  }
}
} // namespace ba::test
