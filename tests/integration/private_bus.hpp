#pragma once

// The bus of one test: a private dbus-daemon in the test's tmp dir, so that
// suites never touch the machine's buses and every test starts from an
// empty one. Optionally with the reply quota of a Venus system bus, which
// the daemon must stay under.

#include <memory>
#include <string>

#include "tests/integration/process.hpp"

namespace ba::test {

/// A private dbus-daemon listening on `<dir>/bus`. Stock session policy: any
/// name may be owned, nothing is filtered.
class private_bus {
 public:
  /// `max_replies`: dbus-daemon's max_replies_per_connection (0: the
  /// session bus default, 50,000; a Venus system bus has 128).
  explicit private_bus(const std::string& dir, int max_replies = 0);
  ~private_bus();
  private_bus(const private_bus&) = delete;
  private_bus& operator=(const private_bus&) = delete;

  const std::string& address() const {
    return address_;
  }
  child_process& process() {
    return *daemon_;
  }

 private:
  std::string socket_path_;
  std::unique_ptr<child_process> daemon_;
  std::string address_;
};
} // namespace ba::test
