#include "messages/bus_port.hpp"

namespace ba {

bus_port::~bus_port() {
  // nop
}

bool operator==(const export_item& x, const export_item& y) {
  return x.path == y.path && x.val == y.val && x.text == y.text
         && x.write == y.write;
}

} // namespace ba
