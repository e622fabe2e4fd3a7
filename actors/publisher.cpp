#include "actors/publisher.hpp"

#include <chrono>

#include "actors/lifecycle.hpp"
#include "actors/rules/output_format.hpp"
#include "logging/log.hpp"
#include "messages/messages.hpp"
#include "messages/paths.hpp"
#include "messages/protocols.hpp"
#include "version.hpp"

namespace ba {

namespace {} // namespace

value_map identity_values(const std::string& service,
                          const std::string& product_name) {
  return {
      {paths::mgmt_process_name, value::text("battery-aggregator")},
      {paths::mgmt_process_version, value::text(BA_VERSION)},
      {paths::mgmt_connection, value::text("Virtual")},
      {paths::product_id, value::integer(0)},
      {paths::product_name, value::text(product_name)},
      {paths::firmware_version, value::text(BA_VERSION)},
      {paths::hardware_version, value::integer(0)},
      {paths::serial, value::text(service_suffix(service))},
      {paths::connected, value::integer(1)},
      {paths::custom_name, value::text("")},
      {paths::log_level, value::text(to_string(current_log_level()))},
      {paths::redetect, value::integer(0)},
  };
}

bool has_valid_measurement(const value_map& values) {
  for (auto* path : {paths::dc_voltage, paths::dc_current, paths::soc}) {
    auto i = values.find(path);
    if (i != values.end() && i->second.num())
      return true;
  }
  return false;
}

caf::behavior publisher_actor(caf::stateful_actor<publisher_state>* self,
                              config cfg, std::string service,
                              std::string product_name, bus_port* bus,
                              caf::actor settings, bool restarted) {
  auto& st = self->state;
  st.name = "publisher:" + service;
  // The entry of `path`, made (with its row) on first use.
  auto entry
      = [=](std::string_view path) -> publisher_state::path_map::value_type& {
    auto& paths = self->state.paths;
    auto i = paths.find(path);
    if (i == paths.end()) {
      i = paths.emplace(std::string{path}, published_path{}).first;
      i->second.row = find_path(path);
    }
    return *i;
  };
  auto mark = [=](publisher_state::path_map::value_type& e) {
    if (!e.second.pending) {
      e.second.pending = true;
      self->state.pending.push_back(&e);
    }
  };
  for (auto& [path, v] : identity_values(service, product_name))
    entry(path).second.current = v;
  // A restarted publisher takes over a service still on the bus with its
  // name: its custom name stays as it is until the settings say.
  if (restarted)
    st.paths.erase(std::string{paths::custom_name});
  st.ready = restarted;
  log_lifecycle(self, st.name);
  st.interval = std::chrono::milliseconds(cfg.publish_interval_ms);
  st.legacy_signals = cfg.legacy_signals;
  auto register_if_ready = [=] {
    auto& st = self->state;
    if (st.registered || !st.ready || !st.instance)
      return;
    export_spec spec;
    spec.service = service;
    spec.legacy_signals = st.legacy_signals;
    spec.owner = caf::actor_cast<caf::actor>(self);
    for (auto& [path, p] : st.paths) {
      auto item = rounded_item(path, p.row, format_value(p.row, p.current));
      p.on_bus = item.val;
      p.sent = true;
      p.pending = false;
      spec.items.push_back(std::move(item));
    }
    st.pending.clear();
    st.registered = true;
    bus->export_service(std::move(spec));
  };
  auto flush = [=] {
    auto& st = self->state;
    st.last_flush = self->clock().now();
    std::vector<export_item> changed;
    for (auto* e : st.pending) {
      auto& p = e->second;
      p.pending = false;
      auto v = format_value(p.row, p.current);
      // Unchanged after rounding: not re-sent (product.md 7). Its text
      // follows from the rounded value, so it is not rendered then.
      if (p.sent && v == p.on_bus && v.kind == p.on_bus.kind)
        continue;
      auto item = rounded_item(e->first, p.row, std::move(v));
      p.on_bus = item.val;
      p.sent = true;
      changed.push_back(std::move(item));
    }
    st.pending.clear();
    if (changed.empty())
      return;
    ++st.signals;
    bus->update_service(service, std::move(changed));
  };
  auto schedule_flush = [=] {
    auto& st = self->state;
    if (st.flush_scheduled || !st.registered || st.pending.empty())
      return;
    auto now = self->clock().now();
    auto due = st.last_flush + st.interval;
    if (now >= due && self->mailbox().empty()) {
      // Due, and nothing else waiting that could join this update: sent
      // at once, without a message to self (one hand-off fewer per input;
      // issue 13).
      flush();
      return;
    }
    st.flush_scheduled = true;
    // A message to self queues behind everything already in the mailbox:
    // the flush runs once the mailbox is drained.
    if (now >= due)
      self->send(self, flush_atom::value);
    else
      self->delayed_send(self, due - now, flush_atom::value);
  };
  auto set_values = [=](const value_map& values) {
    auto& st = self->state;
    for (auto& [path, v] : values) {
      auto& e = entry(path);
      auto& cur = e.second.current;
      if (cur == v && cur.kind == v.kind)
        continue;
      cur = v;
      mark(e);
    }
    // A bank with member pages (every kind but `merge`, which never
    // publishes a member count): /Battery/Request/Id is valid while there
    // is a page to show, and stays inside 1..N when the list shrinks.
    auto n = values.find(std::string_view{paths::nr_of_batteries});
    if (n == values.end())
      return;
    auto count = n->second.num();
    bool fresh = st.paths.count(std::string_view{paths::request_id}) == 0;
    auto& id = entry(paths::request_id);
    auto& cur = id.second.current;
    auto want = cur;
    if (!count || *count < 1)
      want = value::invalid();
    else if (!cur.num())
      want = value::integer(1);
    else if (*cur.num() > *count)
      want = value::integer(static_cast<int64_t>(*count));
    if (!fresh && want == cur && want.kind == cur.kind)
      return;
    cur = want;
    mark(id);
  };
  self->delayed_send(self,
                     std::chrono::milliseconds(
                         static_cast<int64_t>(cfg.startup_battery_wait * 1000)),
                     startup_atom::value);
  return checked_behavior<publisher_protocol>(
      [=](const publish_values& pv) {
        set_values(pv.values);
        auto& st = self->state;
        // A valid measurement seen before would have made it ready then.
        if (!st.ready && has_valid_measurement(pv.values)) {
          st.ready = true;
          register_if_ready();
        }
        schedule_flush();
      },
      [=](startup_atom) {
        auto& st = self->state;
        if (st.ready)
          return;
        st.ready = true;
        log(log_level::warning, "publisher",
            "no battery with valid data after "
                + std::to_string(static_cast<int>(cfg.startup_battery_wait))
                + " s: registering with invalid measurements");
        register_if_ready();
      },
      [=](const device_instance& di) {
        auto& st = self->state;
        if (st.instance && *st.instance == di.instance)
          return;
        st.instance = di.instance;
        // Sent with the (re-)registration below.
        entry(paths::device_instance).second.current
            = value::integer(di.instance);
        if (!st.registered) {
          register_if_ready();
          return;
        }
        // A new instance: release the name and claim it again.
        log(log_level::info, "publisher",
            service + ": device instance changed to "
                + std::to_string(di.instance) + ", re-registering");
        st.registered = false;
        register_if_ready();
      },
      [=](const custom_name& cn) {
        set_values({{paths::custom_name, value::text(cn.name)}});
        schedule_flush();
      },
      [=](const publisher_bank& b) { self->state.bank = b.bank; },
      [=](const config_ptr& next) {
        auto& st = self->state;
        st.interval = std::chrono::milliseconds(next->publish_interval_ms);
        if (next->legacy_signals != st.legacy_signals) {
          st.legacy_signals = next->legacy_signals;
          // The bus side learns the new signal mode with the same
          // identity: the service does not leave the bus.
          if (st.registered) {
            st.registered = false;
            register_if_ready();
          }
        }
      },
      [=](const path_written& w) {
        auto& e = entry(w.path);
        auto& p = e.second;
        // The bus cache already holds what was written.
        p.on_bus = format_value(p.row, w.val);
        p.sent = true;
        if (w.path == paths::redetect) {
          auto x = w.val.num();
          if (x && *x != 0 && self->state.bank)
            self->send(self->state.bank, redetect_atom::value);
          // A trigger, not a setting: it reads 0 again; the flush sends
          // the 0.
          p.current = value::integer(0);
          mark(e);
          schedule_flush();
          return;
        }
        p.current = w.val;
        if (w.path == paths::custom_name) {
          log(log_level::info, "publisher",
              service + ": custom name set to \"" + w.val.str + "\"");
          self->send(settings, custom_name_written{service, w.val.str});
        } else if (w.path == paths::log_level) {
          if (auto lvl = parse_log_level(w.val.str)) {
            set_log_level(*lvl);
            log(log_level::info, "publisher",
                std::string{"log level set to "} + to_string(*lvl));
          }
        }
      },
      [=](const service_registered& r) {
        log(log_level::info, "publisher",
            r.service + " registered with device instance "
                + std::to_string(r.device_instance));
      },
      [=](flush_atom) {
        self->state.flush_scheduled = false;
        flush();
      },
      [=](summary_atom) {
        health_stats s;
        s.component = self->state.name;
        s.signals = self->state.signals;
        return s;
      });
}

} // namespace ba
