#include "tests/integration/process.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/text.hpp"

extern char** environ;

// CMake passes the absolute paths of the programs under test. Standalone
// compiles (and runs that only use the environment variables) get empty
// defaults.
#ifndef BA_DAEMON_PATH
#  define BA_DAEMON_PATH ""
#endif
#ifndef BA_SIM_BATTERY_PATH
#  define BA_SIM_BATTERY_PATH ""
#endif
#ifndef BA_SIM_SETTINGS_PATH
#  define BA_SIM_SETTINGS_PATH ""
#endif

namespace ba::test {

namespace {

std::string read_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The last `max_lines` lines of `text`, with a note about the rest.
std::string tail_lines(const std::string& text, size_t max_lines) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i + 1 < text.size(); ++i)
    if (text[i] == '\n')
      starts.push_back(i + 1);
  if (starts.size() <= max_lines)
    return text;
  auto first = starts[starts.size() - max_lines];
  return "[" + std::to_string(starts.size() - max_lines)
         + " earlier lines omitted]\n" + text.substr(first);
}

/// True when a complete line (ended by '\n') of `text` contains `needle`.
bool has_complete_line_with(const std::string& text,
                            const std::string& needle) {
  auto end = text.rfind('\n');
  if (end == std::string::npos)
    return false;
  size_t start = 0;
  while (start <= end) {
    auto nl = text.find('\n', start);
    if (text.substr(start, nl - start).find(needle) != std::string::npos)
      return true;
    start = nl + 1;
  }
  return false;
}

std::string env_or(const char* var, const char* compiled) {
  if (auto value = std::getenv(var); value != nullptr && *value != '\0')
    return value;
  return compiled;
}

/// Resolves a program name through PATH before fork(), because the child may
/// only call async-signal-safe functions.
std::string resolve_program(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return program;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return program;
}

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

std::string daemon_path() {
  return env_or("BA_DAEMON_PATH", BA_DAEMON_PATH);
}
std::string sim_battery_path() {
  return env_or("BA_SIM_BATTERY_PATH", BA_SIM_BATTERY_PATH);
}
std::string sim_settings_path() {
  return env_or("BA_SIM_SETTINGS_PATH", BA_SIM_SETTINGS_PATH);
}

// -- tmp_dir ------------------------------------------------------------------

tmp_dir::tmp_dir() {
  // A unix socket path must fit into 108 bytes: fall back to /tmp when
  // $TMPDIR is long.
  std::string base = "/tmp";
  if (auto env = std::getenv("TMPDIR");
      env != nullptr && *env != '\0' && std::strlen(env) < 60)
    base = env;
  std::string pattern = base + "/ba-it-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("mkdtemp(" + pattern
                             + ") failed: " + std::strerror(errno));
  path_ = buf.data();
}

tmp_dir::~tmp_dir() {
  if (std::getenv("BA_TEST_KEEP_TMP") != nullptr)
    return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string tmp_dir::write_file(const std::string& name,
                                const std::string& content) const {
  auto file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out)
    throw std::runtime_error("cannot write " + file);
  return file;
}

// -- child_process ------------------------------------------------------------

