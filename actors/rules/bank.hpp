#pragma once

// The main bank's whole computation (product.md section 2): the parallel
// rules, the extra rows, the charge limits, the diagnostics and the
// primary/auxiliary merge, over the sources the aggregator holds. Pure but
// for `bank_memory`, the few things that must persist between two updates
// (internal-resistance fits, over-current corrections, "a limit was seen").

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor_clock.hpp>

#include "actors/rules/bank_rules.hpp"
#include "actors/rules/current_limits.hpp"
#include "actors/rules/ir_estimate.hpp"
#include "actors/rules/member_index.hpp"
#include "actors/rules/member_pages.hpp"
#include "messages/config.hpp"
#include "messages/messages.hpp"
#include "messages/value.hpp"

namespace ba {

/// One source as the aggregator holds it.
struct bank_source {
  value_map values;
  /// `values` by path-table row, kept in step by source_table::update (the
  /// only writer of `values` in the actors); not built = not used.
  member_index index;
  /// When its last update arrived (for the data age in the explanation).
  caf::actor_clock::time_point last_update;
  /// Counts the changes of `values` (source_table): the bank rewrites a
  /// member's page only when it moved.
  uint64_t generation = 0;
};

/// Persists between computations.
struct bank_memory {
  std::map<std::string, ir_estimator> ir;
  std::map<std::string, double> k_charge;
  std::map<std::string, double> k_discharge;
  /// When a member's over-current last shrank its k (once per tick).
  std::map<std::string, caf::actor_clock::time_point> measured_charge;
  std::map<std::string, caf::actor_clock::time_point> measured_discharge;
  std::vector<std::string> ccl_set;
  std::vector<std::string> dcl_set;
  caf::actor_clock::time_point last_recovery;
  bool recovery_started = false;
  bool ccl_ever = false;
  bool dcl_ever = false;
  /// The last "members disagree" warning, so it is logged once, not at the
  /// update rate.
  std::string cells_warning;
  /// The diagnostics texts of product.md 2.5 as last built, and what they
  /// were built from (see `diagnostics_refresh`).
  std::string diagnostics_key;
  caf::actor_clock::time_point diagnostics_at;
  bool diagnostics_built = false;
  value batteries;
  value resistances;
  value emfs;
  value explanation;
};

/// The JSON diagnostics (/System/InternalResistances, /System/EMFs and the
/// limit explanation) hold one entry per member with numbers that move with
/// every reading; rebuilding and re-publishing them on every update made
/// each computation grow with the bank (bench/RESULTS.md). They are rebuilt
/// at once when what they explain changes (the members, a limit, the method,
/// who contributes or limits, and why not), otherwise at most this often:
/// at 1 s their JSON alone cost ~90 k instructions per input signal at
/// 16 packs x 1 Hz, more than any rule (issue 13).
constexpr auto diagnostics_refresh = std::chrono::seconds(5);

struct bank_input {
  /// Members that count (online), by service name; owned by the caller.
  std::map<std::string, const bank_source*> members;
  /// Primary and auxiliary sources on the bus, by their index in the config
  /// lists (a source absent from the map is not on the bus).
  std::map<size_t, const value_map*> primaries;
  std::map<size_t, const value_map*> auxiliaries;
  dvcc_state dvcc;
  caf::actor_clock::time_point now;
  /// Every roster member is stale or lost beyond its grace (product.md 2.3
  /// decision table, section 5): limits 0.
  bool all_members_lost = false;
};

/// The bank computed incrementally (issue 13). Each input signal changes a
/// few paths of one member; recomputing every rule over every member for it
/// made the cost per signal grow with the bank and allocate hundreds of
/// times (bench/RESULTS.md). The engine keeps its outputs from one
/// computation to the next and recomputes a part of the bank (the parallel
/// measurements, each part of the extras, the limits) only when a member
/// path that part reads changed, the members changed, or, for the limits,
/// when a correction may move (a recovery tick is due, a member is above its
/// own limit, the `ir` method). Each part is the same rule over the members
/// in the same order as a full computation, so the result is exactly the
/// full computation's: `compute_bank` is a fresh engine, and a differential
/// test holds the two together over random update sequences.
class bank_engine {
 public:
  /// The paths in `changed` were written into one member's values.
  void touch(const value_map& changed);
  /// One member's values were replaced wholesale (a snapshot: a rescan, a
  /// virtual battery's output): the paths that differ between `before` and
  /// `after`, or are in only one of them.
  void touch(const value_map& before, const value_map& after);
  /// Recompute everything next time (the config or DVCC changed, a member's
  /// values were replaced wholesale).
  void touch_all();
  /// Everything the bank publishes except identity paths; `warnings`
  /// receives new warnings (each once). A path that was in the output and
  /// is no longer computed stays in it, invalid (as invalidate_vanished).
  const value_map& compute(const bank_input& in, const config& cfg,
                           bank_memory& mem,
                           std::vector<std::string>* warnings);
  /// The paths whose value the last `compute` changed (views of the
  /// output's keys).
  const std::vector<std::string_view>& changed() const {
    return changed_;
  }
  const value_map& output() const {
    return out_;
  }

 private:
  bool same_members(const bank_input& in) const;
  void rebuild_members(const bank_input& in);
  bool limits_due(const bank_input& in, const config& cfg, bank_memory& mem,
                  int ticks);
  void sync_output(const value_map& from, bool full);
  void write_pages(value_writer& w);
  void write_limit_texts(const bank_input& in, const value& ccl_out,
                         value_writer& w);

  uint32_t dirty_ = ~uint32_t{0};
  bool full_sync_ = true;
  std::vector<member_view> views_;
  std::vector<const bank_source*> sources_;
  member_list list_;
  /// Each member's IR estimator in the memory (the engine is used with one
  /// bank_memory; its map nodes stay put), found on first use.
  std::vector<ir_estimator*> ir_;
  std::vector<limit_member> charge_members_;
  std::vector<limit_member> discharge_members_;
  limit_result ccl_;
  limit_result dcl_;
  bool all_lost_ = false;
  bool corrections_moved_ = false;
  /// The diagnostics texts are to be copied into the output (rebuilt, or
  /// this engine has not published them yet).
  bool diagnostics_pending_ = true;
  bool ccl_ever_ = false;
  bool dcl_ever_ = false;
  /// The bank's own paths, and what goes out (with primaries and
  /// auxiliaries merged in).
  value_map bank_;
  value_map out_;
  std::vector<std::string_view> bank_changed_;
  std::vector<std::string_view> changed_;
  std::string key_scratch_;
  /// Member pages (member_pages.hpp), by slot: the member generation last
  /// written (none: rewrite), the cells shown, and how many slots show a
  /// member.
  std::vector<uint64_t> page_generation_;
  std::vector<int> page_cells_;
  std::vector<page_slot> page_slots_;
  size_t pages_shown_ = 0;
  std::string page_scratch_;
  std::string text_scratch_;
  /// The /Info/*Limitation texts were written, for this CCL as published.
  bool texts_written_ = false;
  value texts_ccl_;
};

/// Everything the bank publishes except identity paths, computed in full
/// (a fresh bank_engine). `warnings` receives new warnings (each once).
value_map compute_bank(const bank_input& in, const config& cfg,
                       bank_memory& mem, std::vector<std::string>* warnings);

/// The published explanation of CCL and DCL (product.md 2.5), as JSON text.
std::string explain_limits(const limit_result& ccl, const value& ccl_out,
                           const limit_result& dcl, const value& dcl_out,
                           const bank_input& in);

} // namespace ba
