#define CAF_SUITE log
#include <caf/test/unit_test.hpp>

#include <string>

#include "logging/log.hpp"
#include "logging/log_cap.hpp"

using namespace ba;

// Text from outside (a path, a /CustomName) with a newline forged a whole
// log line such as "ERROR supervisor: aggregator crashed" (issue 12).
CAF_TEST(a message stays one line) {
  CAF_CHECK_EQUAL(one_line("plain text"), "plain text");
  CAF_CHECK_EQUAL(one_line("pack\nERROR supervisor: aggregator crashed"),
                  "pack\\nERROR supervisor: aggregator crashed");
  CAF_CHECK_EQUAL(one_line(std::string("a\r\tb\x01\x7f", 6)),
                  "a\\r\\tb\\x01\\x7f");
  CAF_CHECK_EQUAL(one_line("caf\xc3\xa9"), "caf\xc3\xa9"); // UTF-8 stays
}

CAF_TEST(a message is cut with its size) {
  CAF_CHECK_EQUAL(one_line(std::string(10, 'x'), 10), std::string(10, 'x'));
  CAF_CHECK_EQUAL(one_line(std::string(11, 'x'), 10),
                  std::string(10, 'x') + "... (11 bytes)");
  CAF_CHECK_EQUAL(one_line(std::string(10 * 1000 * 1000, 'x')).size(),
                  max_log_message + std::string("... (10000000 bytes)").size());
  // Escapes count toward the cap.
  CAF_CHECK_EQUAL(one_line(std::string(8, '\n'), 10),
                  "\\n\\n\\n\\n\\n... (8 bytes)");
}

CAF_TEST(a log cap logs each key once then one summary then nothing) {
  using v = log_cap::verdict;
  log_cap cap{2};
  CAF_CHECK(cap.note("/a") == v::log);
  CAF_CHECK(cap.note("/a") == v::quiet);
  CAF_CHECK(cap.note("/b") == v::log);
  CAF_CHECK(cap.note("/c") == v::summary);
  CAF_CHECK(cap.note("/d") == v::quiet);
  CAF_CHECK(cap.note("/a") == v::quiet);
  log_cap standard;
  size_t logged = 0;
  for (int i = 0; i < 1000; ++i)
    logged += standard.note("/p" + std::to_string(i)) == v::log ? 1 : 0;
  CAF_CHECK_EQUAL(logged, max_logged_paths);
}
