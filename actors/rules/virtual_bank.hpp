#pragma once

// A virtual battery's whole computation (product.md section 3) over the
// sources its actor holds: the kind's rules (virtual_rules.hpp, or the
// bank engine for `parallel`), the hooks and the member pages. Pure but for
// `bank_memory` (the parallel kind's limit memory); the actor
// (actors/virtual_battery) only feeds it and sends what it returns.

#include <set>
#include <string>

#include <caf/actor_clock.hpp>

#include "actors/rules/bank.hpp"
#include "actors/rules/source_table.hpp"
#include "actors/rules/virtual_rules.hpp"
#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

/// The output of virtual battery `vb` over the sources that count in
/// `sources`, and whether it counts itself (merge and parallel: any member
/// counts; series: every member counts). Pure apart from `mem` (the
/// parallel kind's limit memory).
/// `engine`, when given, computes the parallel kind incrementally (kept by
/// the caller with `mem`, told of member updates); without it the bank is
/// computed in full.
value_map compute_virtual(const virtual_battery& vb, const config& cfg,
                          const source_table& sources, bank_memory& mem,
                          caf::actor_clock::time_point now, bool* online,
                          bank_engine* engine = nullptr);

/// The services of `vb`'s source members that count in `sources`.
std::set<std::string> counting_members(const virtual_battery& vb,
                                       const source_table& sources);

} // namespace ba
