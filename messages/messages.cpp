#include "messages/messages.hpp"

#include "messages/paths.hpp"

namespace ba {

bool operator==(const service_appeared& x, const service_appeared& y) {
  return x.service == y.service && x.owner == y.owner;
}

bool operator==(const service_vanished& x, const service_vanished& y) {
  return x.service == y.service;
}

bool operator==(const scan_failed& x, const scan_failed& y) {
  return x.service == y.service && x.reason == y.reason;
}

bool operator==(const source_values& x, const source_values& y) {
  return x.service == y.service && x.values == y.values
         && x.complete == y.complete;
}

bool operator==(const member_update& x, const member_update& y) {
  return x.service == y.service && x.values == y.values
         && x.snapshot == y.snapshot;
}

bool operator==(const member_removed& x, const member_removed& y) {
  return x.service == y.service;
}

bool operator==(const source_scanned& x, const source_scanned& y) {
  return x.service == y.service && x.paths == y.paths && x.offline == y.offline;
}

bool operator==(const source_spoke& x, const source_spoke& y) {
  return x.service == y.service && x.offline == y.offline;
}

bool operator==(const publish_values& x, const publish_values& y) {
  return x.values == y.values;
}

bool operator==(const device_instance& x, const device_instance& y) {
  return x.instance == y.instance;
}

bool operator==(const path_written& x, const path_written& y) {
  return x.service == y.service && x.path == y.path && x.val == y.val;
}

bool operator==(const custom_name& x, const custom_name& y) {
  return x.name == y.name;
}

bool operator==(const dvcc_state& x, const dvcc_state& y) {
  return x.on == y.on && x.max_charge_current == y.max_charge_current
         && x.max_charge_voltage == y.max_charge_voltage;
}

bool operator==(const bank_handover& x, const bank_handover& y) {
  return x.counting == y.counting && x.roster == y.roster;
}

bool operator==(const member_state& x, const member_state& y) {
  return x.service == y.service && x.status == y.status && x.reason == y.reason;
}

bool operator==(const probe_result& x, const probe_result& y) {
  return x.service == y.service && x.ok == y.ok && x.connected == y.connected;
}

const char* to_string(member_status s) {
  switch (s) {
    case member_status::online:
      return "online";
    case member_status::stale:
      return "stale";
    default:
      return "lost";
  }
}

bool operator==(const setting_result& x, const setting_result& y) {
  return x.path == y.path && x.error == y.error && x.current == y.current;
}

bool operator==(const settings_added& x, const settings_added& y) {
  return x.results == y.results;
}

bool operator==(const service_registered& x, const service_registered& y) {
  return x.service == y.service && x.device_instance == y.device_instance;
}

bool operator==(const health_stats& x, const health_stats& y) {
  return x.component == y.component && x.members_online == y.members_online
         && x.members_total == y.members_total && x.updates == y.updates
         && x.signals == y.signals && x.quiet == y.quiet;
}

bool operator==(const source_hello& x, const source_hello& y) {
  return x.service == y.service;
}

bool operator==(const heard_query& x, const heard_query& y) {
  return x.service == y.service && x.generation == y.generation;
}

bool operator==(const heard_answer& x, const heard_answer& y) {
  return x.since == y.since && x.generation == y.generation;
}

bool operator==(const check_due& x, const check_due& y) {
  return x.generation == y.generation;
}

bool operator==(const grace_over& x, const grace_over& y) {
  return x.service == y.service && x.generation == y.generation;
}

bool operator==(const services_listed& x, const services_listed& y) {
  return x.present == y.present;
}

bool operator==(const virtual_banks& x, const virtual_banks& y) {
  return x.actors == y.actors;
}

bool operator==(const publisher_bank& x, const publisher_bank& y) {
  return x.bank == y.bank;
}

bool operator==(const health_targets& x, const health_targets& y) {
  return x.aggregator == y.aggregator && x.publisher == y.publisher
         && x.restarts == y.restarts;
}

bool operator==(const device_wanted& x, const device_wanted& y) {
  return x.service == y.service && x.device_key == y.device_key
         && x.suffix == y.suffix && x.preferred_instance == y.preferred_instance
         && x.publisher == y.publisher;
}

bool operator==(const dvcc_listener& x, const dvcc_listener& y) {
  return x.aggregator == y.aggregator;
}

bool operator==(const custom_name_written& x, const custom_name_written& y) {
  return x.service == y.service && x.name == y.name;
}

bool operator==(const name_write_timeout& x, const name_write_timeout& y) {
  return x.service == y.service && x.generation == y.generation;
}

bool operator==(const add_retry_due& x, const add_retry_due& y) {
  return x.generation == y.generation;
}

bool operator==(const waiting_due& x, const waiting_due& y) {
  return x.generation == y.generation;
}

std::string to_string(offline_cause c) {
  switch (c) {
    case offline_cause::disconnected:
      return std::string{paths::connected} + " 0";
    case offline_cause::cable_lost:
      return std::string{paths::alarm_bms_cable} + " 2";
    default:
      return {};
  }
}

} // namespace ba
