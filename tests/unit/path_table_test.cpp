#define CAF_SUITE path_table
#include <caf/test/unit_test.hpp>

#include <set>
#include <string>

#include "messages/path_table.hpp"

using namespace ba;

CAF_TEST(paths are unique and well formed) {
  std::set<std::string> seen;
  for (auto& row : path_table()) {
    std::string p = row.path;
    CAF_MESSAGE(p);
    CAF_CHECK(seen.insert(p).second);
    CAF_CHECK_EQUAL(p.front(), '/');
    CAF_CHECK_NOT_EQUAL(p.back(), '/');
    CAF_CHECK(find_path(p) == &row);
  }
}

CAF_TEST(no path is both a leaf and a node) {
  for (auto& a : path_table())
    for (auto& b : path_table()) {
      std::string pa = a.path, pb = b.path;
      CAF_CHECK(pb.compare(0, pa.size() + 1, pa + "/") != 0);
    }
}

CAF_TEST(wire types follow venus - dbus 7.1) {
  CAF_CHECK_EQUAL(wire_type(find_path("/DeviceInstance")->u), 'i');
  CAF_CHECK_EQUAL(wire_type(find_path("/Connected")->u), 'i');
  CAF_CHECK_EQUAL(wire_type(find_path("/ProductId")->u), 'i');
  CAF_CHECK_EQUAL(wire_type(find_path("/Soc")->u), 'd');
  CAF_CHECK_EQUAL(wire_type(find_path("/Dc/0/Power")->u), 'd');
  CAF_CHECK_EQUAL(wire_type(find_path("/ProductName")->u), 's');
  CAF_CHECK(find_path("/Nope") == nullptr);
}

CAF_TEST(every venus mandatory path is published) {
  for (auto* p :
       {"/Mgmt/ProcessName", "/Mgmt/ProcessVersion", "/Mgmt/Connection",
        "/DeviceInstance", "/ProductId", "/ProductName", "/FirmwareVersion",
        "/HardwareVersion", "/Connected", "/CustomName", "/Serial"}) {
    CAF_MESSAGE(p);
    CAF_CHECK(find_path(p) != nullptr);
  }
}
