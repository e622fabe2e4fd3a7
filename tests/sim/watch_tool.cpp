// venus-watch: a live view of one battery service's main values, for the
// demo and for poking at a bus by hand. Reads GetItems twice a second (a
// plain client, as the GUI would be), so it follows the service across
// re-registrations and restarts without any state of its own.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "sim_common.hpp"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) {
  stop_requested = 1;
}

const std::vector<std::pair<const char*, const char*>> shown{
    {"/Dc/0/Voltage", "Voltage"},
    {"/Dc/0/Current", "Current"},
    {"/Dc/0/Power", "Power"},
    {"/Soc", "SoC"},
    {"/Capacity", "Remaining"},
    {"/InstalledCapacity", "Installed"},
    {"/ConsumedAmphours", "Consumed"},
    {"/TimeToGo", "Time to go"},
    {"/Dc/0/Temperature", "Temperature"},
    {"/System/NrOfBatteries", "Batteries"},
    {"/DeviceInstance", "Instance"},
};

} // namespace

int main(int argc, char** argv) {
  std::string name = "com.victronenergy.battery.aggregator";
  std::string address;
  double seconds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--name" && i + 1 < argc)
      name = argv[++i];
    else if (a == "--address" && i + 1 < argc)
      address = argv[++i];
    else if (a == "--seconds" && i + 1 < argc)
      seconds = std::stod(argv[++i]);
    else {
      std::cerr << "usage: venus-watch [--name SERVICE] [--address ADDR] "
                   "[--seconds N]\n";
      return 2;
    }
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto conn = venus_sim::open_connection(address);
  auto proxy = sdbus::createProxy(*conn, name, "/");
  bool tty = isatty(STDOUT_FILENO) != 0;
  auto start = std::chrono::steady_clock::now();
  std::string last;
  while (stop_requested == 0) {
    std::string screen;
    try {
      venus_sim::items_dict items;
      proxy->callMethod("GetItems")
          .onInterface(venus_sim::busitem_interface)
          .withTimeout(std::chrono::seconds(2))
          .storeResultsTo(items);
      auto text = [&](const char* path) -> std::string {
        auto i = items.find(path);
        if (i == items.end())
          return "(absent)";
        auto t = i->second.find("Text");
        return t == i->second.end() ? "?" : t->second.get<std::string>();
      };
      if (tty) {
        screen = name + "\n\n";
        for (auto& [path, label] : shown) {
          char line[128];
          snprintf(line, sizeof(line), "  %-12s %14s   %s\n", label,
                   text(path).c_str(), path);
          screen += line;
        }
        screen += "\n  members: " + text("/System/Batteries") + "\n";
      } else {
        for (auto& [path, label] : shown)
          screen += std::string{label} + "=" + text(path) + " ";
        screen += "\n";
      }
    } catch (const sdbus::Error& e) {
      screen = name + ": not on the bus yet (" + e.getName() + ")\n";
    }
    if (screen != last) {
      if (tty)
        std::cout << "\033[H\033[2J" << screen << "\n  (Ctrl-C to stop)"
                  << std::flush;
      else
        std::cout << screen << std::flush;
      last = screen;
    }
    if (seconds > 0
        && std::chrono::steady_clock::now() - start
               > std::chrono::duration<double>(seconds))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (tty)
    std::cout << "\n";
  return 0;
}
