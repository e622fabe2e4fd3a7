#include "actors/settings.hpp"

#include <chrono>
#include <cstdlib>

#include "actors/lifecycle.hpp"
#include "messages/log.hpp"
#include "messages/messages.hpp"

namespace ba {

namespace {

constexpr const char* settings_service = "com.victronenergy.settings";
constexpr const char* system_service = "com.victronenergy.system";
constexpr const char* dvcc_path = "/Control/Dvcc";
constexpr const char* max_current_path
    = "/Settings/SystemSetup/MaxChargeCurrent";
constexpr const char* max_voltage_path
    = "/Settings/SystemSetup/MaxChargeVoltage";
constexpr auto retry_delay = std::chrono::seconds(2);
constexpr auto waiting_log_interval = std::chrono::seconds(10);

using retry_atom = caf::atom_constant<caf::atom("retry")>;

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

std::string instance_setting_path(const std::string& device_key) {
  return "/Settings/Devices/" + device_key + "/ClassAndVrmInstance";
}

std::string custom_name_setting_path(const std::string& suffix) {
  return "/Settings/Battery/" + suffix + "/CustomName";
}

caf::behavior settings_actor(caf::stateful_actor<settings_state>* self,
                             std::string device_key, std::string suffix,
                             int32_t preferred_instance, bus_port* bus) {
  log_lifecycle(self, "settings");
  auto instance_path = instance_setting_path(device_key);
  auto name_path = custom_name_setting_path(suffix);
  auto apply = [=](const std::string& path, const value& v) {
    auto& st = self->state;
    if (path == instance_path) {
      // Read before AddSettings created it: nothing to say yet.
      if (!v.valid())
        return;
      auto inst = v.kind == value_kind::text ? parse_class_and_instance(v.str)
                                             : caf::none;
      if (!inst) {
        log(log_level::error, "settings",
            instance_path + " holds " + to_string(v)
                + ", not <class>:<instance>; keeping the current instance");
        return;
      }
      st.instance = *inst;
      if (st.publisher)
        self->send(st.publisher, device_instance{*inst});
    } else if (path == name_path && v.kind == value_kind::text) {
      st.custom_name = v.str;
      if (st.publisher)
        self->send(st.publisher, custom_name{v.str});
    } else if (path == max_current_path || path == max_voltage_path) {
      // Absent or invalid: no user limit.
      auto x = v.num();
      if (path == max_current_path)
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
  auto add = [=] {
    bus->add_settings(
        {{instance_path, 0,
          value::text("battery:" + std::to_string(preferred_instance))},
         {name_path, 0, value::text("")}},
        caf::actor_cast<caf::actor>(self));
  };
  self->delayed_send(self, waiting_log_interval, waiting_atom::value,
                     self->state.generation);
  return {
      [=](ready_atom, caf::actor pub, caf::actor agg) {
        auto& st = self->state;
        st.publisher = pub;
        st.aggregator = agg;
        self->send(agg, st.dvcc);
        if (st.instance)
          self->send(pub, device_instance{*st.instance});
        if (!st.custom_name.empty())
          self->send(pub, custom_name{st.custom_name});
      },
      [=](const service_appeared& a) {
        if (a.service == system_service) {
          // DVCC counts as on only while systemcalc says so.
          bus->watch_paths(system_service, caf::actor_cast<caf::actor>(self),
                           {dvcc_path});
          return;
        }
        auto& st = self->state;
        st.present = true;
        ++st.generation;
        log(log_level::info, "settings", "settings service found");
        // Follow our two settings (a user may change them in the GUI) and
        // the DVCC user limits; no other setting is routed here.
        bus->watch_paths(
            settings_service, caf::actor_cast<caf::actor>(self),
            {instance_path, name_path, max_current_path, max_voltage_path});
        add();
      },
      [=](const service_vanished& v) {
        if (v.service == system_service) {
          set_dvcc_on(false);
          return;
        }
        auto& st = self->state;
        st.present = false;
        st.added = false;
        ++st.generation;
        log(log_level::warning, "settings",
            "settings service left the bus; keeping instance and name");
        self->delayed_send(self, waiting_log_interval, waiting_atom::value,
                           st.generation);
      },
      [=](const settings_added& r) {
        auto& st = self->state;
        st.added = true;
        for (auto& res : r.results) {
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
        self->delayed_send(self, retry_delay, retry_atom::value, st.generation);
      },
      [=](retry_atom, uint64_t gen) {
        auto& st = self->state;
        if (gen == st.generation && st.present && !st.added)
          add();
      },
      [=](const source_values& sv) {
        if (sv.service == system_service) {
          auto i = sv.values.find(dvcc_path);
          if (i != sv.values.end()) {
            auto x = i->second.num();
            set_dvcc_on(x && *x == 1);
          }
          return;
        }
        for (auto& [path, v] : sv.values)
          apply(path, v);
      },
      [=](const custom_name& cn) {
        // A client wrote /CustomName on our service: persist it.
        auto& st = self->state;
        st.custom_name = cn.name;
        if (st.present)
          bus->set_value(settings_service, name_path, value::text(cn.name));
      },
      [=](waiting_atom, uint64_t gen) {
        auto& st = self->state;
        if (gen != st.generation || st.added)
          return;
        log(log_level::warning, "settings",
            "waiting for com.victronenergy.settings");
        self->delayed_send(self, waiting_log_interval, waiting_atom::value,
                           gen);
      },
  };
}

} // namespace ba
