#include "actors/rules/bank.hpp"

#include <chrono>
#include <cmath>

#include "actors/rules/bank_rules.hpp"
#include "actors/rules/cvl.hpp"
#include "actors/rules/json_text.hpp"
#include "actors/rules/limit_text.hpp"
#include "actors/rules/member_pages.hpp"
#include "actors/rules/parallel_rules.hpp"
#include "actors/rules/role_merge.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"

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

const path_key voltage_key{paths::dc_voltage};
const path_key current_key{paths::dc_current};
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

/// Returns whether a factor moved (then the limit computed before it is out
/// of date).
bool update_corrections(
    limit_kind kind, const limit_result& res,
    const std::vector<limit_member>& lm, std::vector<std::string>& last_set,
    std::map<std::string, double>& ks,
    std::map<std::string, caf::actor_clock::time_point>& measured,
    int recovery_ticks, caf::actor_clock::time_point now) {
  auto tick
      = std::chrono::seconds(static_cast<int64_t>(correction_tick_seconds));
  bool moved = false;
  if (!same_set(res, last_set)) {
    for (auto& [service, k] : ks)
      moved = moved || k != 1.0;
    ks.clear();
    measured.clear();
    last_set = contributing_set(res);
  }
  // res.members[n] is the result row of lm[n]. A member's factor is looked
  // up only when it is measured or recovers: with hundreds of updates per
  // second and no over-current, the look-ups by name were most of the cost
  // of the limits at 64 packs (a member without an entry has k = 1).
  for (size_t n = 0; n < res.members.size() && n < lm.size(); ++n) {
    auto& m = res.members[n];
    if (!m.contributes)
      continue;
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
        auto ki = ks.find(m.service);
        if (ki == ks.end())
          ki = ks.emplace(m.service, 1.0).first;
        auto before = ki->second;
        ki->second = correction_after_measurement(ki->second, *limit, *i);
        moved = moved || ki->second != before;
        measured[m.service] = now;
      }
    } else if (recovery_ticks > 0) {
      auto ki = ks.find(m.service);
      if (ki == ks.end())
        continue; // k = 1 already
      auto before = ki->second;
      for (int t = 0; t < recovery_ticks; ++t)
        ki->second = correction_after_recovery_tick(ki->second);
      moved = moved || ki->second != before;
    }
  }
  return moved;
}

/// What the diagnostics explain, as a short text: they are rebuilt at once
/// when it changes (see `diagnostics_refresh`).
void diagnostics_key(const limit_result& ccl, const value& ccl_out,
                     const limit_result& dcl, const bank_input& in,
                     std::string& key) {
  key.clear();
  for (auto& [service, src] : in.members) {
    key += service;
    key += '\n';
  }
  auto one = [&](const limit_result& r, const value& out) {
    // The value's bytes, not its text: formatting a double cost more than
    // the rest of the key.
    key += static_cast<char>(out.kind);
    key.append(reinterpret_cast<const char*>(&out.number), sizeof(double));
    key += out.str;
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
}

/// The texts of product.md 2.5 that hold one entry per member, aligned with
/// /System/Batteries.
void build_diagnostics(const limit_result& ccl, const value& ccl_out,
                       const limit_result& dcl, const bank_input& in,
                       bank_memory& mem) {
  std::string names = "[";
  std::string rs = "[";
  std::string emfs = "[";
  for (auto& [service, src] : in.members) {
    if (names.size() > 1) {
      names += ',';
      rs += ',';
      emfs += ',';
    }
    append_json_string(names, service);
    auto est = mem.ir.find(service);
    auto r = est == mem.ir.end() ? caf::none : est->second.resistance();
    auto v = src->values.find(paths::dc_voltage);
    auto i = src->values.find(paths::dc_current);
    auto vv = v == src->values.end() ? caf::none : v->second.num();
    auto ii = i == src->values.end() ? caf::none : i->second.num();
    if (r) {
      append_json_number(rs, std::round(*r * 1e5) / 1e5);
      if (vv && ii)
        append_json_number(emfs,
                           std::round(emf_of(*vv, *ii, *r) * 1000) / 1000);
      else
        emfs += "null";
    } else {
      rs += "null";
      emfs += "null";
    }
  }
  names += ']';
  rs += ']';
  emfs += ']';
  mem.batteries = value::text(std::move(names));
  mem.resistances = value::text(std::move(rs));
  mem.emfs = value::text(std::move(emfs));
  mem.explanation
      = value::text(explain_limits(ccl, ccl_out, dcl, dcl.limit, in));
}

} // namespace

