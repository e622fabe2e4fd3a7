#pragma once

// Time in the integration suites: the clock every deadline and timestamp
// uses, the deadline for "eventually", and polling until a condition holds
// (or for a quiet period in which it must keep holding). The daemon and the
// doubles run in other processes, so the suites can only observe them by
// polling the bus; these loops are the one place that does it.

#include <chrono>
#include <functional>

namespace ba::test {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using namespace std::chrono_literals;

/// Deadline for "eventually" conditions: generous, because the suites must
/// pass on a loaded 2-core machine. Spec bounds are asserted separately by
/// measuring.
inline constexpr auto eventually = 5s;

/// Polls `predicate` every `poll` until it holds or `timeout` passes; the
/// predicate is evaluated once more at the deadline.
bool wait_until(const std::function<bool()>& predicate,
                clock_type::duration timeout, clock_type::duration poll = 10ms);

/// Checks `predicate` every `poll` for `duration`; false at the first
/// violation. For "must not happen" properties, which need a quiet period.
bool holds_for(const std::function<bool()>& predicate,
               clock_type::duration duration, clock_type::duration poll = 50ms);

/// Milliseconds between two time points, for messages and bounds.
double ms_between(time_point from, time_point to);

} // namespace ba::test
