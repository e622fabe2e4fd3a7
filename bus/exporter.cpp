#include "bus/exporter.hpp"

#include <algorithm>
#include <cmath>

#include <caf/send.hpp>

#include "bus/guard.hpp"
#include "bus/value_conversion.hpp"
#include "logging/log.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

constexpr const char* busitem = "com.victronenergy.BusItem";

/// Longest text a client may write: /CustomName is shown in the GUI and kept
/// in settings; anything longer is a mistake or an attack.

} // namespace

void guard_void(const char* where, const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    log(log_level::error, "bus", std::string{where} + ": " + e.what());
  }
}

exported_service::exported_service(std::shared_ptr<sdbus::IConnection> conn,
                                   const export_spec& spec)
    : conn_(std::move(conn)), name_(spec.service),
      legacy_signals_(spec.legacy_signals), owner_(spec.owner) {
  add_node("/");
  apply(spec.items, false);
}

exported_service::~exported_service() {
  if (owns_name_)
    guard_void("release name", [this] { conn_->releaseName(name_); });
  // Leaves before nodes is not required by sd-bus; clearing is enough.
  objects_.clear();
}

int32_t exported_service::device_instance() const {
  auto i = cache_.find(paths::device_instance);
  if (i == cache_.end() || !i->second.val.num())
    return -1;
  return static_cast<int32_t>(i->second.val.number);
}

void exported_service::claim_name() {
  conn_->requestName(name_);
  owns_name_ = true;
}

void exported_service::release_name() {
  if (!owns_name_)
    return;
  owns_name_ = false;
  conn_->releaseName(name_);
}

void exported_service::release_name_async(std::chrono::microseconds timeout,
                                          std::function<void(bool)> done) {
  if (!owns_name_) {
    done(true);
    return;
  }
  owns_name_ = false;
  release_proxy_ = sdbus::createProxy(*conn_, "org.freedesktop.DBus",
                                      "/org/freedesktop/DBus");
  release_proxy_->callMethodAsync("ReleaseName")
      .onInterface("org.freedesktop.DBus")
      .withTimeout(timeout)
      .withArguments(name_)
      .uponReplyInvoke(
          [done](const sdbus::Error* e, uint32_t) { done(e == nullptr); });
}

size_t exported_service::apply(const std::vector<export_item>& items,
                               bool emit) {
  changed_.clear();
  for (auto& item : items) {
    auto i = cache_.find(item.path);
    if (i == cache_.end()) {
      i = cache_.emplace(item.path, entry{item.val, item.text, item.write})
              .first;
      ensure_objects(item.path);
      changed_.push_back(&*i);
    } else if (i->second.val != item.val || i->second.text != item.text
               || i->second.val.kind != item.val.kind) {
      i->second.val = item.val;
      i->second.text = item.text;
      changed_.push_back(&*i);
    }
  }
  if (!emit || changed_.empty())
    return 0;
  emit_changes(changed_);
  return 1;
}

void exported_service::emit_changes(std::vector<cache_entry*>& paths) {
  // The cache already holds the new values, so a GetItems answered after the
  // signal returns them (venus-dbus.md 7.3). Written straight into the
  // signal, each path once, in order. The entries are the cache's own: no
  // second look-up per path.
  std::sort(paths.begin(), paths.end(),
            [](auto* x, auto* y) { return x->first < y->first; });
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  if (legacy_signals_) {
    for (auto* p : paths) {
      auto obj = objects_.find(p->first);
      if (obj == objects_.end())
        continue;
      auto sig = obj->second->createSignal(busitem, "PropertiesChanged");
      append_item(sig, p->second.val, p->second.text);
      obj->second->emitSignal(sig);
    }
  }
  items_.clear();
  for (auto* p : paths)
    items_.push_back(item_ref{&p->first, &p->second.val, &p->second.text});
  auto sig = root_->createSignal(busitem, "ItemsChanged");
  append_items_changed(sig, items_);
  root_->emitSignal(sig);
}

void exported_service::ensure_objects(const std::string& path) {
  // Intermediate nodes first, so that node GetValue dicts work as in velib.
  for (auto pos = path.find('/', 1); pos != std::string::npos;
       pos = path.find('/', pos + 1))
    add_node(path.substr(0, pos));
  if (objects_.count(path) != 0)
    return;
  auto obj = sdbus::createObject(*conn_, path);
  obj->registerMethod("GetValue")
      .onInterface(busitem)
      .implementedAs([this, path]() -> sdbus::Variant {
        return guard([&] { return to_variant(cache_.at(path).val); });
      });
  obj->registerMethod("GetText").onInterface(busitem).implementedAs(
      [this, path]() -> std::string {
        return guard([&] { return cache_.at(path).text; });
      });
  obj->registerMethod("SetValue")
      .onInterface(busitem)
      .implementedAs([this, path](const sdbus::Variant& v) -> int32_t {
        return guard([&] { return set_value(path, v); });
      });
  obj->registerSignal("PropertiesChanged")
      .onInterface(busitem)
      .withParameters<item_dict>("changes");
  obj->finishRegistration();
  objects_.emplace(path, std::move(obj));
}