std::string explain_limits(const limit_result& ccl, const value& ccl_out,
                           const limit_result& dcl, const value& dcl_out,
                           const bank_input& in) {
  // Keys in alphabetical order, as a JSON document built with nlohmann (a
  // std::map per object) printed them before: clients see the same text.
  std::string doc;
  auto number_or_null = [&](const value& v) {
    if (auto x = v.num())
      append_json_number(doc, *x);
    else
      doc += "null";
  };
  auto one = [&](const char* key, const limit_result& r, const value& out) {
    doc += '"';
    doc += key;
    doc += "\":{\"limit\":";
    number_or_null(out);
    doc += ",\"members\":[";
    bool first = true;
    for (auto& m : r.members) {
      doc += first ? "{" : ",{";
      first = false;
      // Seconds since its last update, reported from 5 s on: a member that
      // speaks every second keeps the explanation (and the signal that
      // carries it) unchanged.
      auto src = in.members.find(m.service);
      if (src != in.members.end()) {
        auto age = std::chrono::duration_cast<std::chrono::seconds>(
                       in.now - src->second->last_update)
                       .count();
        doc += "\"age\":";
        append_json_integer(doc, age >= 5 ? age : 0);
        doc += ',';
      }
      doc += "\"contributes\":";
      doc += m.contributes ? "true" : "false";
      // Rounded so that the explanation does not change with every
      // floating-point wobble.
      doc += ",\"correction\":";
      append_json_number(doc, std::round(m.correction * 1000) / 1000);
      doc += ",\"estimate\":";
      append_json_number(doc, std::round(m.estimate * 10) / 10);
      doc += ",\"limiting\":";
      doc += m.limiting ? "true" : "false";
      doc += ",\"ownLimit\":";
      number_or_null(m.own_limit);
      doc += ",\"ratio\":";
      append_json_number(doc, std::round(m.ratio * 1000) / 1000);
      if (!m.reason.empty()) {
        doc += ",\"reason\":";
        append_json_string(doc, m.reason);
      }
      doc += ",\"service\":";
      append_json_string(doc, m.service);
      doc += ",\"state\":\"online\"}";
    }
    doc += "],\"method\":\"";
    doc += method_name(r.method_used);
    doc += "\"}";
  };
  doc += '{';
  one("ccl", ccl, ccl_out);
  doc += ',';
  one("dcl", dcl, dcl_out);
  doc += '}';
  return doc;
}

namespace {

/// Which parts of the bank a member path feeds (bank_engine).
enum part_bit : uint32_t {
  parallel_part = 1u << 0,
  // extras_part n is bit 1 + n.
  limits_part = 1u << (1 + extras_parts),
  all_parts = ~uint32_t{0},
};

uint32_t extras_bit(extras_part p) {
  return 1u << (1 + static_cast<uint32_t>(p));
}

/// The parts each path-table row feeds. A path outside the table feeds
/// every part: the rules never read one, but being wrong here would leave
/// an output stale, and such paths (product names, serials) rarely change.
uint32_t parts_of(std::string_view path) {
  static const std::vector<uint32_t> by_row = [] {
    std::vector<uint32_t> rows(path_table().size(), 0);
    auto mark = [&](const std::string& p, uint32_t bit) {
      auto row = path_row(p);
      if (row >= 0)
        rows[static_cast<size_t>(row)] |= bit;
    };
    for (auto& p : parallel_inputs())
      mark(p, parallel_part);
    for (size_t e = 0; e < extras_parts; ++e)
      for (auto& p : extras_inputs(static_cast<extras_part>(e)))
        mark(p, extras_bit(static_cast<extras_part>(e)));
    for (auto k : {limit_kind::charge, limit_kind::discharge}) {
      mark(limit_path(k), limits_part);
      mark(gate_path(k), limits_part);
    }
    // Capacity shares the limits. V and I feed the IR estimates, read only
    // by the `ir` method, which recomputes on every update anyway
    // (limits_due), as does a member above its limit (I).
    mark(paths::installed_capacity, limits_part);
    // A limiting member's own reason goes into /Info/*Limitation.
    mark(paths::charge_limitation, limits_part);
    mark(paths::discharge_limitation, limits_part);
    mark(paths::custom_name, limits_part); // the deciding pack's label
    return rows;
  }();
  auto row = path_row(path);
  if (row >= 0)
    return by_row[static_cast<size_t>(row)];
  // Cells feed only the member pages, which follow each member's
  // generation instead: a cell reading must not recompute the bank.
  return is_page_cell(path) ? uint32_t{0} : uint32_t{all_parts};
}

} // namespace

