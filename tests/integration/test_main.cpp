// The one translation unit that instantiates CAF's test engine (and main).
#include <caf/test/unit_test_impl.hpp>
