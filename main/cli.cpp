#include "main/cli.hpp"

namespace ba {

cli_result parse_cli(const std::vector<std::string>& args) {
  cli_result res;
  auto& o = res.opts;
  for (size_t i = 0; i < args.size(); ++i) {
    auto arg = args[i];
    std::string val;
    bool has_val = false;
    if (arg.compare(0, 2, "--") == 0) {
      auto eq = arg.find('=');
      if (eq != std::string::npos) {
        val = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_val = true;
      }
    }
    // Options whose value is optional or required take the next argument
    // unless it is another option.
    auto take = [&](bool required) -> bool {
      if (has_val)
        return true;
      if (i + 1 < args.size() && args[i + 1].compare(0, 2, "--") != 0) {
        val = args[++i];
        return true;
      }
      if (required)
        res.error = "option " + arg + " needs a value";
      return false;
    };
    if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else if (arg == "--version") {
      o.version = true;
    } else if (arg == "--config") {
      if (!take(true))
        return res;
      o.config_path = val;
      o.config_given = true;
    } else if (arg == "--check-config") {
      o.check_config = true;
      if (take(false)) {
        o.config_path = val;
        o.config_given = true;
      }
    } else if (arg == "--bus") {
      if (!take(true))
        return res;
      o.bus = val;
    } else if (arg == "--log-level") {
      if (!take(true))
        return res;
      o.log_level = val;
    } else {
      res.error = "unknown option " + args[i] + " (see --help)";
      return res;
    }
  }
  return res;
}

std::string usage_text() {
  return "Usage: battery-aggregator [--config PATH] [--check-config [PATH]]\n"
         "                          [--bus system|session|ADDRESS]\n"
         "                          [--log-level DEBUG|INFO|WARNING|ERROR]\n"
         "                          [--version] [--help]\n"
         "\n"
         "Merges every com.victronenergy.battery.* service on the D-Bus into\n"
         "one battery service (default com.victronenergy.battery.aggregator).\n"
         "\n"
         "  --config PATH        config file (default\n"
         "                       /data/setupOptions/BatteryAggregator/"
         "config.json;\n"
         "                       a missing file means defaults)\n"
         "  --check-config [PATH] validate the config and exit (0 = valid)\n"
         "  --bus B              system, session, or a D-Bus address; "
         "default:\n"
         "                       the session bus when "
         "DBUS_SESSION_BUS_ADDRESS\n"
         "                       is set, else the system bus\n"
         "  --log-level L        overrides the config's logLevel\n"
         "  --version            print the version and exit\n"
         "  --help               print this help and exit\n"
         "\n"
         "Signals: SIGTERM/SIGINT release the name and exit 0.\n";
}

} // namespace ba