void exported_service::add_node(const std::string& path) {
  if (objects_.count(path) != 0)
    return;
  auto obj = sdbus::createObject(*conn_, path);
  obj->registerMethod("GetValue")
      .onInterface(busitem)
      .implementedAs([this, path]() -> sdbus::Variant {
        return guard([&] { return sdbus::Variant{node_values(path)}; });
      });
  obj->registerMethod("GetText").onInterface(busitem).implementedAs(
      [this, path]() -> sdbus::Variant {
        return guard([&] { return sdbus::Variant{node_texts(path)}; });
      });
  if (path == "/") {
    obj->registerMethod("GetItems")
        .onInterface(busitem)
        .implementedAs([this]() -> items_dict {
          return guard([&] {
            items_dict items;
            for (auto& [p, e] : cache_)
              items[p] = item_dict{{"Value", to_variant(e.val)},
                                   {"Text", sdbus::Variant{e.text}}};
            return items;
          });
        });
    obj->registerSignal("ItemsChanged")
        .onInterface(busitem)
        .withParameters<items_dict>("items");
  }
  obj->finishRegistration();
  if (path == "/")
    root_ = obj.get();
  objects_.emplace(path, std::move(obj));
}

std::map<std::string, sdbus::Variant>
exported_service::node_values(const std::string& node) {
  std::map<std::string, sdbus::Variant> result;
  auto prefix = node == "/" ? std::string{"/"} : node + "/";
  for (auto i = cache_.lower_bound(prefix);
       i != cache_.end() && i->first.compare(0, prefix.size(), prefix) == 0;
       ++i)
    result[i->first.substr(prefix.size())] = to_variant(i->second.val);
  return result;
}

std::map<std::string, std::string>
exported_service::node_texts(const std::string& node) {
  std::map<std::string, std::string> result;
  auto prefix = node == "/" ? std::string{"/"} : node + "/";
  for (auto i = cache_.lower_bound(prefix);
       i != cache_.end() && i->first.compare(0, prefix.size(), prefix) == 0;
       ++i)
    result[i->first.substr(prefix.size())] = i->second.text;
  return result;
}

int32_t exported_service::set_value(const std::string& path,
                                    const sdbus::Variant& v) {
  auto& e = cache_.at(path);
  auto refuse = [&](const std::string& why) {
    // DEBUG: any client may call SetValue as often as it likes, and a
    // refusal is answered to the caller anyway.
    log(log_level::debug, "bus",
        "SetValue on " + name_ + path + " refused: " + why);
    return int32_t{1};
  };
  if (e.write == writable::no)
    return refuse("read-only path");
  bool odd = false;
  auto in = from_variant(v, &odd);
  value accepted;
  switch (e.write) {
    case writable::text:
      if (in.kind != value_kind::text)
        return refuse("expects a string");
      if (in.str.size() > max_written_text)
        return refuse("text longer than " + std::to_string(max_written_text)
                      + " bytes");
      accepted = in;
      break;
    case writable::log_level: {
      auto lvl
          = in.kind == value_kind::text ? parse_log_level(in.str) : caf::none;
      if (!lvl)
        return refuse("expects DEBUG, INFO, WARNING or ERROR");
      accepted = value::text(to_string(*lvl));
      break;
    }
    case writable::trigger: {
      auto x = in.num();
      if (!x)
        return refuse("expects a number");
      // Checked before the cast: 1e300 to int64 is undefined behaviour.
      if (*x < -2147483648.0 || *x > 2147483647.0)
        return refuse("number out of range");
      accepted = value::integer(static_cast<int64_t>(*x));
      break;
    }
    case writable::member_id: {
      // gui-v2 writes the pack the user picked: 1..N as the bus shows N.
      auto x = in.num();
      auto n = cache_.find(paths::nr_of_batteries);
      auto count = n == cache_.end() ? caf::none : n->second.val.num();
      if (!x || *x != std::floor(*x))
        return refuse("expects a whole number");
      if (!count || *count < 1 || *x < 1 || *x > *count)
        return refuse(
            "expects a pack number from 1 to "
            + std::to_string(count ? static_cast<int64_t>(*count) : 0));
      accepted = value::integer(static_cast<int64_t>(*x));
      break;
    }
    default:
      return refuse("read-only path");
  }
  if (accepted == e.val)
    return 0;
  e.val = accepted;
  e.text
      = accepted.kind == value_kind::text ? accepted.str : to_string(accepted);
  std::vector<cache_entry*> one{&*cache_.find(path)};
  emit_changes(one);
  if (owner_)
    caf::anon_send(owner_, path_written{name_, path, accepted});
  return 0;
}

} // namespace ba
