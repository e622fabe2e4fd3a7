#pragma once

// How a bank actor (the aggregator, a virtual battery) turns a burst of
// updates into one computation: work per input signal must not grow with
// the bank.

#include <caf/send.hpp>

#include "messages/messages.hpp"

namespace ba {

/// Computes at once when nothing else waits in the mailbox (one hand-off
/// fewer per input, issue 13); otherwise marks `dirty` and queues a
/// `recompute_atom` to self, which lands behind everything already there,
/// so that a burst is computed once when it has drained. The actor's
/// `recompute_atom` handler calls `compute_now` if `dirty` is still set;
/// `compute_now` clears it. Call after the handler's last change of state.
template <class Self, class Compute>
void recompute_soon(Self* self, bool& dirty, Compute&& compute_now) {
  if (dirty)
    return;
  if (self->mailbox().empty()) {
    compute_now();
    return;
  }
  dirty = true;
  self->send(self, recompute_atom::value);
}

} // namespace ba
