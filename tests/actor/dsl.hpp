#pragma once

// CAF 0.17.6's dsl.hpp uses a FAIL macro it never defines
// (caf-sdbus-notes section 3): include the DSL through this header.
#ifndef FAIL
#  define FAIL(msg) CAF_FAIL(msg)
#endif
#include <caf/test/dsl.hpp>