void bank_engine::touch(const value_map& changed) {
  for (auto& [path, v] : changed)
    dirty_ |= parts_of(path);
}

void bank_engine::touch(const value_map& before, const value_map& after) {
  // Both in path order: one merge walk.
  auto i = before.begin();
  auto j = after.begin();
  path_less less;
  while (i != before.end() || j != after.end()) {
    if (j == after.end() || (i != before.end() && less(i->first, j->first))) {
      dirty_ |= parts_of(i->first);
      ++i;
    } else if (i == before.end() || less(j->first, i->first)) {
      dirty_ |= parts_of(j->first);
      ++j;
    } else {
      if (i->second != j->second || i->second.kind != j->second.kind)
        dirty_ |= parts_of(i->first);
      ++i;
      ++j;
    }
  }
}

void bank_engine::touch_all() {
  dirty_ = all_parts;
  full_sync_ = true;
}

bool bank_engine::same_members(const bank_input& in) const {
  if (in.members.size() != sources_.size())
    return false;
  size_t n = 0;
  for (auto& [service, src] : in.members) {
    if (sources_[n] != src || views_[n].service != service)
      return false;
    ++n;
  }
  return true;
}

void bank_engine::rebuild_members(const bank_input& in) {
  views_.clear();
  sources_.clear();
  charge_members_.clear();
  for (auto& [service, src] : in.members) {
    views_.push_back({service, &src->values, &src->index});
    sources_.push_back(src);
    limit_member m;
    m.service = service;
    m.values = &src->values;
    m.index = src->index.built() ? &src->index : nullptr;
    charge_members_.push_back(std::move(m));
  }
  discharge_members_ = charge_members_;
  list_ = to_member_list(views_);
  ir_.assign(views_.size(), nullptr);
  // Every slot may now show another member.
  page_generation_.assign(views_.size(), ~uint64_t{0});
  if (page_cells_.size() < views_.size()) {
    page_cells_.resize(views_.size(), 0);
    page_slots_.resize(views_.size());
  }
}

void bank_engine::write_pages(value_writer& w) {
  for (size_t n = 0; n < sources_.size(); ++n) {
    auto gen = sources_[n]->generation;
    if (page_generation_[n] == gen)
      continue;
    page_generation_[n] = gen;
    page_cells_[n] = write_member_page(static_cast<int>(n + 1),
                                       views_[n].service, *views_[n].values,
                                       page_cells_[n], w, page_scratch_);
  }
  // Members that left: the slots past the list are invalid (gui-v2 lists
  // NrOfBatteries entries; a client holding one hears it is gone).
  for (size_t n = sources_.size(); n < pages_shown_; ++n) {
    clear_member_page(static_cast<int>(n + 1), page_cells_[n], w,
                      page_scratch_);
    page_cells_[n] = 0;
  }
  pages_shown_ = sources_.size();
}

void bank_engine::write_limit_texts(const bank_input& in, const value& ccl_out,
                                    value_writer& w) {
  auto one = [&](limit_kind kind, const limit_result& res,
                 const std::vector<limit_member>& ms, const value& published,
                 bool capped, std::string_view path) {
    describe_limit(kind, res, ms, published, capped, in.all_members_lost,
                   text_scratch_);
    // Compared before a value is made: no allocation while it stays.
    auto i = bank_.find(path);
    if (i != bank_.end() && i->second.kind == value_kind::text
        && i->second.str == text_scratch_)
      return;
    w.set(path, value::text(text_scratch_));
  };
  one(limit_kind::charge, ccl_, charge_members_, ccl_out, ccl_out != ccl_.limit,
      paths::charge_limitation);
  one(limit_kind::discharge, dcl_, discharge_members_, dcl_.limit, false,
      paths::discharge_limitation);
}