child_process::child_process(
    std::string name, std::vector<std::string> argv, const std::string& dir,
    const std::vector<std::pair<std::string, std::string>>& env)
    : name_(std::move(name)), argv_(std::move(argv)),
      out_file_(dir + "/" + name_ + ".out"),
      err_file_(dir + "/" + name_ + ".err") {
  if (argv_.empty())
    throw std::invalid_argument("child_process " + name_ + ": empty argv");
  // Everything the child needs is prepared before fork(): between fork and
  // exec only async-signal-safe calls are allowed (the client's loop thread
  // exists).
  auto program = resolve_program(argv_.front());
  std::vector<char*> c_argv;
  for (auto& arg : argv_)
    c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    auto key = entry.substr(0, entry.find('='));
    auto overridden = std::any_of(env.begin(), env.end(), [&](const auto& kv) {
      return kv.first == key;
    });
    if (!overridden)
      env_strings.push_back(std::move(entry));
  }
  for (const auto& [key, value] : env)
    env_strings.push_back(key + "=" + value);
  std::vector<char*> c_env;
  for (auto& entry : env_strings)
    c_env.push_back(entry.data());
  c_env.push_back(nullptr);
  int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  int out_fd = ::open(out_file_.c_str(), flags, 0644);
  int err_fd = ::open(err_file_.c_str(), flags, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0) {
    for (int fd : {out_fd, err_fd, null_fd})
      if (fd >= 0)
        ::close(fd);
    throw std::runtime_error("child_process " + name_
                             + ": cannot open capture files in " + dir);
  }
  auto parent = ::getpid();
  started_at_ = clock_type::now();
  pid_ = ::fork();
  if (pid_ == 0) {
    // Own process group, so that teardown can kill everything it spawned;
    // die with the test binary even when it aborts (CAF's watchdog).
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD})
      ::sigaction(sig, &dfl, nullptr);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execve(program.c_str(), c_argv.data(), c_env.data());
    static const char msg[] = "child_process: execve failed\n";
    auto ignored = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    static_cast<void>(ignored);
    ::_exit(127);
  }
  auto fork_errno = errno;
  ::close(out_fd);
  ::close(err_fd);
  ::close(null_fd);
  if (pid_ < 0)
    throw std::runtime_error("fork failed: "
                             + std::string{std::strerror(fork_errno)});
  // Also from the parent, so the group exists before we might signal it.
  ::setpgid(pid_, pid_);
}

child_process::~child_process() {
  kill();
}

std::string child_process::output() const {
  return read_file(out_file_);
}

std::string child_process::log() const {
  return read_file(err_file_);
}

bool child_process::wait_for_in_file(const std::string& file,
                                     const std::string& substring,
                                     clock_type::duration timeout) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    bool exited = poll_exit();
    if (has_complete_line_with(read_file(file), substring))
      return true;
    if (exited || clock_type::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
}

bool child_process::wait_for_line(const std::string& substring,
                                  clock_type::duration timeout) {
  return wait_for_in_file(out_file_, substring, timeout);
}

bool child_process::wait_for_log_line(const std::string& substring,
                                      clock_type::duration timeout) {
  return wait_for_in_file(err_file_, substring, timeout);
}

void child_process::signal(int sig) {
  if (!poll_exit())
    ::kill(pid_, sig);
}

bool child_process::poll_exit() {
  if (exit_code_)
    return true;
  // Look without reaping first: while the leader is a zombie its process
  // group id cannot be reused, so killing leftovers in the group is safe.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info,
               WEXITED | WNOHANG | WNOWAIT)
          != 0
      || info.si_pid != pid_)
    return false;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = decode_status(status);
  exited_at_ = clock_type::now();
  return true;
}

void child_process::kill_group() {
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL); // in case setpgid lost a race with exec
}

std::optional<int> child_process::wait_exit(clock_type::duration timeout) {
  auto deadline = clock_type::now() + timeout;
  while (!poll_exit()) {
    if (clock_type::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
  return exit_code_;
}

int child_process::terminate(clock_type::duration timeout) {
  if (poll_exit())
    return *exit_code_;
  ::kill(pid_, SIGTERM);
  if (auto code = wait_exit(timeout))
    return *code;
  kill_group();
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = -1;
  exited_at_ = clock_type::now();
  notes_ += "did not exit within "
            + format_double(
                std::chrono::duration<double, std::milli>(timeout).count())
            + " ms of SIGTERM: killed with SIGKILL\n";
  return -1;
}

void child_process::kill() {
  if (pid_ <= 0 || poll_exit())
    return;
  kill_group();
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = decode_status(status);
  exited_at_ = clock_type::now();
  notes_ += "killed at teardown\n";
}

bool child_process::running() {
  return !poll_exit();
}

std::string child_process::describe() {
  std::ostringstream out;
  out << "==== " << name_ << " (pid " << pid_ << "):";
  for (const auto& arg : argv_)
    out << ' ' << arg;
  out << "\n     status: ";
  if (poll_exit())
    out << "exited, code " << *exit_code_ << " (128+N = signal N)";
  else
    out << "running";
  out << '\n' << notes_;
  auto block = [](std::string text) {
    if (!text.empty() && text.back() != '\n')
      text += '\n';
    return tail_lines(text, 300);
  };
  out << "---- stdout of " << name_ << " ----\n"
      << block(output()) << "---- stderr of " << name_ << " ----\n"
      << block(log()) << "---- end of " << name_ << " ----\n";
  return out.str();
}

} // namespace ba::test
