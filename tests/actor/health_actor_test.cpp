#define CAF_SUITE health_actor
#include "actor/dsl.hpp"

// The health actor (actors/health.cpp) with strict stubs for the aggregator
// and the publisher answering `summary_atom`. Health only logs its line (the
// log facade has no test sink), so these tests assert what it asks, of
// whom, when, and what it keeps for the next line: the counters at the last
// summary, who answered, the restarts; `health_targets` switching whom it
// asks and resetting the counters; an aggregator that does not answer.

#include <chrono>
#include <string>
#include <vector>

#include "actor/strict_stub.hpp"
#include "actors/health.hpp"
#include "messages/messages.hpp"

using namespace ba;
using namespace ba::test;
using namespace std::chrono_literals;

namespace {

struct answering_state {
  health_stats answer;
  /// When set, requests are kept unanswered.
  bool silent = false;
  std::vector<caf::response_promise> held;
};

/// The aggregator or publisher as health sees it: it takes `summary_atom`
/// only.
caf::behavior answering_stub(caf::stateful_actor<answering_state>* self,
                             std::string name, health_stats answer) {
  refuse_others(self, std::move(name));
  self->state.answer = std::move(answer);
  return {
      [=](summary_atom) -> caf::result<health_stats> {
        if (self->state.silent) {
          auto rp = self->make_response_promise<health_stats>();
          self->state.held.push_back(rp);
          return rp;
        }
        return self->state.answer;
      },
  };
}

using answering = caf::stateful_actor<answering_state>;

/// health_stats has no operator== (messages.hpp): compared as text.
std::string text(const health_stats& s) {
  return caf::deep_to_string(s);
}

health_stats bank_stats(uint64_t updates) {
  return health_stats{"aggregator", 2, 3, updates, 0, {"b (40 s)"}};
}

health_stats publisher_stats(uint64_t signals) {
  return health_stats{"publisher", 0, 0, 0, signals, {}};
}

struct fixture : test_coordinator_fixture<> {
  caf::actor aggregator;
  caf::actor publisher;
  caf::actor health;

  fixture() {
    aggregator = sys.spawn(answering_stub, std::string{"aggregator stub"},
                           bank_stats(120));
    publisher = sys.spawn(answering_stub, std::string{"publisher stub"},
                          publisher_stats(40));
    health = sys.spawn(health_actor, aggregator, publisher, caf::timespan{60s},
                       uint64_t{3});
    sched.run();
  }

