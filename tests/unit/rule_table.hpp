#pragma once

// What the rule suites' tables share. Each suite defines its own `result`
// (a labelled value, or a labelled map, with the comparison its rule
// needs); CHECK_ROW compares two of them so that a failure prints the row's
// label next to both sides.

#include <caf/test/unit_test.hpp>

/// Checks one row. CAF's line number points here, the label at the row.
#define CHECK_ROW(label, got, want)                                            \
  CAF_CHECK_EQUAL((result{label, got}), (result{label, want}))
