#pragma once

// Strict stubs for deterministic actor tests: a stub stands for an actor the
// one under test talks to. It takes exactly the message types it is given
// (and keeps a copy of each, in order), and records every other message in
// `unexpected()`, which each suite's fixture checks empty at the end of
// every test: a stub that swallowed anything would hide a message sent by
// mistake.

#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>
#include <caf/stateful_actor.hpp>

#include "actor/dsl.hpp"

namespace ba::test {

/// Messages a stub did not take, as "<stub name>: <message>".
inline std::vector<std::string>& unexpected() {
  static std::vector<std::string> seen;
  return seen;
}

/// Makes `self` record every message its behaviour does not take.
inline void refuse_others(caf::scheduled_actor* self, std::string name) {
  self->set_default_handler(
      [name](caf::scheduled_actor*,
             caf::message_view& x) -> caf::result<caf::message> {
        unexpected().push_back(name + ": "
                               + to_string(x.copy_content_to_message()));
        return caf::sec::unexpected_message;
      });
}

/// For a fixture's destructor: fails the test if a stub got a message it
/// does not take (and names each), then forgets them for the next test.
inline void check_no_unexpected() {
  for (auto& text : unexpected())
    CAF_MESSAGE("unexpected: " << text);
  CAF_CHECK_EQUAL(unexpected().size(), 0u);
  unexpected().clear();
}

struct stub_state {
  /// Every message taken, in order of arrival.
  std::vector<caf::message> received;
};

/// A stub taking exactly `Ts...` (no answer); spawn it as
/// `sys.spawn(strict_stub<a, b>, std::string{"publisher stub"})`.
template <class... Ts>
caf::behavior strict_stub(caf::stateful_actor<stub_state>* self,
                          std::string name) {
  refuse_others(self, std::move(name));
  return {
      [=](const Ts& x) {
        self->state.received.push_back(caf::make_message(x));
      }...,
  };
}

/// How many messages of type `T` the stub `self` took.
template <class T>
size_t count_of(const caf::stateful_actor<stub_state>& self) {
  size_t n = 0;
  for (auto& m : self.state.received)
    if (m.match_elements<T>())
      ++n;
  return n;
}

/// The last message of type `T` the stub took (a default `T` if none, and a
/// failed check).
template <class T>
T last_of(const caf::stateful_actor<stub_state>& self) {
  auto& got = self.state.received;
  for (auto i = got.rbegin(); i != got.rend(); ++i)
    if (i->match_elements<T>())
      return i->get_as<T>(0);
  CAF_ERROR("the stub took no message of this type");
  return T{};
}

} // namespace ba::test
