#include "actors/bank.hpp"

#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "actors/bank_rules.hpp"
#include "actors/cvl.hpp"
#include "actors/parallel_rules.hpp"
#include "actors/role_merge.hpp"

namespace ba {

namespace {

const char* method_name(ratio_method m) {
  switch (m) {
    case ratio_method::count:
      return "count";
    case ratio_method::ir:
      return "ir";
    default:
      return "capacity";
  }
}

const path_key voltage_key{"/Dc/0/Voltage"};
const path_key current_key{"/Dc/0/Current"};
const path_key charge_limit_key{limit_path(limit_kind::charge)};
const path_key discharge_limit_key{limit_path(limit_kind::discharge)};

/// Step 5 of product.md 2.3: shrink k for a member measured above its own
/// limit; let it recover every 10 s while it is back under; reset all of
/// them when the contributing set changes. A member stays over its limit
/// for a while after the bank limit drops (chargers ramp down), so one
/// measurement counts per 10 s tick, not every signal: otherwise k would
/// fall to its floor within a second.
/// Whether the contributing members of `res` are `last` (sorted). Walks
/// both in order first: the members come in service order, so this settles
/// it without building the sorted list on every update.
bool same_set(const limit_result& res, const std::vector<std::string>& last) {
  size_t j = 0;
  bool in_order = true;
  for (auto& m : res.members) {
    if (!m.contributes)
      continue;
    if (j >= last.size() || m.service != last[j]) {
      in_order = false;
      break;
    }
    ++j;
  }
  if (in_order && j == last.size())
    return true;
  return contributing_set(res) == last;
}

void update_corrections(
    limit_kind kind, const limit_result& res,
    const std::vector<limit_member>& lm, std::vector<std::string>& last_set,
    std::map<std::string, double>& ks,
    std::map<std::string, caf::actor_clock::time_point>& measured,
    int recovery_ticks, caf::actor_clock::time_point now) {
  auto tick
      = std::chrono::seconds(static_cast<int64_t>(correction_tick_seconds));
  if (!same_set(res, last_set)) {
    ks.clear();
    measured.clear();
    last_set = contributing_set(res);
  }
  // res.members[n] is the result row of lm[n].
  for (size_t n = 0; n < res.members.size() && n < lm.size(); ++n) {
    auto& m = res.members[n];
    if (!m.contributes)
      continue;
    auto& k = ks.emplace(m.service, 1.0).first->second;
    auto limit = m.own_limit.num();
    if (!limit)
      continue;
    auto i = number_at(member_ref{lm[n].values, lm[n].index}, current_key);
    if (!i)
      continue;
    auto towards = current_towards(kind, *i);
    if (towards > *limit) {
      auto last = measured.find(m.service);
      if (last == measured.end() || now - last->second >= tick) {
        k = correction_after_measurement(k, *limit, *i);
        measured[m.service] = now;
      }
    } else
      for (int t = 0; t < recovery_ticks; ++t)
        k = correction_after_recovery_tick(k);
  }
}

std::vector<limit_member>
limit_members(const std::map<std::string, const bank_source*>& members,
              const std::map<std::string, double>& ks, bank_memory& mem,
              const config& cfg) {
  std::vector<limit_member> result;
  result.reserve(members.size());
  for (auto& [service, src] : members) {
    limit_member m;
    m.service = service;
    m.values = &src->values;
    m.index = src->index.built() ? &src->index : nullptr;
    if (cfg.ratio == ratio_method::ir) {
      auto i = mem.ir.find(service);
      if (i != mem.ir.end())
        m.resistance = i->second.resistance();
    }
    auto k = ks.find(service);
    if (k != ks.end())
      m.correction = k->second;
    result.push_back(std::move(m));
  }
  return result;
}

/// What the diagnostics explain, as a short text: they are rebuilt at once
/// when it changes (see `diagnostics_refresh`).
std::string diagnostics_key(const limit_result& ccl, const value& ccl_out,
                            const limit_result& dcl, const bank_input& in) {
  std::string key;
  for (auto& [service, src] : in.members) {
    key += service;
    key += '\n';
  }
  auto one = [&](const limit_result& r, const value& out) {
    key += to_string(out);
    key += method_name(r.method_used);
    for (auto& m : r.members) {
      key += m.contributes ? 'c' : '-';
      key += m.limiting ? 'l' : '-';
      key += m.reason;
      key += ';';
    }
  };
  one(ccl, ccl_out);
  one(dcl, dcl.limit);
  return key;
}

/// The texts of product.md 2.5 that hold one entry per member, aligned with
/// /System/Batteries.
void build_diagnostics(const limit_result& ccl, const value& ccl_out,
                       const limit_result& dcl, const bank_input& in,
                       bank_memory& mem) {
  auto names = nlohmann::json::array();
  auto rs = nlohmann::json::array();
  auto emfs = nlohmann::json::array();
  for (auto& [service, src] : in.members) {
    names.push_back(service);
    auto est = mem.ir.find(service);
    auto r = est == mem.ir.end() ? caf::none : est->second.resistance();
    auto v = src->values.find("/Dc/0/Voltage");
    auto i = src->values.find("/Dc/0/Current");
    auto vv = v == src->values.end() ? caf::none : v->second.num();
    auto ii = i == src->values.end() ? caf::none : i->second.num();
    if (r) {
      rs.push_back(std::round(*r * 1e5) / 1e5);
      if (vv && ii)
        emfs.push_back(std::round(emf_of(*vv, *ii, *r) * 1000) / 1000);
      else
        emfs.push_back(nullptr);
    } else {
      rs.push_back(nullptr);
      emfs.push_back(nullptr);
    }
  }
  mem.batteries = value::text(names.dump());
  mem.resistances = value::text(rs.dump());
  mem.emfs = value::text(emfs.dump());
  mem.explanation
      = value::text(explain_limits(ccl, ccl_out, dcl, dcl.limit, in));
}

} // namespace

std::string explain_limits(const limit_result& ccl, const value& ccl_out,
                           const limit_result& dcl, const value& dcl_out,
                           const bank_input& in) {
  auto one = [&](const limit_result& r, const value& out) {
    nlohmann::json j;
    j["limit"] = out.num() ? nlohmann::json(*out.num()) : nlohmann::json();
    j["method"] = method_name(r.method_used);
    auto members = nlohmann::json::array();
    for (auto& m : r.members) {
      nlohmann::json e;
      e["service"] = m.service;
      e["state"] = "online";
      e["contributes"] = m.contributes;
      e["limiting"] = m.limiting;
      e["ownLimit"] = m.own_limit.num() ? nlohmann::json(*m.own_limit.num())
                                        : nlohmann::json();
      // Rounded so that the explanation does not change with every
      // floating-point wobble.
      e["ratio"] = std::round(m.ratio * 1000) / 1000;
      e["correction"] = std::round(m.correction * 1000) / 1000;
      e["estimate"] = std::round(m.estimate * 10) / 10;
      if (!m.reason.empty())
        e["reason"] = m.reason;
      // Seconds since its last update, reported from 5 s on: a member that
      // speaks every second keeps the explanation (and the signal that
      // carries it) unchanged.
      auto src = in.members.find(m.service);
      if (src != in.members.end()) {
        auto age = std::chrono::duration_cast<std::chrono::seconds>(
                       in.now - src->second->last_update)
                       .count();
        e["age"] = age >= 5 ? age : 0;
      }
      members.push_back(std::move(e));
    }
    j["members"] = std::move(members);
    return j;
  };
  nlohmann::json doc;
  doc["ccl"] = one(ccl, ccl_out);
  doc["dcl"] = one(dcl, dcl_out);
  return doc.dump();
}

value_map compute_bank(const bank_input& in, const config& cfg,
                       bank_memory& mem, std::vector<std::string>* warnings) {
  auto& members = in.members;
  std::vector<member_view> views;
  views.reserve(members.size());
  for (auto& [service, src] : members)
    views.push_back({service, &src->values, &src->index});
  auto list = to_member_list(views);

  parallel_options opts;
  opts.soc = cfg.soc;
  opts.capacity = cfg.capacity;
  auto out = aggregate_parallel(list, opts);
  std::vector<std::string> extra_warnings;
  for (auto& [path, v] : aggregate_bank_extras(views, &extra_warnings))
    out[path] = v;
  std::string cells_warning;
  for (auto& w : extra_warnings)
    cells_warning += w;
  if (cells_warning != mem.cells_warning) {
    mem.cells_warning = cells_warning;
    if (warnings && !cells_warning.empty())
      warnings->push_back(cells_warning);
  }

  // Internal resistance: every (V, I) seen; the estimator keeps only pairs
  // whose voltage moved enough.
  for (auto& [service, src] : members) {
    member_ref m{&src->values, &src->index};
    auto vv = number_at(m, voltage_key);
    auto ii = number_at(m, current_key);
    if (vv && ii) {
      auto e = mem.ir.find(service);
      if (e == mem.ir.end())
        e = mem.ir.emplace(service, ir_estimator{cfg.ir}).first;
      e->second.add(*vv, *ii);
    }
  }

  // Limits (product.md 2.3, 2.4).
  for (auto& [service, src] : members) {
    member_ref m{&src->values, &src->index};
    mem.ccl_ever = mem.ccl_ever || number_at(m, charge_limit_key);
    mem.dcl_ever = mem.dcl_ever || number_at(m, discharge_limit_key);
  }
  int ticks = 0;
  if (!mem.recovery_started) {
    mem.recovery_started = true;
    mem.last_recovery = in.now;
  } else {
    auto tick
        = std::chrono::seconds(static_cast<int64_t>(correction_tick_seconds));
    while (in.now - mem.last_recovery >= tick) {
      mem.last_recovery += tick;
      ++ticks;
    }
  }
  auto charge_members = limit_members(members, mem.k_charge, mem, cfg);
  auto discharge_members = limit_members(members, mem.k_discharge, mem, cfg);
  auto ccl
      = compute_current_limit(charge_members, limit_kind::charge, cfg.ratio,
                              mem.ccl_ever, in.all_members_lost);
  auto dcl
      = compute_current_limit(discharge_members, limit_kind::discharge,
                              cfg.ratio, mem.dcl_ever, in.all_members_lost);
  update_corrections(limit_kind::charge, ccl, charge_members, mem.ccl_set,
                     mem.k_charge, mem.measured_charge, ticks, in.now);
  update_corrections(limit_kind::discharge, dcl, discharge_members, mem.dcl_set,
                     mem.k_discharge, mem.measured_discharge, ticks, in.now);
  auto ccl_out = apply_ccl_mode(ccl.limit, cfg.ccl, in.dvcc.on,
                                in.dvcc.max_charge_current);
  out["/Info/MaxChargeCurrent"] = ccl_out;
  out["/Info/MaxDischargeCurrent"] = dcl.limit;
  auto balancing = out["/Balancing"].num();
  auto mode = out["/Info/ChargeMode"];
  out["/Info/MaxChargeVoltage"]
      = compute_cvl(list, cfg.cvl, balancing && *balancing != 0,
                    mode.kind == value_kind::text ? mode.str : std::string{},
                    in.dvcc.on, in.dvcc.max_charge_voltage);

  auto n = static_cast<int64_t>(members.size());
  out["/System/NrOfBatteries"] = value::integer(n);
  out["/System/BatteriesParallel"] = value::integer(n);
  out["/System/BatteriesSeries"] = value::integer(1);
  auto key = diagnostics_key(ccl, ccl_out, dcl, in);
  if (!mem.diagnostics_built || key != mem.diagnostics_key
      || in.now - mem.diagnostics_at >= diagnostics_refresh) {
    build_diagnostics(ccl, ccl_out, dcl, in, mem);
    mem.diagnostics_key = std::move(key);
    mem.diagnostics_at = in.now;
    mem.diagnostics_built = true;
  }
  out["/System/Batteries"] = mem.batteries;
  out["/System/InternalResistances"] = mem.resistances;
  out["/System/EMFs"] = mem.emfs;
  out["/System/LimitExplanation"] = mem.explanation;

  // Primary and auxiliary sources (product.md 2.2), after everything else.
  if (cfg.primary_services.empty() && cfg.auxiliary_services.empty())
    return out;
  std::vector<role_source> primaries;
  for (size_t i = 0; i < cfg.primary_services.size(); ++i) {
    auto p = in.primaries.find(i);
    primaries.push_back({&cfg.primary_services[i],
                         p == in.primaries.end() ? nullptr : p->second});
  }
  std::vector<role_source> auxiliaries;
  for (size_t i = 0; i < cfg.auxiliary_services.size(); ++i) {
    auto a = in.auxiliaries.find(i);
    auxiliaries.push_back({&cfg.auxiliary_services[i],
                           a == in.auxiliaries.end() ? nullptr : a->second});
  }
  return merge_roles(out, primaries, auxiliaries);
}

} // namespace ba
