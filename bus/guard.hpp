#pragma once

// sdbus-c++ 1.2.0 turns only sdbus::Error into an error reply; any other
// exception escapes processPendingRequest() and kills the loop. Every D-Bus
// handler body therefore runs through guard().

#include <exception>
#include <string>

#include <sdbus-c++/Error.h>

namespace ba {

template <class F>
auto guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sdbus::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw sdbus::Error("com.victronenergy.Error.Internal", e.what());
  }
}

/// For callbacks that have no caller to report to (signals, replies):
/// swallow and log.
void guard_void(const char* where, const std::function<void()>& f);

} // namespace ba
