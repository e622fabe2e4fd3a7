#pragma once

// The programs under test as child processes: where they are (the paths
// CMake compiled in, or the environment), a scratch directory per test, and
// child_process, which starts one in its own process group with stdout and
// stderr captured to files, waits for its lines and its exit, and kills the
// whole group at teardown. Every child gets PR_SET_PDEATHSIG=SIGKILL, so
// nothing outlives the test binary even when CAF's watchdog aborts it.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "tests/integration/wait.hpp"

namespace ba::test {

// -- executables --------------------------------------------------------------

/// Absolute paths of the programs under test: the environment variable of
/// the same name wins over the path CMake compiled in.
std::string daemon_path();
std::string sim_battery_path();
std::string sim_settings_path();

// -- tmp_dir ------------------------------------------------------------------

/// A fresh directory under $TMPDIR (or /tmp), removed recursively in the
/// destructor unless BA_TEST_KEEP_TMP is set.
class tmp_dir {
 public:
  tmp_dir();
  ~tmp_dir();
  tmp_dir(const tmp_dir&) = delete;
  tmp_dir& operator=(const tmp_dir&) = delete;

  const std::string& path() const {
    return path_;
  }
  /// Writes `content` to `<dir>/<name>` and returns the full path.
  std::string write_file(const std::string& name,
                         const std::string& content) const;

 private:
  std::string path_;
};

// -- child_process ------------------------------------------------------------

/// One program under test, started with fork/exec in its own process group,
/// stdout and stderr captured to `<dir>/<name>.out` / `.err`. Must be created
/// on the test's main thread (PR_SET_PDEATHSIG fires when the *thread* that
/// forked ends).
class child_process {
 public:
  child_process(std::string name, std::vector<std::string> argv,
                const std::string& dir,
                const std::vector<std::pair<std::string, std::string>>& env);
  /// Kills the whole process group (SIGKILL) if still running.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  const std::string& name() const {
    return name_;
  }
  pid_t pid() const {
    return pid_;
  }
  const std::vector<std::string>& argv() const {
    return argv_;
  }
  time_point started_at() const {
    return started_at_;
  }

  /// Everything written to stdout / stderr so far.
  std::string output() const;
  std::string log() const;

  /// Waits until a complete stdout line contains `substring`. Gives up early
  /// when the process exits without printing it.
  bool wait_for_line(const std::string& substring,
                     clock_type::duration timeout);
  /// The same on stderr.
  bool wait_for_log_line(const std::string& substring,
                         clock_type::duration timeout);

  /// Sends `sig` to the process itself.
  void signal(int sig);
  /// SIGTERM, then waits up to `timeout`. Returns the exit code, 128 + signal
  /// number when a signal ended it, or -1 when it had to be killed with
  /// SIGKILL after the timeout (noted in describe()).
  int terminate(clock_type::duration timeout);
  /// Waits up to `timeout` for the process to end by itself; same codes as
  /// terminate(), nullopt while it still runs.
  std::optional<int> wait_exit(clock_type::duration timeout);
  bool running();
  /// SIGKILL to the whole group and reap, if still running (teardown).
  void kill();
  /// Exit code once reaped (see terminate()).
  std::optional<int> exit_code() const {
    return exit_code_;
  }
  time_point exited_at() const {
    return exited_at_;
  }

  /// Command line, exit status and both captured streams, for failure logs.
  std::string describe();

 private:
  bool poll_exit();
  void kill_group();
  bool wait_for_in_file(const std::string& file, const std::string& substring,
                        clock_type::duration timeout);

  std::string name_;
  std::vector<std::string> argv_;
  std::string out_file_;
  std::string err_file_;
  pid_t pid_ = -1;
  time_point started_at_;
  time_point exited_at_;
  std::optional<int> exit_code_;
  std::string notes_;
};

} // namespace ba::test
