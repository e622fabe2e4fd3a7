#include "tests/integration/private_bus.hpp"

#include <fstream>
#include <stdexcept>
#include <vector>

#include <unistd.h>

namespace ba::test {

private_bus::private_bus(const std::string& dir, int max_replies)
    : socket_path_(dir + "/bus") {
  std::vector<std::string> argv{"dbus-daemon", "--session", "--nofork",
                                "--print-address=1",
                                "--address=unix:path=" + socket_path_};
  if (max_replies > 0) {
    // The stock session policy (anyone may own and call anything) with
    // the reply quota of a Venus system bus.
    auto conf = dir + "/bus.conf";
    std::ofstream out(conf, std::ios::trunc);
    out << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus "
           "Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/"
           "busconfig.dtd\">\n"
           "<busconfig>\n"
           "  <type>session</type>\n"
           "  <listen>unix:path="
        << socket_path_
        << "</listen>\n"
           "  <auth>EXTERNAL</auth>\n"
           "  <policy context=\"default\">\n"
           "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
           "    <allow eavesdrop=\"true\"/>\n"
           "    <allow own=\"*\"/>\n"
           "  </policy>\n"
           "  <limit name=\"max_replies_per_connection\">"
        << max_replies << "</limit>\n</busconfig>\n";
    out.close();
    argv = {"dbus-daemon", "--config-file=" + conf, "--nofork",
            "--print-address=1"};
  }
  daemon_ = std::make_unique<child_process>(
      "dbus-daemon", argv, dir,
      std::vector<std::pair<std::string, std::string>>{});
  if (!daemon_->wait_for_line("unix:", 10s))
    throw std::runtime_error("dbus-daemon did not print its address\n"
                             + daemon_->describe());
  auto out = daemon_->output();
  address_ = out.substr(0, out.find('\n'));
}

private_bus::~private_bus() {
  daemon_->terminate(2s);
  ::unlink(socket_path_.c_str());
}
} // namespace ba::test