  ~fixture() override {
    check_no_unexpected();
    for (auto& a : {health, aggregator, publisher})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  health_state& st() {
    return deref<caf::stateful_actor<health_state>>(health).state;
  }

  void set_answer(caf::actor stub, health_stats s) {
    deref<answering>(stub).state.answer = std::move(s);
  }

  /// The minute is over: health asks both (the bank first).
  void tick(caf::actor agg, caf::actor pub) {
    expect((summary_atom), from(health).to(health));
    expect((summary_atom), from(health).to(agg));
    expect((summary_atom), from(health).to(pub));
  }

  /// A whole round with both answering; the bank's answer is kept.
  void round(caf::actor agg, caf::actor pub) {
    tick(agg, pub);
    expect((health_stats), from(agg).to(health));
    expect((health_stats), from(pub).to(health));
    CAF_CHECK_EQUAL(text(st().bank), text(deref<answering>(agg).state.answer));
    // CAF 0.17 does not cancel a request's timeout when the answer comes:
    // both still fire 2 s later, and must change nothing.
    auto before = st().updates_before;
    CAF_CHECK_EQUAL(advance_time(2s), 2u);
    sched.run();
    CAF_CHECK_EQUAL(st().updates_before, before);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(health_actor_tests, fixture)

CAF_TEST(each minute both are asked and their counters kept) {
  // Nothing before the minute is over.
  CAF_CHECK_EQUAL(advance_time(59s), 0u);
  disallow((summary_atom), from(health).to(aggregator));
  CAF_CHECK_EQUAL(st().round, 0u);
  CAF_CHECK_EQUAL(advance_time(1s), 1u);
  round(aggregator, publisher);
  CAF_CHECK_EQUAL(st().round, 1u);
  CAF_CHECK_EQUAL(st().pending, 0);
  CAF_CHECK(st().bank_answered);
  CAF_CHECK(st().publisher_answered);
  CAF_CHECK_EQUAL(text(st().bank), text(bank_stats(120)));
  CAF_CHECK_EQUAL(st().restarts, 3u);
  // The next line counts from these.
  CAF_CHECK_EQUAL(st().updates_before, 120u);
  CAF_CHECK_EQUAL(st().signals_before, 40u);
  set_answer(aggregator, bank_stats(300));
  set_answer(publisher, publisher_stats(55));
  CAF_CHECK_EQUAL(advance_time(58s), 1u);
  round(aggregator, publisher);
  CAF_CHECK_EQUAL(st().round, 2u);
  CAF_CHECK_EQUAL(st().updates_before, 300u);
  CAF_CHECK_EQUAL(st().signals_before, 55u);
}

CAF_TEST(health targets switch whom it asks and reset the counters) {
  CAF_CHECK_EQUAL(advance_time(60s), 1u);
  round(aggregator, publisher);
  CAF_CHECK_EQUAL(st().updates_before, 120u);
  auto agg2 = sys.spawn(answering_stub, std::string{"aggregator stub 2"},
                        bank_stats(7));
  auto pub2 = sys.spawn(answering_stub, std::string{"publisher stub 2"},
                        publisher_stats(2));
  sched.run();
  inject((health_targets),
         from(self).to(health).with(health_targets{agg2, pub2, 4}));
  CAF_CHECK_EQUAL(st().aggregator, agg2);
  CAF_CHECK_EQUAL(st().publisher, pub2);
  CAF_CHECK_EQUAL(st().restarts, 4u);
  CAF_CHECK_EQUAL(st().updates_before, 0u);
  CAF_CHECK_EQUAL(st().signals_before, 0u);
  CAF_CHECK_EQUAL(advance_time(58s), 1u);
  round(agg2, pub2);
  // The old ones are not asked any more.
  disallow((summary_atom), from(health).to(aggregator));
  disallow((summary_atom), from(health).to(publisher));
  CAF_CHECK_EQUAL(text(st().bank), text(bank_stats(7)));
  CAF_CHECK_EQUAL(st().updates_before, 7u);
  CAF_CHECK_EQUAL(st().signals_before, 2u);
  for (auto& a : {agg2, pub2})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(an aggregator that does not answer is left out after 2 s) {
  CAF_CHECK_EQUAL(advance_time(60s), 1u);
  round(aggregator, publisher);
  deref<answering>(aggregator).state.silent = true;
  set_answer(publisher, publisher_stats(70));
  CAF_CHECK_EQUAL(advance_time(58s), 1u);
  tick(aggregator, publisher);
  expect((health_stats), from(publisher).to(health));
  // The publisher's answer is in; the line waits for the bank.
  CAF_CHECK_EQUAL(st().pending, 1);
  CAF_CHECK(st().publisher_answered);
  CAF_CHECK(!st().bank_answered);
  CAF_CHECK_EQUAL(deref<answering>(aggregator).state.held.size(), 1u);
  CAF_CHECK_EQUAL(advance_time(1s), 0u);
  // Both timeouts fire; only the bank's request is still open.
  CAF_CHECK_EQUAL(advance_time(1s), 2u);
  sched.run();
  // Written without it: its counters stay as at the last line.
  CAF_CHECK_EQUAL(st().pending, 0);
  CAF_CHECK(!st().bank_answered);
  CAF_CHECK_EQUAL(st().updates_before, 120u);
  CAF_CHECK_EQUAL(st().signals_before, 70u);
  // It answers again the minute after.
  deref<answering>(aggregator).state.silent = false;
  set_answer(aggregator, bank_stats(500));
  CAF_CHECK_EQUAL(advance_time(58s), 1u);
  round(aggregator, publisher);
  CAF_CHECK(st().bank_answered);
  CAF_CHECK_EQUAL(st().updates_before, 500u);
}

CAF_TEST_FIXTURE_SCOPE_END()
