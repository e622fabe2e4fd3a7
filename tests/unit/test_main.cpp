// The one translation unit that instantiates CAF's test engine.
#include <caf/test/unit_test_impl.hpp>
