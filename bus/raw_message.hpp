#pragma once

// The sd_bus_message under an sdbus::Message. sdbus-c++ 1.2.0 reads and
// writes a message with one call per item, each taking and building
// std::strings: for the value signals, the bulk of the traffic, that cost
// about a third of an input's instructions (bench/RESULTS.md, issue 13).
// The decoders and the ItemsChanged encoder use sd-bus's own calls (which
// sdbus-c++ makes underneath) on the same message. Message keeps the
// pointer in a protected member without an accessor; a derived class may
// name it.

#include <sdbus-c++/Message.h>
#include <systemd/sd-bus.h>

namespace ba {

struct raw_message : sdbus::Message {
  static sd_bus_message* of(sdbus::Message& msg) {
    return static_cast<sd_bus_message*>(msg.*(&raw_message::msg_));
  }
};

} // namespace ba