/// Whether the limits must be recomputed although none of their inputs
/// changed: the full computation would move a correction factor now.
bool bank_engine::limits_due(const bank_input& in, const config& cfg,
                             bank_memory& mem, int ticks) {
  // Recovery ticks move every factor below 1; IR estimates may take a
  // pair without a change of V or I (minVoltageChange 0).
  if (ticks > 0 || cfg.ratio == ratio_method::ir || corrections_moved_)
    return true;
  if (in.all_members_lost != all_lost_ || mem.ccl_ever != ccl_ever_
      || mem.dcl_ever != dcl_ever_)
    return true;
  // A member above its own limit shrinks its factor once per tick: the
  // full computation checks on every update.
  for (auto& m : list_)
    for (auto k : {limit_kind::charge, limit_kind::discharge}) {
      auto limit = number_at(m, k == limit_kind::charge ? charge_limit_key
                                                        : discharge_limit_key);
      auto i = number_at(m, current_key);
      if (limit && i && *limit >= 0 && current_towards(k, *i) > *limit)
        return true;
    }
  return false;
}

void bank_engine::sync_output(const value_map& from, bool full) {
  value_writer w{out_, &changed_};
  if (!full) {
    for (auto path : bank_changed_)
      w.set(path, from.find(path)->second);
    return;
  }
  for (auto& [path, v] : from)
    w.set(path, v);
  // Kept, invalid: a client holding the old value must hear it is gone.
  for (auto& [path, v] : out_)
    if (v.valid() && from.count(path) == 0) {
      v = value::invalid();
      changed_.push_back(path);
    }
}

