#include "actors/settings.hpp"

#include <chrono>
#include <cstdlib>

#include "actors/lifecycle.hpp"
#include "logging/log.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"
#include "messages/protocols.hpp"

namespace ba {

namespace {

constexpr const char* settings_service = "com.victronenergy.settings";
constexpr const char* system_service = "com.victronenergy.system";
constexpr auto retry_delay = std::chrono::seconds(2);
constexpr auto waiting_log_interval = std::chrono::seconds(10);

} // namespace

caf::optional<int32_t> parse_class_and_instance(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon + 1 >= text.size())
    return caf::none;
  auto digits = text.substr(colon + 1);
  if (digits.size() > 9
      || digits.find_first_not_of("0123456789") != std::string::npos)
    return caf::none;
  return static_cast<int32_t>(std::strtol(digits.c_str(), nullptr, 10));
}

caf::behavior settings_actor(caf::stateful_actor<settings_state>* self,
                             bus_port* bus) {
  log_lifecycle(self, "settings");
  auto me = [=] { return caf::actor_cast<caf::actor>(self); };
  auto apply = [=](const std::string& path, const value& v) {
    auto& st = self->state;
    for (auto& d : st.devices) {
      if (path == d.instance_path) {
        // Read before AddSettings created it: nothing to say yet.
        if (!v.valid())
          return;
        auto inst = v.kind == value_kind::text ? parse_class_and_instance(v.str)
                                               : caf::none;
        if (!inst) {
          log(log_level::error, "settings",
              path + " holds " + to_string(v)
                  + ", not <class>:<instance>; keeping the current instance");
          return;
        }
        d.instance = *inst;
        self->send(d.publisher, device_instance{*inst});
        return;
      }
      if (path == d.name_path) {
        if (v.kind != value_kind::text)
          return;
        if (d.writing) {
          if (v.str != *d.writing)
            return; // a read from before the client's write
          d.writing = caf::none;
        }
        if (v.str.size() > max_written_text) {
          // The limit of a direct write holds here too: a name written
          // into the settings service by any client is no way around it.
          log(log_level::warning, "settings",
              path + ": custom name of " + std::to_string(v.str.size())
                  + " bytes ignored (at most "
                  + std::to_string(max_written_text) + ")");
          return;
        }
        d.custom_name = v.str;
        self->send(d.publisher, custom_name{v.str});
        return;
      }
    }
    if (path == paths::setting_max_charge_current
        || path == paths::setting_max_charge_voltage) {
      // Absent or invalid: no user limit.
      auto x = v.num();
      if (path == paths::setting_max_charge_current)
        st.dvcc.max_charge_current = x ? *x : -1;
      else
        st.dvcc.max_charge_voltage = x ? *x : 0;
      if (st.aggregator)
        self->send(st.aggregator, st.dvcc);
    }
  };
  auto set_dvcc_on = [=](bool on) {
    auto& st = self->state;
    if (st.dvcc.on == on)
      return;
    st.dvcc.on = on;
    log(log_level::info, "settings",
        std::string{"DVCC is "} + (on ? "on" : "off"));
    if (st.aggregator)
      self->send(st.aggregator, st.dvcc);
  };
  // Registers every device not added yet, and routes all our settings (and
  // no other) to this actor.
  auto add = [=] {
    auto& st = self->state;
    if (!st.present)
      return;
    std::vector<setting_result> defaults;
    std::vector<std::string> watched{paths::setting_max_charge_current,
                                     paths::setting_max_charge_voltage};
    for (auto& d : st.devices) {
      watched.push_back(d.instance_path);
      watched.push_back(d.name_path);
      if (d.added)
        continue;
      defaults.push_back(
          {d.instance_path, 0,
           value::text("battery:" + std::to_string(d.preferred))});
      defaults.push_back({d.name_path, 0, value::text("")});
    }
    bus->watch_paths(settings_service, me(), watched);
    if (!defaults.empty())
      bus->add_settings(std::move(defaults), me());
  };
  self->delayed_send(self, waiting_log_interval,
                     waiting_due{self->state.generation});
  return checked_behavior<settings_protocol>(
      [=](const device_wanted& w) {
        auto& st = self->state;
        device_entry d;
        d.service = w.service;
        d.instance_path = paths::class_and_vrm_instance_setting(w.device_key);
        d.name_path = paths::custom_name_setting(w.suffix);
        d.preferred = w.preferred_instance;
        d.publisher = w.publisher;
        st.devices.push_back(std::move(d));
        add();
      },
      [=](const dvcc_listener& l) {
        auto& st = self->state;
        st.aggregator = l.aggregator;
        self->send(l.aggregator, st.dvcc);
      },
      [=](const service_appeared& a) {
        if (a.service == system_service) {
          // DVCC counts as on only while systemcalc says so.
          bus->watch_paths(system_service, me(), {paths::system_dvcc});
          return;
        }
        auto& st = self->state;
        st.present = true;
        ++st.generation;
        for (auto& d : st.devices)
          d.added = false;
        log(log_level::info, "settings", "settings service found");
        add();
      },
      [=](const service_vanished& v) {
        if (v.service == system_service) {
          set_dvcc_on(false);
          return;
        }
        auto& st = self->state;
        st.present = false;
        ++st.generation;
        log(log_level::warning, "settings",
            "settings service left the bus; keeping instances and names");
        self->delayed_send(self, waiting_log_interval,
                           waiting_due{st.generation});
      },
      [=](const settings_added& r) {
        auto& st = self->state;
        for (auto& res : r.results) {
          for (auto& d : st.devices)
            if (res.path == d.instance_path || res.path == d.name_path)
              d.added = true;
          if (res.error != 0) {
            log(log_level::error, "settings",
                "AddSettings " + res.path + " failed with "
                    + std::to_string(res.error));
            continue;
          }
          apply(res.path, res.current);
        }
      },
      [=](const scan_failed& f) {
        auto& st = self->state;
        if (!st.present)
          return;
        log(log_level::warning, "settings",
            "AddSettings failed (" + f.reason + "), retrying");
        self->delayed_send(self, retry_delay, add_retry_due{st.generation});
      },
      [=](const add_retry_due& r) {
        if (r.generation == self->state.generation)
          add();
      },
      [=](const source_values& sv) {
        if (sv.service == system_service) {
          auto i = sv.values.find(paths::system_dvcc);
          if (i != sv.values.end()) {
            auto x = i->second.num();
            set_dvcc_on(x && *x == 1);
          }
          return;
        }
        for (auto& [path, v] : sv.values)
          apply(path, v);
      },
      [=](const custom_name_written& w) {
        auto& service = w.service;
        auto& name = w.name;
        // A client wrote /CustomName on one of our services: persist it.
        auto& st = self->state;
        for (auto& d : st.devices)
          if (d.service == service) {
            d.custom_name = name;
            d.writing = name;
            // If the write never comes back (settings gone), stop waiting.
            self->delayed_send(
                self, std::chrono::seconds(5),
                name_write_timeout{service, ++d.writing_generation});
            if (st.present)
              bus->set_value(settings_service, d.name_path, value::text(name));
          }
      },
      [=](const name_write_timeout& t) {
        for (auto& d : self->state.devices)
          if (d.service == t.service && d.writing_generation == t.generation)
            d.writing = caf::none;
      },
      [=](const waiting_due& w) {
        auto& st = self->state;
        if (w.generation != st.generation || st.present)
          return;
        log(log_level::warning, "settings",
            "waiting for com.victronenergy.settings");
        self->delayed_send(self, waiting_log_interval,
                           waiting_due{w.generation});
      });
}

} // namespace ba
