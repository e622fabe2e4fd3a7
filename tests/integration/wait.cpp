#include "tests/integration/wait.hpp"

#include <algorithm>
#include <thread>

namespace ba::test {

bool wait_until(const std::function<bool()>& predicate,
                clock_type::duration timeout, clock_type::duration poll) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (predicate())
      return true;
    auto now = clock_type::now();
    if (now >= deadline)
      return false;
    std::this_thread::sleep_for(
        std::min<clock_type::duration>(poll, deadline - now));
    if (clock_type::now() >= deadline)
      return predicate();
  }
}

bool holds_for(const std::function<bool()>& predicate,
               clock_type::duration duration, clock_type::duration poll) {
  auto end = clock_type::now() + duration;
  do {
    if (!predicate())
      return false;
    std::this_thread::sleep_for(poll);
  } while (clock_type::now() < end);
  return predicate();
}

double ms_between(time_point from, time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

} // namespace ba::test