const value_map& bank_engine::compute(const bank_input& in, const config& cfg,
                                      bank_memory& mem,
                                      std::vector<std::string>* warnings) {
  bank_changed_.clear();
  changed_.clear();
  if (!same_members(in)) {
    rebuild_members(in);
    dirty_ = all_parts;
  }
  value_writer w{bank_, &bank_changed_};
  auto& members = in.members;

  if (dirty_ & parallel_part) {
    parallel_options opts;
    opts.soc = cfg.soc;
    opts.capacity = cfg.capacity;
    aggregate_parallel_into(list_, opts, w);
  }
  for (size_t e = 0; e < extras_parts; ++e) {
    auto part = static_cast<extras_part>(e);
    if ((dirty_ & extras_bit(part)) == 0)
      continue;
    if (part != extras_part::cells_per_battery) {
      aggregate_extras_part(part, views_, list_, w, nullptr);
      continue;
    }
    std::string cells_warning;
    aggregate_extras_part(part, views_, list_, w, &cells_warning);
    if (cells_warning != mem.cells_warning) {
      mem.cells_warning = cells_warning;
      if (warnings && !cells_warning.empty())
        warnings->push_back(cells_warning);
    }
  }

  // Internal resistance: every (V, I) seen; the estimator keeps only pairs
  // whose voltage moved enough.
  for (size_t n = 0; n < list_.size(); ++n) {
    auto vv = number_at(list_[n], voltage_key);
    auto ii = number_at(list_[n], current_key);
    if (vv && ii) {
      // Found by name once per member (map nodes stay put): a look-up per
      // member and update grew with the bank.
      auto& est = ir_[n];
      if (est == nullptr) {
        auto& service = views_[n].service;
        auto e = mem.ir.find(service);
        if (e == mem.ir.end())
          e = mem.ir.emplace(service, ir_estimator{cfg.ir}).first;
        est = &e->second;
      }
      est->add(*vv, *ii);
    }
  }

  // Limits (product.md 2.3, 2.4).
  for (auto& m : list_) {
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
  bool limits_ran = (dirty_ & limits_part) || limits_due(in, cfg, mem, ticks);
  if (limits_ran) {
    all_lost_ = in.all_members_lost;
    ccl_ever_ = mem.ccl_ever;
    dcl_ever_ = mem.dcl_ever;
    auto fill = [&](std::vector<limit_member>& ms,
                    const std::map<std::string, double>& ks) {
      for (auto& m : ms) {
        m.resistance = caf::none;
        if (cfg.ratio == ratio_method::ir) {
          auto i = mem.ir.find(m.service);
          if (i != mem.ir.end())
            m.resistance = i->second.resistance();
        }
        // Most banks never correct: no look-up by name then.
        auto k = ks.empty() ? ks.end() : ks.find(m.service);
        m.correction = k != ks.end() ? k->second : 1.0;
      }
    };
    fill(charge_members_, mem.k_charge);
    fill(discharge_members_, mem.k_discharge);
    // Into the rows of the last computation: their strings keep their
    // buffers.
    compute_current_limit(charge_members_, limit_kind::charge, cfg.ratio,
                          mem.ccl_ever, in.all_members_lost, ccl_);
    compute_current_limit(discharge_members_, limit_kind::discharge, cfg.ratio,
                          mem.dcl_ever, in.all_members_lost, dcl_);
    // A factor that moved changes the limit of the next computation. Both
    // kinds are updated, whatever the first one says.
    bool charge_moved = update_corrections(
        limit_kind::charge, ccl_, charge_members_, mem.ccl_set, mem.k_charge,
        mem.measured_charge, ticks, in.now);
    bool discharge_moved = update_corrections(
        limit_kind::discharge, dcl_, discharge_members_, mem.dcl_set,
        mem.k_discharge, mem.measured_discharge, ticks, in.now);
    corrections_moved_ = charge_moved || discharge_moved;
  }
  dirty_ = 0;
  auto ccl_out = apply_ccl_mode(ccl_.limit, cfg.ccl, in.dvcc.on,
                                in.dvcc.max_charge_current);
  w.set(paths::max_charge_current, ccl_out);
  w.set(paths::max_discharge_current, dcl_.limit);
  auto balancing_entry = bank_.find(paths::balancing);
  auto balancing = balancing_entry == bank_.end()
                       ? caf::none
                       : balancing_entry->second.num();
  auto mode = bank_.find(paths::charge_mode);
  static const std::string no_mode;
  auto& mode_text = mode != bank_.end() && mode->second.kind == value_kind::text
                        ? mode->second.str
                        : no_mode;
  w.set(paths::max_charge_voltage,
        compute_cvl(list_, cfg.cvl, balancing && *balancing != 0, mode_text,
                    in.dvcc.on, in.dvcc.max_charge_voltage));

  auto n = static_cast<int64_t>(members.size());
  w.set(paths::nr_of_batteries, value::integer(n));
  w.set(paths::batteries_parallel, value::integer(n));
  w.set(paths::batteries_series, value::integer(1));
  // The texts follow from the limits and cclMode's result only.
  if (limits_ran || !texts_written_ || ccl_out != texts_ccl_) {
    texts_written_ = true;
    texts_ccl_ = ccl_out;
    write_limit_texts(in, ccl_out, w);
  }
  write_pages(w);
  diagnostics_key(ccl_, ccl_out, dcl_, in, key_scratch_);
  if (!mem.diagnostics_built || key_scratch_ != mem.diagnostics_key
      || in.now - mem.diagnostics_at >= diagnostics_refresh) {
    build_diagnostics(ccl_, ccl_out, dcl_, in, mem);
    mem.diagnostics_key.swap(key_scratch_);
    mem.diagnostics_at = in.now;
    mem.diagnostics_built = true;
    diagnostics_pending_ = true;
  }
  // Only when rebuilt (or new to this engine): comparing texts of a few KB
  // per update cost more than the rules.
  if (diagnostics_pending_) {
    diagnostics_pending_ = false;
    w.set(paths::batteries, mem.batteries);
    w.set(paths::internal_resistances, mem.resistances);
    w.set(paths::emfs, mem.emfs);
    w.set(paths::limit_explanation, mem.explanation);
  }

  // Primary and auxiliary sources (product.md 2.2), after everything else.
  bool full = full_sync_;
  full_sync_ = false;
  if (cfg.primary_services.empty() && cfg.auxiliary_services.empty()) {
    sync_output(bank_, full);
    return out_;
  }
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
  // The merge reads the whole bank: with primaries or auxiliaries every
  // computation compares the whole output (a source of another kind may
  // have changed too).
  sync_output(merge_roles(bank_, primaries, auxiliaries), true);
  return out_;
}

value_map compute_bank(const bank_input& in, const config& cfg,
                       bank_memory& mem, std::vector<std::string>* warnings) {
  bank_engine engine;
  return engine.compute(in, cfg, mem, warnings);
}

} // namespace ba
