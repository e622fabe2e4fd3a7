#define CAF_SUITE config_loader
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "main/config_loader.hpp"
#include "main/config_paths.hpp"
#include "main/config_schema.hpp"
#include "main/config_suggest.hpp"

// Table-driven: every bad config lists the exact, complete set of lines the
// loader must print, so a change of wording, location or order fails here
// first. Origin is always "c.json".

using namespace ba;

namespace {

struct bad_row {
  std::string cls; ///< the class of problem (for the per-class count)
  std::string name;
  std::string text;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

struct warning_row {
  std::string name;
  std::string text;
  std::vector<std::string> warnings;
};

/// A valid config with the typed result it must give.
struct example {
  std::string name;
  std::string text;
  std::vector<std::string> warnings;
  std::function<void(const config&)> check;
};

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<std::string> names(const std::vector<source_ref>& refs) {
  std::vector<std::string> out;
  for (auto& r : refs)
    out.push_back(r.name);
  return out;
}

using strings = std::vector<std::string>;
using table = std::vector<std::pair<double, double>>;

const std::string b = "com.victronenergy.battery.";

const std::vector<bad_row>& bad_rows() {
  static const std::vector<bad_row> rows{
      // -- syntax
      {"syntax",
       "a bare word",
       "{\n  \"capacity\": 200,\n  oops\n}",
       {R"(c.json: line 3, column 3: invalid JSON: syntax error while parsing object key - invalid literal; last read: '200,<U+000A>  o'; expected string literal)"},
       {}},
      {"syntax",
       "a trailing comma",
       R"({"capacity": 200,})",
       {R"(c.json: line 1, column 18: invalid JSON: syntax error while parsing object key - unexpected '}'; expected string literal)"},
       {}},
      {"syntax",
       "a missing closing brace",
       "{\n  \"capacity\": 200\n",
       {R"(c.json: line 3, column 1: invalid JSON: syntax error while parsing object - unexpected end of input; expected '}')"},
       {}},
      {"syntax",
       "an empty file",
       "",
       {R"(c.json: line 1, column 1: invalid JSON: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal)"},
       {}},
      {"syntax",
       "a number overflow",
       R"({"capacity": 1e400})",
       {R"(c.json: line 1, column 18: invalid JSON: number overflow parsing '1e400')"},
       {}},
      {"syntax",
       "a raw newline in a string",
       "{\"serviceName\": \"x\n\"}",
       {"c.json: line 1, column 19: invalid JSON: syntax error while "
        "parsing value - invalid string: control character U+000A (LF) "
        "must be escaped to \\u000A or \\n; last read: '\"x<U+000A>'"},
       {}},
      {"syntax",
       "text after the object",
       R"({} x)",
       {R"(c.json: line 1, column 4: invalid JSON: syntax error while parsing value - invalid literal; last read: '{} x'; expected end of input)"},
       {}},
      {"syntax",
       "single quotes",
       R"({'capacity': 200})",
       {R"(c.json: line 1, column 2: invalid JSON: syntax error while parsing object key - invalid literal; last read: '{''; expected string literal)"},
       {}},
      {"syntax",
       "a comment",
       "// settings\n{}",
       {R"(c.json: line 1, column 1: invalid JSON: syntax error while parsing value - invalid literal; last read: '/')"},
       {}},
      // -- duplicate
      {"duplicate",
       "a top-level key twice",
       R"({"capacity": 100, "capacity": 200})",
       {R"(c.json: capacity: key given twice; each key may appear only once in an object)"},
       {}},
      {"duplicate",
       "a primary service twice",
       R"({"primaryServices": {"com.victronenergy.battery.a": [], "com.victronenergy.battery.a": ["/Soc"]}})",
       {R"(c.json: primaryServices["com.victronenergy.battery.a"]: key given twice; each key may appear only once in an object)"},
       {}},
      {"duplicate",
       "a threshold twice",
       R"({"classes": {"hooks.CustomChargingHook": {"ccls": {"12": 10, "12": 20}}}, "virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.CustomChargingHook", "com.victronenergy.battery.a"]}})",
       {R"(c.json: classes["hooks.CustomChargingHook"].ccls["12"]: key given twice; each key may appear only once in an object)"},
       {}},
      {"duplicate",
       "a key in a member object",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"members": [{"com.victronenergy.battery.a": [], "com.victronenergy.battery.a": []}]}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].members[0]["com.victronenergy.battery.a"]: key given twice; each key may appear only once in an object)"},
       {}},
      {"duplicate",
       "a key three times",
       R"({"logLevel": "INFO", "logLevel": "DEBUG", "logLevel": "ERROR"})",
       {R"(c.json: logLevel: key given twice; each key may appear only once in an object)",
        R"(c.json: logLevel: key given twice; each key may appear only once in an object)"},
       {}},
      {"duplicate",
       "topology twice",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": "series", "topology": "parallel", "members": ["com.victronenergy.battery.a"]}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].topology: key given twice; each key may appear only once in an object)"},
       {}},
      // -- unknown key
      {"unknown key",
       "a typo",
       R"({"exludedServices": []})",
       {R"(c.json: exludedServices: unknown key (did you mean "excludedServices"?))"},
       {}},
      {"unknown key",
       "other letter case",
       R"({"ExcludedServices": []})",
       {R"(c.json: ExcludedServices: unknown key (did you mean "excludedServices"?))"},
       {}},
      {"unknown key",
       "snake case",
       R"({"primary_services": []})",
       {R"(c.json: primary_services: unknown key (did you mean "primaryServices"?))"},
       {}},
      {"unknown key",
       "nothing close",
       R"({"batteries": []})",
       {R"(c.json: batteries: unknown key)"},
       {}},
      {"unknown key",
       "a comment key",
       R"({"_comment": "my bank"})",
       {R"(c.json: _comment: unknown key)"},
       {}},
      {"unknown key",
       "in ir",
       R"({"ir": {"maxPercentError": 0.1}})",
       {R"(c.json: ir.maxPercentError: unknown key (did you mean "maxPercentageError"?))"},
       {}},
      {"unknown key",
       "in a topology object",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": "series", "member": ["com.victronenergy.battery.a"]}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].member: unknown key (did you mean "members"?))",
        R"(c.json: virtualBatteries["com.victronenergy.battery.v"]: "members" is missing)"},
       {}},
      // -- type
      {"type",
       "a list at the top",
       R"(["com.victronenergy.battery.a"])",
       {R"(c.json: top level: the config must be a JSON object, not a list)"},
       {}},
      {"type",
       "null at the top",
       R"(null)",
       {R"(c.json: top level: the config must be a JSON object, not null)"},
       {}},
      {"type",
       "capacity as text",
       R"({"capacity": "200Ah"})",
       {R"(c.json: capacity: must be a number or null, not a string)"},
       {}},
      {"type",
       "excludedServices as text",
       R"({"excludedServices": "com.victronenergy.battery.a"})",
       {R"(c.json: excludedServices: must be a list of service names, not a string)"},
       {}},
      {"type",
       "a number as a name",
       R"({"excludedServices": [1, true]})",
       {R"(c.json: excludedServices[0]: must be a service name string, not a number)",
        R"(c.json: excludedServices[1]: must be a service name string, not true)"},
       {}},
      {"type",
       "primaryServices as a number",
       R"({"primaryServices": 5})",
       {R"(c.json: primaryServices: must be a list of service names or an object {name: [paths]}, not a number)"},
       {}},
      {"type",
       "a path list as text",
       R"({"primaryServices": {"com.victronenergy.battery.a": "/Soc"}})",
       {R"(c.json: primaryServices["com.victronenergy.battery.a"]: must be a list of paths, not a string)"},
       {}},
      {"type",
       "a path as a number",
       R"({"auxiliaryServices": {"com.victronenergy.battery.a": [1]}})",
       {R"(c.json: auxiliaryServices["com.victronenergy.battery.a"][0]: must be a path string, not a number)"},
       {}},
      {"type",
       "legacySignals as text",
       R"({"legacySignals": "yes"})",
       {R"(c.json: legacySignals: must be true or false, not a string)"},
       {}},
      {"type",
       "bmsCableWhenMissing as a number",
       R"({"bmsCableWhenMissing": 1})",
       {R"(c.json: bmsCableWhenMissing: must be true or false, not a number)"},
       {}},
      {"type",
       "logLevel as a number",
       R"({"logLevel": 3})",
       {R"(c.json: logLevel: must be a string, not a number)"},
       {}},
      {"type",
       "a virtual battery as text",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": "com.victronenergy.battery.a"}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"]: must be a list of members, an object {name: [paths]} or an object {"topology": ..., "members": [...]}, not a string)"},
       {}},
      {"type",
       "ir as a number",
       R"({"ir": 0.1})",
       {R"(c.json: ir: must be an object {maxPercentageError, minVoltageChange}, not a number)"},
       {}},
      {"type",
       "hook arguments as a list",
       R"({"classes": {"hooks.FixedValueHook": ["/Soc", 5]}})",
       {R"(c.json: classes["hooks.FixedValueHook"]: must be an object of arguments, not a list)"},
       {}},
      {"type",
       "a fixed value true",
       R"({"classes": {"hooks.FixedValueHook": {"path": "/Soc", "value": true}}, "virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.FixedValueHook", "com.victronenergy.battery.a"]}})",
       {R"(c.json: classes["hooks.FixedValueHook"].value: must be a number, a string or null, not true)"},
       {}},
      {"type",
       "timeouts as text",
       R"({"reconnectTimeout": "30s", "staleTimeout": null})",
       {R"(c.json: reconnectTimeout: must be a number, not a string)",
        R"(c.json: staleTimeout: must be a number, not null)"},
       {}},
      {"type", "a member as a number", R"({"virtualBatteries": {"com.victronenergy.battery.v": ["com.victronenergy.battery.a", 7]}})", {R"(c.json: virtualBatteries["com.victronenergy.battery.v"][1]: must be a name or an object {name: [paths]}, not a number)"}, {}},
      // -- mode
      {"mode",
       "cvlMode",
       R"({"cvlMode": "max_allways"})",
       {R"(c.json: cvlMode: "max_allways" is not a cvlMode: expected max_when_balancing, min_when_balancing, max_always, max_when_floating or dvcc (did you mean "max_always"?))"},
       {}},
      {"mode",
       "cvlMode in capitals",
       R"({"cvlMode": "MAX_ALWAYS"})",
       {R"(c.json: cvlMode: "MAX_ALWAYS" is not a cvlMode: expected max_when_balancing, min_when_balancing, max_always, max_when_floating or dvcc (did you mean "max_always"?))"},
       {}},
      {"mode",
       "cclMode",
       R"({"cclMode": "battery+DVCC"})",
       {R"(c.json: cclMode: "battery+DVCC" is not a cclMode: expected battery+dvcc, battery or dvcc (did you mean "battery+dvcc"?))"},
       {}},
      {"mode",
       "currentRatioMethod",
       R"({"currentRatioMethod": "capacitiy"})",
       {R"(c.json: currentRatioMethod: "capacitiy" is not a currentRatioMethod: expected capacity, count or ir (did you mean "capacity"?))"},
       {}},
      {"mode",
       "socMethod",
       R"({"socMethod": "min_soc"})",
       {R"(c.json: socMethod: "min_soc" is not a socMethod: expected weighted, mean or min (did you mean "min"?))"},
       {}},
      {"mode",
       "logLevel",
       R"({"logLevel": "warn"})",
       {R"(c.json: logLevel: "warn" is not a log level: expected DEBUG, INFO, WARNING or ERROR, in any letter case (did you mean "WARNING"?))"},
       {}},
      {"mode",
       "topology",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": "seris", "members": ["com.victronenergy.battery.a"]}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].topology: "seris" is not a topology: expected merge, parallel or series (did you mean "series"?))"},
       {}},
      // -- name
      {"name",
       "a bare suffix",
       R"({"excludedServices": ["ttyS1"]})",
       {R"(c.json: excludedServices[0]: "ttyS1" is not a battery service name: expected com.victronenergy.battery.<suffix> or name:<CustomName> (did you mean "com.victronenergy.battery.ttyS1"?))"},
       {}},
      {"name",
       "the short form battery.x",
       R"({"primaryServices": ["battery.ttyUSB0"]})",
       {R"(c.json: primaryServices[0]: "battery.ttyUSB0" is not a battery service name: expected com.victronenergy.battery.<suffix> or name:<CustomName> (did you mean "com.victronenergy.battery.ttyUSB0"?))"},
       {}},
      {"name",
       "a misspelt prefix",
       R"({"auxiliaryServices": {"com.victronenergy.batery.ttyS1": []}})",
       {R"(c.json: auxiliaryServices["com.victronenergy.batery.ttyS1"]: "com.victronenergy.batery.ttyS1" is not a battery service name: expected com.victronenergy.battery.<suffix> or name:<CustomName> (did you mean "com.victronenergy.battery.ttyS1"?))"},
       {}},
      {"name",
       "a suffix starting with a digit",
       R"({"excludedServices": ["com.victronenergy.battery.1x", "com.victronenergy.battery."]})",
       {R"(c.json: excludedServices[0]: "com.victronenergy.battery.1x": the part after "com.victronenergy.battery." must be name elements of letters, digits, _ and -, not starting with a digit)",
        R"(c.json: excludedServices[1]: "com.victronenergy.battery.": the part after "com.victronenergy.battery." must be name elements of letters, digits, _ and -, not starting with a digit)"},
       {}},
      {"name",
       "an empty custom name",
       R"({"excludedServices": ["name:"]})",
       {R"(c.json: excludedServices[0]: "name:" needs a custom name after the colon)"},
       {}},
      {"name",
       "another service class",
       R"({"serviceName": "com.victronenergy.solar.x"})",
       {R"(c.json: serviceName: "com.victronenergy.solar.x" is not a valid name for a service of this process: expected com.victronenergy.battery.<suffix>, the suffix of letters, digits and _, not starting with a digit)"},
       {}},
      {"name",
       "a dash in our own name",
       R"({"serviceName": "com.victronenergy.battery.my-bank"})",
       {R"(c.json: serviceName: "com.victronenergy.battery.my-bank" is not a valid name for a service of this process: expected com.victronenergy.battery.<suffix>, the suffix of letters, digits and _, not starting with a digit)"},
       {}},
      {"name",
       "a virtual battery named by custom name",
       R"({"virtualBatteries": {"name:Bank": ["com.victronenergy.battery.a"]}})",
       {R"(c.json: virtualBatteries["name:Bank"]: "name:Bank" is not a valid name for a service of this process: expected com.victronenergy.battery.<suffix>, the suffix of letters, digits and _, not starting with a digit)"},
       {}},
      {"name",
       "a hook outside a virtual battery",
       R"({"primaryServices": ["class:hooks.FixedValueHook"]})",
       {R"(c.json: primaryServices[0]: "class:hooks.FixedValueHook": a hook can only be a member of a virtual battery)"},
       {}},
      {"name",
       "a space in a member name",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": ["com.victronenergy.battery.tty S1"]}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"][0]: "com.victronenergy.battery.tty S1": the part after "com.victronenergy.battery." must be name elements of letters, digits, _ and -, not starting with a digit)"},
       {}},
      // -- hook
      {"hook",
       "an unknown hook as member",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.CustomChargeHook", "com.victronenergy.battery.a"]}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"][0]: "class:hooks.CustomChargeHook" is not a hook: expected hooks.FixedValueHook, hooks.CustomChargingHook or hooks.TemperatureChargingHook (did you mean "class:hooks.CustomChargingHook"?))"},
       {}},
      {"hook",
       "an unknown hook in classes",
       R"({"classes": {"hooks.CustomChargeHook#a": {"ccls": {"12": 10}}}})",
       {R"(c.json: classes["hooks.CustomChargeHook#a"]: "hooks.CustomChargeHook#a" is not a hook: expected hooks.FixedValueHook, hooks.CustomChargingHook or hooks.TemperatureChargingHook (did you mean "hooks.CustomChargingHook#a"?))"},
       {}},
      {"hook",
       "a hook without hooks.",
       R"({"classes": {"CustomChargingHook": {"ccls": {"12": 10}}}})",
       {R"(c.json: classes.CustomChargingHook: "CustomChargingHook" is not a hook: expected hooks.FixedValueHook, hooks.CustomChargingHook or hooks.TemperatureChargingHook (did you mean "hooks.CustomChargingHook"?))"},
       {}},
      {"hook",
       "an unknown argument",
       R"({"classes": {"hooks.FixedValueHook": {"path": "/Soc", "valu": 50}}, "virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.FixedValueHook", "com.victronenergy.battery.a"]}})",
       {R"(c.json: classes["hooks.FixedValueHook"].valu: unknown hook argument: expected path or value (did you mean "value"?))",
        R"(c.json: classes["hooks.FixedValueHook"]: missing argument "value")"},
       {}},
      {"hook", "a charging hook without tables", R"({"classes": {"hooks.TemperatureChargingHook": {"path": "/Soc"}}, "virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.TemperatureChargingHook", "com.victronenergy.battery.a"]}})", {R"(c.json: classes["hooks.TemperatureChargingHook"].path: unknown hook argument: expected ccls or dcls)", R"(c.json: classes["hooks.TemperatureChargingHook"]: needs "ccls", "dcls" or both)"}, {}},
      {"hook", "bad table entries", R"({"classes": {"hooks.CustomChargingHook": {"ccls": {"x": 10, "0x10": 5, "13": -1, "12": 10, "12.0": 20}, "dcls": {}}}, "virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.CustomChargingHook", "com.victronenergy.battery.a"]}})", {R"(c.json: classes["hooks.CustomChargingHook"].ccls.x: "x" is not a number: a threshold is written like "12" or "-5.5")", R"(c.json: classes["hooks.CustomChargingHook"].ccls["0x10"]: "0x10" is not a number: a threshold is written like "12" or "-5.5")", R"(c.json: classes["hooks.CustomChargingHook"].ccls["13"]: must be between 0 and 1000000 (A), not -1)", R"(c.json: classes["hooks.CustomChargingHook"].ccls["12.0"]: threshold 12 is given twice (also as "12"))", R"(c.json: classes["hooks.CustomChargingHook"].dcls: the table has no entries)"}, {}},
      {"hook",
       "a class member without classes",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.FixedValueHook#soc", "com.victronenergy.battery.a"]}, "classes": {"hooks.FixedValueHook": {"path": "/Soc", "value": 50}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"][0]: "class:hooks.FixedValueHook#soc" has no arguments: "classes" has no key "hooks.FixedValueHook#soc")"},
       {R"(c.json: classes["hooks.FixedValueHook"]: hook "hooks.FixedValueHook" is not used: no virtual battery lists "class:hooks.FixedValueHook")"}},
      {"hook",
       "an empty tag",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.FixedValueHook#", "com.victronenergy.battery.a"]}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"][0]: "class:hooks.FixedValueHook#": the tag after # must be letters, digits, _ and -)"},
       {}},
      {"hook",
       "a hook with paths",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"class:hooks.FixedValueHook": ["/Soc"], "com.victronenergy.battery.a": []}}, "classes": {"hooks.FixedValueHook": {"path": "/Soc", "value": null}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"]["class:hooks.FixedValueHook"]: a hook takes no paths: write [])"},
       {}},
      // -- path
      {"path",
       "a missing slash on an unknown path",
       R"({"auxiliaryServices": {"com.victronenergy.battery.a": ["Info/Location"]}})",
       {R"(c.json: auxiliaryServices["com.victronenergy.battery.a"][0]: "Info/Location" is not a D-Bus object path: expected / followed by elements of letters, digits and _ separated by / (did you mean "/Info/Location"?))"},
       {}},
      {"path",
       "a trailing slash",
       R"({"primaryServices": {"com.victronenergy.battery.a": ["/Soc/"]}})",
       {R"(c.json: primaryServices["com.victronenergy.battery.a"][0]: "/Soc/" is not a D-Bus object path: expected / followed by elements of letters, digits and _ separated by / (did you mean "/Soc"?))"},
       {}},
      {"path",
       "a doubled slash",
       R"({"primaryServices": {"com.victronenergy.battery.a": ["/Dc//0/Current"]}})",
       {R"(c.json: primaryServices["com.victronenergy.battery.a"][0]: "/Dc//0/Current" is not a D-Bus object path: expected / followed by elements of letters, digits and _ separated by / (did you mean "/Dc/0/Current"?))"},
       {}},
      {"path",
       "the root path",
       R"({"primaryServices": {"com.victronenergy.battery.a": ["/"]}})",
       {R"(c.json: primaryServices["com.victronenergy.battery.a"][0]: "/" is not a D-Bus object path: expected / followed by elements of letters, digits and _ separated by /)"},
       {}},
      {"path",
       "a dash in a path",
       R"({"primaryServices": {"com.victronenergy.battery.a": ["/Dc/0/Current-A"]}})",
       {R"(c.json: primaryServices["com.victronenergy.battery.a"][0]: "/Dc/0/Current-A" is not a D-Bus object path: expected / followed by elements of letters, digits and _ separated by /)"},
       {}},
      {"path",
       "a path twice",
       R"({"primaryServices": {"com.victronenergy.battery.a": ["/Soc", "/SoC"]}})",
       {R"(c.json: primaryServices["com.victronenergy.battery.a"][1]: "/Soc" is listed twice (first at primaryServices["com.victronenergy.battery.a"][0]))"},
       {R"(c.json: primaryServices["com.victronenergy.battery.a"][1]: "/SoC" taken as "/Soc")"}},
      {"path", "a malformed fixed value path", R"({"classes": {"hooks.FixedValueHook": {"path": "Soc level", "value": 1}}, "virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.FixedValueHook", "com.victronenergy.battery.a"]}})", {R"(c.json: classes["hooks.FixedValueHook"].path: "Soc level" is not a D-Bus object path: expected / followed by elements of letters, digits and _ separated by /)"}, {}},
      {"path",
       "paths in a series member",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": "series", "members": [{"com.victronenergy.battery.a": ["/Soc"]}, "com.victronenergy.battery.b"]}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].members[0]["com.victronenergy.battery.a"]: paths can only be chosen per member in a merge battery; series and parallel use all paths: write [])"},
       {}},
      // -- role
      {"role",
       "primary and auxiliary",
       R"({"primaryServices": ["com.victronenergy.battery.a"], "auxiliaryServices": {"com.victronenergy.battery.a": ["/Soc"]}})",
       {R"(c.json: auxiliaryServices["com.victronenergy.battery.a"]: "com.victronenergy.battery.a" is already a primary source at primaryServices[0]; a source has only one role)"},
       {}},
      {"role", "two virtual batteries", R"({"virtualBatteries": {"com.victronenergy.battery.v1": ["com.victronenergy.battery.a", "com.victronenergy.battery.b"], "com.victronenergy.battery.v2": ["com.victronenergy.battery.b"]}})", {R"(c.json: virtualBatteries["com.victronenergy.battery.v2"][0]: "com.victronenergy.battery.b" is already a member of virtual battery "com.victronenergy.battery.v1" at virtualBatteries["com.victronenergy.battery.v1"][1]; a source has only one role)"}, {}},
      {"role",
       "primary and a virtual battery member",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": ["com.victronenergy.battery.a"]}, "primaryServices": ["com.victronenergy.battery.a"]})",
       {R"(c.json: primaryServices[0]: "com.victronenergy.battery.a" is already a member of virtual battery "com.victronenergy.battery.v" at virtualBatteries["com.victronenergy.battery.v"][0]; a source has only one role)"},
       {}},
      {"role",
       "excluded and a virtual battery member",
       R"({"excludedServices": ["com.victronenergy.battery.a"], "virtualBatteries": {"com.victronenergy.battery.v": ["com.victronenergy.battery.a"]}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"][0]: "com.victronenergy.battery.a" is already excluded at excludedServices[0]; a source has only one role)"},
       {}},
      {"role",
       "excluded twice",
       R"({"excludedServices": ["com.victronenergy.battery.a", "com.victronenergy.battery.a"]})",
       {R"(c.json: excludedServices[1]: "com.victronenergy.battery.a" is listed twice (first at excludedServices[0]))"},
       {}},
      {"role",
       "auxiliary twice in the list form",
       R"({"auxiliaryServices": ["com.victronenergy.battery.a", "com.victronenergy.battery.b", "com.victronenergy.battery.a"]})",
       {R"(c.json: auxiliaryServices[2]: "com.victronenergy.battery.a" is listed twice (first at auxiliaryServices[0]))"},
       {}},
      {"role",
       "a member twice in one virtual battery",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": "parallel", "members": ["com.victronenergy.battery.a", {"com.victronenergy.battery.a": []}]}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].members[1]["com.victronenergy.battery.a"]: "com.victronenergy.battery.a" is listed twice in this virtual battery)"},
       {}},
      {"role",
       "a virtual battery as primary",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": ["com.victronenergy.battery.a"]}, "primaryServices": ["com.victronenergy.battery.v"], "excludedServices": ["com.victronenergy.battery.v"]})",
       {R"(c.json: primaryServices[0]: "com.victronenergy.battery.v" is a virtual battery of this config: it is always a member of the main bank or of the virtual battery that lists it)",
        R"(c.json: excludedServices[0]: "com.victronenergy.battery.v" is a virtual battery of this config: it is always a member of the main bank or of the virtual battery that lists it)"},
       {}},
      {"role",
       "the main service as a source",
       R"({"serviceName": "com.victronenergy.battery.bank", "auxiliaryServices": ["com.victronenergy.battery.bank"], "virtualBatteries": {"com.victronenergy.battery.v": ["com.victronenergy.battery.bank"]}})",
       {R"(c.json: auxiliaryServices[0]: "com.victronenergy.battery.bank" is the main service of this process (serviceName))",
        R"(c.json: virtualBatteries["com.victronenergy.battery.v"][0]: "com.victronenergy.battery.bank" is the main service of this process (serviceName))"},
       {}},
      {"role",
       "a custom name in two roles",
       R"({"primaryServices": ["name:Shunt"], "virtualBatteries": {"com.victronenergy.battery.v": ["name:Shunt"]}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"][0]: "name:Shunt" is already a primary source at primaryServices[0]; a source has only one role)"},
       {}},
      // -- cycle
      {"cycle",
       "a virtual battery containing itself",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": ["com.victronenergy.battery.a", "com.victronenergy.battery.v"]}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"][1]: "com.victronenergy.battery.v" is the virtual battery itself)"},
       {}},
      {"cycle",
       "two virtual batteries containing each other",
       R"({"virtualBatteries": {"com.victronenergy.battery.v1": ["com.victronenergy.battery.v2"], "com.victronenergy.battery.v2": ["com.victronenergy.battery.v1"]}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v2"][0]: "com.victronenergy.battery.v1" forms a cycle: com.victronenergy.battery.v1 -> com.victronenergy.battery.v2 -> com.victronenergy.battery.v1)"},
       {}},
      {"cycle",
       "a cycle of three",
       R"({"virtualBatteries": {"com.victronenergy.battery.v1": {"topology": "parallel", "members": ["com.victronenergy.battery.v2"]}, "com.victronenergy.battery.v2": {"topology": "series", "members": ["com.victronenergy.battery.v3", "com.victronenergy.battery.a"]}, "com.victronenergy.battery.v3": {"com.victronenergy.battery.v1": []}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v3"]["com.victronenergy.battery.v1"]: "com.victronenergy.battery.v1" forms a cycle: com.victronenergy.battery.v1 -> com.victronenergy.battery.v2 -> com.victronenergy.battery.v3 -> com.victronenergy.battery.v1)"},
       {}},
      {"cycle",
       "itself in the topology form",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": "series", "members": [{"com.victronenergy.battery.v": []}]}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].members[0]["com.victronenergy.battery.v"]: "com.victronenergy.battery.v" is the virtual battery itself)"},
       {}},
      // -- own name
      {"own name", "a virtual battery with the default service name", R"({"virtualBatteries": {"com.victronenergy.battery.aggregator": ["com.victronenergy.battery.a"]}})", {R"(c.json: virtualBatteries["com.victronenergy.battery.aggregator"]: the virtual battery has the main service's name (serviceName))"}, {}},
      {"own name",
       "a virtual battery with the configured service name",
       R"({"virtualBatteries": {"com.victronenergy.battery.bank": ["com.victronenergy.battery.a"]}, "serviceName": "com.victronenergy.battery.bank"})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.bank"]: the virtual battery has the main service's name (serviceName))"},
       {}},
      // -- range
      {"range",
       "a negative capacity",
       R"({"capacity": -5})",
       {R"(c.json: capacity: must be greater than 0 and at most 1000000 (Ah), not -5)"},
       {}},
      {"range",
       "a zero capacity",
       R"({"capacity": 0})",
       {R"(c.json: capacity: must be greater than 0 and at most 1000000 (Ah), not 0)"},
       {}},
      {"range",
       "an absurd capacity",
       R"({"capacity": 2e6})",
       {R"(c.json: capacity: must be greater than 0 and at most 1000000 (Ah), not 2000000)"},
       {}},
      {"range",
       "negative timeouts",
       R"({"reconnectTimeout": -1, "startupBatteryWait": -0.5})",
       {R"(c.json: reconnectTimeout: must be between 0 and 86400 (seconds), not -1)",
        R"(c.json: startupBatteryWait: must be between 0 and 86400 (seconds), not -0.5)"},
       {}},
      {"range",
       "huge and zero timeouts",
       R"({"startupBatteryWait": 1e9, "staleTimeout": 0})",
       {R"(c.json: startupBatteryWait: must be between 0 and 86400 (seconds), not 1000000000)",
        R"(c.json: staleTimeout: must be between 1 and 86400 (seconds), not 0)"},
       {}},
      {"range",
       "a negative publishInterval",
       R"({"publishInterval": -1})",
       {R"(c.json: publishInterval: must be between 0 and 10000 (milliseconds), not -1)"},
       {}},
      {"range",
       "a fractional publishInterval",
       R"({"publishInterval": 10.5})",
       {R"(c.json: publishInterval: must be a whole number of milliseconds, not 10.5)"},
       {}},
      {"range",
       "an absurd publishInterval",
       R"({"publishInterval": 60000})",
       {R"(c.json: publishInterval: must be between 0 and 10000 (milliseconds), not 60000)"},
       {}},
      {"range",
       "ir values not above 0",
       R"({"ir": {"maxPercentageError": 0, "minVoltageChange": -0.02}})",
       {R"(c.json: ir.maxPercentageError: must be greater than 0 and at most 1, not 0)",
        R"(c.json: ir.minVoltageChange: must be greater than 0 and at most 10 (V), not -0.02)"},
       {}},
      {"range",
       "ir as a percentage",
       R"({"ir": {"maxPercentageError": 10}})",
       {R"(c.json: ir.maxPercentageError: must be greater than 0 and at most 1, not 10)"},
       {}},
      // -- structure
      {"structure",
       "a virtual battery without members",
       R"({"virtualBatteries": {"com.victronenergy.battery.v1": [], "com.victronenergy.battery.v2": {}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v1"]: a virtual battery needs at least one member)",
        R"(c.json: virtualBatteries["com.victronenergy.battery.v2"]: a virtual battery needs at least one member)"},
       {}},
      {"structure",
       "a topology without members",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": "parallel"}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"]: "members" is missing)"},
       {}},
      {"structure",
       "an empty member list",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": "series", "members": []}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].members: a virtual battery needs at least one member)"},
       {}},
      {"structure",
       "a member object with two keys",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"members": [{"com.victronenergy.battery.a": [], "com.victronenergy.battery.b": []}]}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"].members[0]: a member object must have exactly one key, the source name, not 2)"},
       {}},
  };
  return rows;
}

const std::vector<warning_row>& warning_rows() {
  static const std::vector<warning_row> rows{
      {"paths in other letter case or without a slash",
       R"({"primaryServices": {"com.victronenergy.battery.ttyS5": ["/SOC", "soh", "/DC/0/Current", "dc/0/voltage"]}})",
       {R"(c.json: primaryServices["com.victronenergy.battery.ttyS5"][0]: "/SOC" taken as "/Soc")",
        R"(c.json: primaryServices["com.victronenergy.battery.ttyS5"][1]: "soh" taken as "/Soh")",
        R"(c.json: primaryServices["com.victronenergy.battery.ttyS5"][2]: "/DC/0/Current" taken as "/Dc/0/Current")",
        R"(c.json: primaryServices["com.victronenergy.battery.ttyS5"][3]: "dc/0/voltage" taken as "/Dc/0/Voltage")"}},
      {"a known path in a virtual battery member",
       R"({"virtualBatteries": {"com.victronenergy.battery.v": {"com.victronenergy.battery.a": ["/info/maxchargecurrent"], "com.victronenergy.battery.b": []}}})",
       {R"(c.json: virtualBatteries["com.victronenergy.battery.v"]["com.victronenergy.battery.a"][0]: "/info/maxchargecurrent" taken as "/Info/MaxChargeCurrent")"}},
      {"a fixed value path in lower case",
       R"({"classes": {"hooks.FixedValueHook": {"path": "/soh", "value": 100}}, "virtualBatteries": {"com.victronenergy.battery.v": ["class:hooks.FixedValueHook", "com.victronenergy.battery.a"]}})",
       {R"(c.json: classes["hooks.FixedValueHook"].path: "/soh" taken as "/Soh")"}},
      {"an unknown path one typo from a known one",
       R"({"auxiliaryServices": {"com.victronenergy.battery.a": ["/Dc/0/Curent", "/Info/Location"]}})",
       {R"(c.json: auxiliaryServices["com.victronenergy.battery.a"][0]: "/Dc/0/Curent" is not a known battery path; passed through as is (did you mean "/Dc/0/Current"?))"}},
      {"excluded and then primary",
       R"({"excludedServices": ["com.victronenergy.battery.ttyS5"], "primaryServices": {"com.victronenergy.battery.ttyS5": ["/Soc"]}})",
       {R"(c.json: excludedServices[0]: "com.victronenergy.battery.ttyS5" is also a primary source at primaryServices["com.victronenergy.battery.ttyS5"]; that role wins)"}},
      {"auxiliary and then excluded",
       R"({"auxiliaryServices": ["com.victronenergy.battery.a"], "excludedServices": ["com.victronenergy.battery.b", "com.victronenergy.battery.a"]})",
       {R"(c.json: excludedServices[1]: "com.victronenergy.battery.a" is also an auxiliary source at auxiliaryServices[0]; that role wins)"}},
      {"excluding this service itself",
       R"({"excludedServices": ["com.victronenergy.battery.aggregator"]})",
       {R"(c.json: excludedServices[0]: "com.victronenergy.battery.aggregator" is the main service of this process (serviceName), never a member; nothing to exclude)"}},
      {"an unused hook definition",
       R"({"classes": {"hooks.CustomChargingHook#spare": {"dcls": {"10": 50}}}})",
       {R"(c.json: classes["hooks.CustomChargingHook#spare"]: hook "hooks.CustomChargingHook#spare" is not used: no virtual battery lists "class:hooks.CustomChargingHook#spare")"}},
  };
  return rows;
}
/// Every JSON example of the README's Configuration section, verbatim (the
/// product spec's section 4.1 examples among them), with its typed result.
const std::vector<example>& readme_examples() {
  static const std::vector<example> rows{
      {"excluding a shunt (product.md 4.1)",
       R"json({ "excludedServices": ["com.victronenergy.battery.ttyS1"] })json",
       {},
       [](const config& c) {
         CAF_CHECK_EQUAL(c.excluded_services, strings{b + "ttyS1"});
         CAF_CHECK(c.primary_services.empty());
         CAF_CHECK(c.virtual_batteries.empty());
       }},
      {"a shunt's SoC first (product.md 4.1)",
       R"json({ "primaryServices": {"com.victronenergy.battery.ttyS5": ["/SoC"]} })json",
       {R"(c.json: primaryServices["com.victronenergy.battery.ttyS5"][0]: "/SoC" taken as "/Soc")"},
       [](const config& c) {
         CAF_REQUIRE_EQUAL(c.primary_services.size(), 1u);
         CAF_CHECK_EQUAL(c.primary_services[0].name, b + "ttyS5");
         CAF_CHECK(!c.primary_services[0].all_paths);
         CAF_CHECK_EQUAL(c.primary_services[0].paths, strings{"/Soc"});
       }},
      {"two primaries in file order (product.md 4.1)",
       R"json({ "primaryServices": {"com.victronenergy.battery.ttyS5": ["/Soc"], "com.victronenergy.battery.leastPrecedence": ["/Dc/0/Current"]} })json",
       {},
       [](const config& c) {
         CAF_CHECK_EQUAL(names(c.primary_services),
                         (strings{b + "ttyS5", b + "leastPrecedence"}));
         CAF_CHECK_EQUAL(c.primary_services[0].paths, strings{"/Soc"});
         CAF_CHECK_EQUAL(c.primary_services[1].paths, strings{"/Dc/0/Current"});
       }},
      {"auxiliaries as a list (product.md 4.1)",
       R"json({ "auxiliaryServices": ["com.victronenergy.battery.defaultMetadata", "com.victronenergy.battery.leastPrecedence"] })json",
       {},
       [](const config& c) {
         CAF_CHECK_EQUAL(
             names(c.auxiliary_services),
             (strings{b + "defaultMetadata", b + "leastPrecedence"}));
         CAF_CHECK(c.auxiliary_services[0].all_paths);
         CAF_CHECK(c.auxiliary_services[1].all_paths);
       }},
      {"an auxiliary pass-through path (product.md 4.1)",
       R"json({ "auxiliaryServices": {"com.victronenergy.battery.dev1": ["/Info/Location"]} })json",
       {},
       [](const config& c) {
         CAF_REQUIRE_EQUAL(c.auxiliary_services.size(), 1u);
         CAF_CHECK_EQUAL(c.auxiliary_services[0].name, b + "dev1");
         CAF_CHECK_EQUAL(c.auxiliary_services[0].paths,
                         strings{"/Info/Location"});
       }},
      {"two merge virtual batteries (product.md 4.1)",
       R"json({ "virtualBatteries": {
    "com.victronenergy.battery.virtual1": ["com.victronenergy.battery.ttyS6", "com.victronenergy.battery.ttyUSB0"],
    "com.victronenergy.battery.virtual2": ["com.victronenergy.battery.ttyS7", "com.victronenergy.battery.ttyUSB1"] } })json",
       {},
       [](const config& c) {
         CAF_REQUIRE_EQUAL(c.virtual_batteries.size(), 2u);
         auto& v1 = c.virtual_batteries[0];
         auto& v2 = c.virtual_batteries[1];
         CAF_CHECK_EQUAL(v1.service, b + "virtual1");
         CAF_CHECK(v1.kind == topology::merge);
         CAF_CHECK_EQUAL(names(v1.members),
                         (strings{b + "ttyS6", b + "ttyUSB0"}));
         CAF_CHECK(v1.members[0].all_paths && v1.members[1].all_paths);
         CAF_CHECK_EQUAL(v2.service, b + "virtual2");
         CAF_CHECK(v2.kind == topology::merge);
         CAF_CHECK_EQUAL(names(v2.members),
                         (strings{b + "ttyS7", b + "ttyUSB1"}));
       }},
      {"the object form of a virtual battery (product.md 4.1)",
       R"json({ "virtualBatteries": {"com.victronenergy.battery.virtual1": {"com.victronenergy.battery.ttyS6": ["/Soc"], "com.victronenergy.battery.ttyUSB0": []}} })json",
       {},
       [](const config& c) {
         CAF_REQUIRE_EQUAL(c.virtual_batteries.size(), 1u);
         auto& v = c.virtual_batteries[0];
         CAF_CHECK(v.kind == topology::merge);
         CAF_CHECK_EQUAL(names(v.members),
                         (strings{b + "ttyS6", b + "ttyUSB0"}));
         CAF_CHECK(!v.members[0].all_paths);
         CAF_CHECK_EQUAL(v.members[0].paths, strings{"/Soc"});
         CAF_CHECK(v.members[1].all_paths);
         CAF_CHECK(v.members[1].paths.empty());
       }},
      {"a merge topology with member objects",
       R"json({
  "virtualBatteries": {
    "com.victronenergy.battery.house": {
      "topology": "merge",
      "members": [{"com.victronenergy.battery.ttyS5": ["/Soc", "/Dc/0/Current"]}, "com.victronenergy.battery.ttyUSB0"]
    }
  }
})json",
       {},
       [](const config& c) {
         CAF_REQUIRE_EQUAL(c.virtual_batteries.size(), 1u);
         auto& v = c.virtual_batteries[0];
         CAF_CHECK_EQUAL(v.service, b + "house");
         CAF_CHECK(v.kind == topology::merge);
         CAF_CHECK_EQUAL(names(v.members),
                         (strings{b + "ttyS5", b + "ttyUSB0"}));
         CAF_CHECK_EQUAL(v.members[0].paths,
                         (strings{"/Soc", "/Dc/0/Current"}));
         CAF_CHECK(v.members[1].all_paths);
       }},
      {"two series strings in parallel",
       R"json({
  "virtualBatteries": {
    "com.victronenergy.battery.string1": {
      "topology": "series",
      "members": ["com.victronenergy.battery.ttyUSB0", "com.victronenergy.battery.ttyUSB1"]
    },
    "com.victronenergy.battery.string2": {
      "topology": "series",
      "members": ["com.victronenergy.battery.ttyUSB2", "com.victronenergy.battery.ttyUSB3"]
    },
    "com.victronenergy.battery.bank": {
      "topology": "parallel",
      "members": ["com.victronenergy.battery.string1", "com.victronenergy.battery.string2"]
    }
  }
})json",
       {},
       [](const config& c) {
         CAF_REQUIRE_EQUAL(c.virtual_batteries.size(), 3u);
         auto& s1 = c.virtual_batteries[0];
         auto& s2 = c.virtual_batteries[1];
         auto& bank = c.virtual_batteries[2];
         CAF_CHECK(s1.kind == topology::series);
         CAF_CHECK(s2.kind == topology::series);
         CAF_CHECK(bank.kind == topology::parallel);
         CAF_CHECK_EQUAL(names(s1.members),
                         (strings{b + "ttyUSB0", b + "ttyUSB1"}));
         CAF_CHECK_EQUAL(names(s2.members),
                         (strings{b + "ttyUSB2", b + "ttyUSB3"}));
         CAF_CHECK_EQUAL(names(bank.members),
                         (strings{b + "string1", b + "string2"}));
       }},
      {"a charging hook (product.md 3)",
       R"json({
  "virtualBatteries": {"com.victronenergy.battery.v1": ["class:hooks.CustomChargingHook", "com.victronenergy.battery.ttyUSB0"]},
  "classes": {"hooks.CustomChargingHook": {"ccls": {"12": 10, "13": 15}}}
})json",
       {},
       [](const config& c) {
         CAF_REQUIRE_EQUAL(c.virtual_batteries.size(), 1u);
         CAF_CHECK_EQUAL(
             names(c.virtual_batteries[0].members),
             (strings{"class:hooks.CustomChargingHook", b + "ttyUSB0"}));
         CAF_REQUIRE_EQUAL(c.hooks.count("hooks.CustomChargingHook"), 1u);
         auto& h = c.hooks.at("hooks.CustomChargingHook");
         CAF_CHECK_EQUAL(h.kind, "hooks.CustomChargingHook");
         CAF_CHECK_EQUAL(h.key, "hooks.CustomChargingHook");
         CAF_CHECK_EQUAL(h.ccls, (table{{12, 10}, {13, 15}}));
         CAF_CHECK(h.dcls.empty());
       }},
      {"a tagged fixed value and a temperature table",
       R"json({
  "virtualBatteries": {
    "com.victronenergy.battery.v1": [
      "class:hooks.FixedValueHook#soh",
      "class:hooks.TemperatureChargingHook",
      "com.victronenergy.battery.ttyUSB0"
    ]
  },
  "classes": {
    "hooks.FixedValueHook#soh": {"path": "/Soh", "value": 100},
    "hooks.TemperatureChargingHook": {"ccls": {"5": 50, "0": 0, "15": 100}, "dcls": {"-20": 0, "-10": 100}}
  }
})json",
       {},
       [](const config& c) {
         CAF_REQUIRE_EQUAL(c.virtual_batteries.size(), 1u);
         CAF_CHECK_EQUAL(
             names(c.virtual_batteries[0].members),
             (strings{"class:hooks.FixedValueHook#soh",
                      "class:hooks.TemperatureChargingHook", b + "ttyUSB0"}));
         CAF_REQUIRE_EQUAL(c.hooks.size(), 2u);
         auto& f = c.hooks.at("hooks.FixedValueHook#soh");
         CAF_CHECK_EQUAL(f.kind, "hooks.FixedValueHook");
         CAF_CHECK_EQUAL(f.path, "/Soh");
         CAF_CHECK(f.fixed == value::integer(100));
         auto& t = c.hooks.at("hooks.TemperatureChargingHook");
         CAF_CHECK_EQUAL(t.kind, "hooks.TemperatureChargingHook");
         CAF_CHECK_EQUAL(t.ccls, (table{{0, 0}, {5, 50}, {15, 100}}));
         CAF_CHECK_EQUAL(t.dcls, (table{{-20, 0}, {-10, 100}}));
       }},
      {"capacity (product.md 4.1)",
       R"json({ "capacity": 200 })json",
       {},
       [](const config& c) {
         CAF_CHECK_EQUAL(c.capacity ? *c.capacity : -1.0, 200.0);
       }},
      {"serviceName",
       R"json({ "serviceName": "com.victronenergy.battery.bank1" })json",
       {},
       [](const config& c) { CAF_CHECK_EQUAL(c.service_name, b + "bank1"); }},
      {"logLevel in lower case",
       R"json({ "logLevel": "debug" })json",
       {},
       [](const config& c) { CAF_CHECK(c.level == log_level::debug); }},
      {"reconnectTimeout",
       R"json({ "reconnectTimeout": 30 })json",
       {},
       [](const config& c) { CAF_CHECK_EQUAL(c.reconnect_timeout, 30.0); }},
      {"startupBatteryWait",
       R"json({ "startupBatteryWait": 10 })json",
       {},
       [](const config& c) { CAF_CHECK_EQUAL(c.startup_battery_wait, 10.0); }},
      {"staleTimeout",
       R"json({ "staleTimeout": 120 })json",
       {},
       [](const config& c) { CAF_CHECK_EQUAL(c.stale_timeout, 120.0); }},
      {"cvlMode",
       R"json({ "cvlMode": "min_when_balancing" })json",
       {},
       [](const config& c) {
         CAF_CHECK(c.cvl == cvl_mode::min_when_balancing);
       }},
      {"cclMode",
       R"json({ "cclMode": "battery" })json",
       {},
       [](const config& c) { CAF_CHECK(c.ccl == ccl_mode::battery); }},
      {"currentRatioMethod",
       R"json({ "currentRatioMethod": "ir" })json",
       {},
       [](const config& c) { CAF_CHECK(c.ratio == ratio_method::ir); }},
      {"ir",
       R"json({ "currentRatioMethod": "ir", "ir": {"maxPercentageError": 0.05, "minVoltageChange": 0.05} })json",
       {},
       [](const config& c) {
         CAF_CHECK(c.ratio == ratio_method::ir);
         CAF_CHECK_EQUAL(c.ir.max_percentage_error, 0.05);
         CAF_CHECK_EQUAL(c.ir.min_voltage_change, 0.05);
       }},
      {"socMethod",
       R"json({ "socMethod": "mean" })json",
       {},
       [](const config& c) { CAF_CHECK(c.soc == soc_method::mean); }},
      {"publishInterval",
       R"json({ "publishInterval": 100 })json",
       {},
       [](const config& c) { CAF_CHECK_EQUAL(c.publish_interval_ms, 100); }},
      {"legacySignals",
       R"json({ "legacySignals": true })json",
       {},
       [](const config& c) { CAF_CHECK(c.legacy_signals); }},
      {"bmsCableWhenMissing",
       R"json({ "bmsCableWhenMissing": true })json",
       {},
       [](const config& c) { CAF_CHECK(c.bms_cable_when_missing); }},
  };
  return rows;
}

/// The README's `--check-config` illustration, checked against the loader.
const std::string readme_invalid_file
    = R"({"primaryServices": {"com.victronenergy.battery.ttyS5": ["/SoC"]}, "exludedServices": [], "cvlMode": "max_allways"})";

/// The README's syntax-error illustration: "a bare word on line 3".
const std::string readme_syntax_file = "{\n  \"capacity\": 200,\n  oops\n}";

/// Every top-level key (product.md section 4), for the sample and README.
const strings all_keys{"excludedServices",
                       "primaryServices",
                       "auxiliaryServices",
                       "capacity",
                       "virtualBatteries",
                       "classes",
                       "serviceName",
                       "logLevel",
                       "reconnectTimeout",
                       "startupBatteryWait",
                       "staleTimeout",
                       "cvlMode",
                       "cclMode",
                       "currentRatioMethod",
                       "ir",
                       "socMethod",
                       "publishInterval",
                       "legacySignals",
                       "bmsCableWhenMissing"};

/// The `## Configuration` section of the README.
std::string readme_config_section() {
  auto text = read_file(std::string{BA_SOURCE_DIR} + "/README.md");
  auto start = text.find("\n## Configuration\n");
  if (start == std::string::npos)
    return {};
  auto end = text.find("\n## ", start + 1);
  return text.substr(start, end == std::string::npos ? end : end - start);
}

} // namespace

CAF_TEST(an empty object means every default) {
  auto rep = parse_config("{}", "c.json");
  CAF_REQUIRE(rep.ok());
  CAF_CHECK(rep.warnings.empty());
  auto& c = rep.cfg;
  CAF_CHECK_EQUAL(c.service_name, "com.victronenergy.battery.aggregator");
  CAF_CHECK(c.excluded_services.empty());
  CAF_CHECK(c.primary_services.empty());
  CAF_CHECK(c.auxiliary_services.empty());
  CAF_CHECK(c.virtual_batteries.empty());
  CAF_CHECK(c.hooks.empty());
  CAF_CHECK(!c.capacity);
  CAF_CHECK(c.soc == soc_method::weighted);
  CAF_CHECK(c.cvl == cvl_mode::max_when_balancing);
  CAF_CHECK(c.ccl == ccl_mode::battery_dvcc);
  CAF_CHECK(c.ratio == ratio_method::capacity);
  CAF_CHECK_EQUAL(c.ir.max_percentage_error, 0.1);
  CAF_CHECK_EQUAL(c.ir.min_voltage_change, 0.02);
  CAF_CHECK_EQUAL(c.startup_battery_wait, 30.0);
  CAF_CHECK_EQUAL(c.reconnect_timeout, 0.0);
  CAF_CHECK_EQUAL(c.stale_timeout, 60.0);
  CAF_CHECK_EQUAL(c.publish_interval_ms, 10);
  CAF_CHECK(!c.legacy_signals);
  CAF_CHECK(!c.bms_cable_when_missing);
  CAF_CHECK(c.level == log_level::info);
}

CAF_TEST(every scalar key is read) {
  auto rep = parse_config(R"({
    "serviceName": "com.victronenergy.battery.bank1",
    "capacity": 200.5,
    "socMethod": "min",
    "cvlMode": "dvcc",
    "cclMode": "dvcc",
    "currentRatioMethod": "count",
    "ir": {"minVoltageChange": 0.03},
    "startupBatteryWait": 5,
    "reconnectTimeout": 10,
    "staleTimeout": 30,
    "publishInterval": 0,
    "legacySignals": true,
    "bmsCableWhenMissing": true,
    "logLevel": "Warning"
  })",
                          "c.json");
  CAF_REQUIRE(rep.ok());
  auto& c = rep.cfg;
  CAF_CHECK_EQUAL(c.service_name, "com.victronenergy.battery.bank1");
  CAF_CHECK_EQUAL(c.capacity ? *c.capacity : -1.0, 200.5);
  CAF_CHECK(c.soc == soc_method::min);
  CAF_CHECK(c.cvl == cvl_mode::dvcc);
  CAF_CHECK(c.ccl == ccl_mode::dvcc);
  CAF_CHECK(c.ratio == ratio_method::count);
  CAF_CHECK_EQUAL(c.ir.max_percentage_error, 0.1); // not given: default
  CAF_CHECK_EQUAL(c.ir.min_voltage_change, 0.03);
  CAF_CHECK_EQUAL(c.startup_battery_wait, 5.0);
  CAF_CHECK_EQUAL(c.reconnect_timeout, 10.0);
  CAF_CHECK_EQUAL(c.stale_timeout, 30.0);
  CAF_CHECK_EQUAL(c.publish_interval_ms, 0);
  CAF_CHECK(c.legacy_signals);
  CAF_CHECK(c.bms_cable_when_missing);
  CAF_CHECK(c.level == log_level::warning);
}

CAF_TEST(bad configs report every problem with location and suggestion) {
  std::map<std::string, size_t> per_class;
  for (auto& row : bad_rows()) {
    CAF_MESSAGE(row.cls << ": " << row.name);
    ++per_class[row.cls];
    auto rep = parse_config(row.text, "c.json");
    CAF_CHECK(!rep.ok());
    CAF_CHECK_EQUAL(rep.errors, row.errors);
    CAF_CHECK_EQUAL(rep.warnings, row.warnings);
  }
  // Several rows for every class of problem, at least 40 in all.
  CAF_CHECK_GREATER_OR_EQUAL(bad_rows().size(), 40u);
  for (auto& cls :
       {"syntax", "duplicate", "unknown key", "type", "mode", "name", "hook",
        "path", "role", "cycle", "own name", "range", "structure"}) {
    CAF_MESSAGE(cls << ": " << per_class[cls] << " rows");
    CAF_CHECK_GREATER_OR_EQUAL(per_class[cls], 2u);
  }
}

CAF_TEST(normalised paths and other warnings keep a config valid) {
  for (auto& row : warning_rows()) {
    CAF_MESSAGE(row.name);
    auto rep = parse_config(row.text, "c.json");
    CAF_CHECK_EQUAL(rep.errors, strings{});
    CAF_CHECK_EQUAL(rep.warnings, row.warnings);
  }
}

CAF_TEST(normalised paths are stored in their canonical spelling) {
  auto rep = parse_config(
      R"({"primaryServices": {"com.victronenergy.battery.ttyS5": ["/SOC", "soh", "/DC/0/Current", "dc/0/voltage"]}})",
      "c.json");
  CAF_REQUIRE(rep.ok());
  CAF_REQUIRE_EQUAL(rep.cfg.primary_services.size(), 1u);
  CAF_CHECK_EQUAL(rep.cfg.primary_services[0].paths,
                  (strings{"/Soc", "/Soh", "/Dc/0/Current", "/Dc/0/Voltage"}));
}

CAF_TEST(a primary or auxiliary source also excluded keeps its role) {
  auto rep = parse_config(
      R"({"excludedServices": ["com.victronenergy.battery.a", "com.victronenergy.battery.b", "com.victronenergy.battery.aggregator"],
          "primaryServices": ["com.victronenergy.battery.a"]})",
      "c.json");
  CAF_REQUIRE(rep.ok());
  CAF_CHECK_EQUAL(rep.warnings.size(), 2u);
  // Only the plain exclusion is left for the runtime to act on.
  CAF_CHECK_EQUAL(rep.cfg.excluded_services, strings{b + "b"});
  CAF_CHECK_EQUAL(names(rep.cfg.primary_services), strings{b + "a"});
}

CAF_TEST(README examples are valid with the expected typed result) {
  for (auto& row : readme_examples()) {
    CAF_MESSAGE(row.name);
    auto rep = parse_config(row.text, "c.json");
    CAF_CHECK_EQUAL(rep.errors, strings{});
    CAF_CHECK_EQUAL(rep.warnings, row.warnings);
    if (rep.ok())
      row.check(rep.cfg);
  }
}

CAF_TEST(every JSON example of the README is in the examples table) {
  auto section = readme_config_section();
  CAF_REQUIRE(!section.empty());
  std::vector<std::string> blocks;
  const std::string open = "```json\n", close = "\n```";
  for (auto pos = section.find(open); pos != std::string::npos;
       pos = section.find(open, pos)) {
    pos += open.size();
    auto end = section.find(close, pos);
    CAF_REQUIRE(end != std::string::npos);
    blocks.push_back(section.substr(pos, end - pos));
    pos = end;
  }
  CAF_CHECK_EQUAL(blocks.size(), readme_examples().size());
  for (auto& block : blocks) {
    auto known = std::any_of(readme_examples().begin(), readme_examples().end(),
                             [&](auto& row) { return row.text == block; });
    if (!known)
      CAF_MESSAGE("not in the table:\n" << block);
    CAF_CHECK(known);
  }
}

CAF_TEST(the README check - config illustration is what the loader prints) {
  auto section = readme_config_section();
  CAF_CHECK(section.find(readme_invalid_file) != std::string::npos);
  auto rep = parse_config(readme_invalid_file, "config.json");
  for (auto& w : rep.warnings)
    CAF_CHECK(section.find("warning: " + w + "\n") != std::string::npos);
  for (auto& e : rep.errors)
    CAF_CHECK(section.find("error: " + e + "\n") != std::string::npos);
  CAF_CHECK_EQUAL(rep.warnings.size(), 1u);
  CAF_CHECK_EQUAL(rep.errors.size(), 2u);
  auto syntax = parse_config(readme_syntax_file, "config.json");
  CAF_REQUIRE_EQUAL(syntax.errors.size(), 1u);
  CAF_CHECK(section.find("`error: " + syntax.errors[0] + "`")
            != std::string::npos);
}

CAF_TEST(ttyUSB1 and ttyUSB10 are distinct names) {
  // With the Python add-on's prefix matching these would have collided.
  auto rep = parse_config(
      R"({"excludedServices": ["com.victronenergy.battery.ttyUSB1"],
          "primaryServices": ["com.victronenergy.battery.ttyUSB10"],
          "virtualBatteries": {"com.victronenergy.battery.v": ["com.victronenergy.battery.ttyUSB100", "com.victronenergy.battery.ttyUSB1000"]}})",
      "c.json");
  CAF_REQUIRE(rep.ok());
  CAF_CHECK(rep.warnings.empty());
  CAF_CHECK_EQUAL(rep.cfg.excluded_services, strings{b + "ttyUSB1"});
  CAF_CHECK_EQUAL(names(rep.cfg.primary_services), strings{b + "ttyUSB10"});
  CAF_REQUIRE_EQUAL(rep.cfg.virtual_batteries.size(), 1u);
  CAF_CHECK_EQUAL(names(rep.cfg.virtual_batteries[0].members),
                  (strings{b + "ttyUSB100", b + "ttyUSB1000"}));
}

CAF_TEST(custom names and multi element suffixes are source names) {
  auto rep = parse_config(
      R"({"excludedServices": ["name:Shunt 1", "com.victronenergy.battery.socketcan_can0.vi0-uc1"]})",
      "c.json");
  CAF_CHECK_EQUAL(rep.errors, strings{});
  CAF_CHECK_EQUAL(rep.cfg.excluded_services,
                  (strings{"name:Shunt 1", b + "socketcan_can0.vi0-uc1"}));
}

CAF_TEST(the sample config is valid and holds every key with its default) {
  auto path = std::string{BA_SOURCE_DIR} + "/deploy/config.sample.json";
  auto rep = load_config(path);
  CAF_CHECK_EQUAL(rep.errors, strings{});
  CAF_CHECK_EQUAL(rep.warnings, strings{});
  auto defaults = parse_config("{}", "c.json").cfg;
  auto& c = rep.cfg;
  CAF_CHECK_EQUAL(c.service_name, defaults.service_name);
  CAF_CHECK(c.excluded_services.empty() && c.primary_services.empty()
            && c.auxiliary_services.empty() && c.virtual_batteries.empty()
            && c.hooks.empty() && !c.capacity);
  CAF_CHECK(c.level == defaults.level);
  CAF_CHECK_EQUAL(c.reconnect_timeout, defaults.reconnect_timeout);
  CAF_CHECK_EQUAL(c.startup_battery_wait, defaults.startup_battery_wait);
  CAF_CHECK_EQUAL(c.stale_timeout, defaults.stale_timeout);
  CAF_CHECK(c.cvl == defaults.cvl && c.ccl == defaults.ccl
            && c.ratio == defaults.ratio && c.soc == defaults.soc);
  CAF_CHECK_EQUAL(c.ir.max_percentage_error, defaults.ir.max_percentage_error);
  CAF_CHECK_EQUAL(c.ir.min_voltage_change, defaults.ir.min_voltage_change);
  CAF_CHECK_EQUAL(c.publish_interval_ms, defaults.publish_interval_ms);
  CAF_CHECK_EQUAL(c.legacy_signals, defaults.legacy_signals);
  auto text = read_file(path);
  for (auto& key : all_keys) {
    CAF_MESSAGE(key);
    CAF_CHECK(text.find("\"" + key + "\":") != std::string::npos);
  }
}

CAF_TEST(every key has its README subsection) {
  auto section = readme_config_section();
  for (auto& key : all_keys) {
    CAF_MESSAGE(key);
    CAF_CHECK(section.find("\n### `" + key + "`\n") != std::string::npos);
  }
}

CAF_TEST(known paths are well formed and unique ignoring case) {
  auto& paths = known_battery_paths();
  CAF_CHECK_GREATER(paths.size(), 100u);
  for (auto& p : paths) {
    CAF_CHECK(is_object_path(p));
    // Also catches two known paths that differ only in case.
    CAF_CHECK_EQUAL(canonical_path(p), p);
    std::string lower = p;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    CAF_CHECK_EQUAL(canonical_path(lower.substr(1)), p);
  }
  CAF_CHECK_EQUAL(canonical_path("/Info/Location"), "");
  CAF_CHECK(!is_object_path("/"));
  CAF_CHECK(!is_object_path("/a/"));
  CAF_CHECK(!is_object_path("/a//b"));
  CAF_CHECK(!is_object_path("a/b"));
  CAF_CHECK(!is_object_path("/a-b"));
  CAF_CHECK(!is_object_path("/\xc3\xa9"));
  CAF_CHECK(is_object_path("/Dc/0/Current_1"));
}

CAF_TEST(suggestions come from the edit distance) {
  CAF_CHECK_EQUAL(edit_distance("exludedServices", "excludedServices"), 1u);
  CAF_CHECK_EQUAL(edit_distance("SOC", "soc"), 0u);
  CAF_CHECK_EQUAL(edit_distance("ab", "ba"), 1u); // a transposition
  CAF_CHECK_EQUAL(edit_distance("", "abc"), 3u);
  CAF_CHECK_EQUAL(closest_match("capacty", {"capacity", "cclMode"}),
                  "capacity");
  CAF_CHECK_EQUAL(closest_match("batteries", {"capacity", "cclMode"}), "");
  CAF_CHECK_EQUAL(nearest("average", {"weighted", "mean", "min"}), "mean");
}

CAF_TEST(a missing file means defaults and a directory is an error) {
  auto missing = load_config("/nonexistent/dir/config.json");
  CAF_CHECK(missing.ok());
  CAF_CHECK(missing.missing);
  CAF_CHECK(missing.warnings.empty());
  auto dir = load_config("/tmp");
  CAF_CHECK_EQUAL(dir.errors, strings{"/tmp: cannot be read: is a directory"});
}

CAF_TEST(messages of a loaded file name the file) {
  std::string path
      = "/tmp/config_loader_test_" + std::to_string(getpid()) + ".json";
  {
    std::ofstream out{path};
    out << "{\"capacity\": -1}";
  }
  auto rep = load_config(path);
  std::remove(path.c_str());
  CAF_CHECK_EQUAL(rep.errors,
                  strings{path
                          + ": capacity: must be greater than 0 and at "
                            "most 1000000 (Ah), not -1"});
}

CAF_TEST(deep nesting and odd bytes never crash) {
  // nlohmann's SAX parser is iterative; the loader must not recurse either.
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  auto rep = parse_config(deep, "c.json");
  CAF_CHECK_EQUAL(rep.errors,
                  strings{"c.json: top level: the config must be a JSON "
                          "object, not a list"});
  std::string keys = "{\"classes\": ";
  for (int i = 0; i < 50000; ++i)
    keys += "{\"a\": ";
  auto unfinished = parse_config(keys, "c.json");
  CAF_CHECK_EQUAL(unfinished.errors.size(), 1u);
  auto nul = parse_config(std::string("{\"a\0\": 1}", 10), "c.json");
  CAF_CHECK_EQUAL(nul.errors.size(), 1u);
}

// libstdc++'s std::regex recurses once per character: the schema's hook
// patterns tried on a 200,000-character key crashed the program (a reload
// with such a file would have taken the service off the bus).
CAF_TEST(a key too long for a pattern is an error and not a crash) {
  auto key = "hooks.FixedValueHook#" + std::string(200000, 'a');
  auto rep = parse_config("{\"classes\": {\"" + key
                              + "\": {\"path\": \"/Soc\", \"value\": 1}}}",
                          "c.json");
  auto shown = "\"hooks.FixedValueHook#" + std::string(99, 'a')
               + "\"... (200021 bytes)";
  CAF_CHECK_EQUAL(rep.errors, strings{"c.json: classes[" + shown + "]: " + shown
                                      + ": longer than 1024 characters"});
  // The same through a virtual battery's reference to it.
  auto member
      = parse_config("{\"virtualBatteries\": {\"com.victronenergy.battery.v\": "
                     "[\"class:"
                         + key + "\", \"com.victronenergy.battery.a\"]}}",
                     "c.json");
  CAF_CHECK(!member.ok());
}

namespace {

/// A scratch path under /tmp, removed before and after use.
struct scratch {
  std::string path = "/tmp/config_loader_test_" + std::to_string(getpid()) + "_"
                     + std::to_string(counter()++);
  scratch() {
    std::remove(path.c_str());
  }
  ~scratch() {
    std::remove(path.c_str());
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

} // namespace

CAF_TEST(only a regular file of bounded size is read) {
  scratch fifo;
  CAF_REQUIRE_EQUAL(mkfifo(fifo.path.c_str(), 0600), 0);
  // Refused by type before opening: the open would wait for a writer.
  CAF_CHECK_EQUAL(
      load_config(fifo.path).errors,
      strings{fifo.path + ": cannot be read: is a FIFO, not a regular file"});
  scratch zero;
  CAF_REQUIRE_EQUAL(symlink("/dev/zero", zero.path.c_str()), 0);
  CAF_CHECK_EQUAL(
      load_config(zero.path).errors,
      strings{zero.path + ": cannot be read: is a device, not a regular file"});
  scratch big;
  {
    std::ofstream out{big.path};
    out << "{\"capacity\": 100" << std::string(max_config_bytes, ' ') << "}";
  }
  CAF_CHECK_EQUAL(
      load_config(big.path).errors,
      strings{big.path + ": cannot be read: "
              + std::to_string(max_config_bytes + 17) + " bytes, more than the "
              + std::to_string(max_config_bytes) + " a config file may have"});
  scratch dangling;
  CAF_REQUIRE_EQUAL(symlink("/nonexistent/x.json", dangling.path.c_str()), 0);
  auto rep = load_config(dangling.path);
  CAF_CHECK(rep.missing);
  CAF_CHECK_EQUAL(rep.warnings,
                  strings{dangling.path + ": is a symlink to a missing file"});
}

CAF_TEST(many keys parse in one pass and strings are echoed cut) {
  // 100,000 unknown keys: every one reported, in file order (with
  // ordered_json's look-up per key this took minutes).
  std::string text = "{";
  for (int i = 0; i < 100000; ++i)
    text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\": 1";
  text += "}";
  auto rep = parse_config(text, "c.json");
  CAF_REQUIRE_EQUAL(rep.errors.size(), 100000u);
  CAF_CHECK(rep.errors.back().find("k99999") != std::string::npos);
  // A 10 MB string is echoed cut, with its size.
  auto huge = parse_config("{\"cvlMode\": \""
                               + std::string(10 * 1000 * 1000, 'x') + "\"}",
                           "c.json");
  CAF_REQUIRE_EQUAL(huge.errors.size(), 1u);
  CAF_CHECK_LESS(huge.errors[0].size(), 400u);
  CAF_CHECK(huge.errors[0].find("... (10000000 bytes)") != std::string::npos);
}

// -- the schema (config/battery-aggregator.schema.json) and the loader -----

namespace {

using ojson = nlohmann::ordered_json;

/// Every subschema of `node` (itself included), with its JSON Pointer.
void subschemas(const ojson& node, const std::string& at,
                std::vector<std::pair<std::string, const ojson*>>& out) {
  if (!node.is_object())
    return;
  out.emplace_back(at, &node);
  for (auto& [key, sub] : node.items()) {
    if (key == "properties" || key == "patternProperties"
        || key == "definitions")
      for (auto& [name, s] : sub.items())
        subschemas(s, at + "/" + key + "/" + name, out);
    else if (key == "anyOf" || key == "oneOf" || key == "allOf")
      for (size_t i = 0; i < sub.size(); ++i)
        subschemas(sub[i], at + "/" + key + "/" + std::to_string(i), out);
    else if (key == "items" || key == "additionalProperties" || key == "if"
             || key == "then" || key == "else")
      subschemas(sub, at + "/" + key, out);
  }
}

} // namespace

CAF_TEST(the embedded schema is the shipped file) {
  CAF_CHECK(config_schema_text()
            == read_file(std::string{BA_SOURCE_DIR}
                         + "/config/battery-aggregator.schema.json"));
  CAF_CHECK_EQUAL(config_schema()["$schema"],
                  "http://json-schema.org/draft-07/schema#");
}

CAF_TEST(the schema and the loader know the same top level keys) {
  strings in_schema;
  for (auto& [key, sub] : config_schema()["properties"].items())
    in_schema.push_back(key);
  // Same keys in the same (README) order; "$schema" is for editors.
  CAF_CHECK_EQUAL(in_schema, config_keys());
  auto documented = all_keys;
  documented.insert(documented.begin(), "$schema");
  CAF_CHECK_EQUAL(in_schema, documented);
  CAF_CHECK_EQUAL(config_schema()["additionalProperties"], false);
}

CAF_TEST(every value of every closed set in the schema is taken) {
  // A mode added to the schema but not to the loader (or the reverse: the
  // bad-config rows pin the loader's lists) fails here.
  std::vector<std::pair<std::string, const ojson*>> all;
  subschemas(config_schema(), "", all);
  size_t checked = 0;
  for (auto& [key, sub] : config_schema()["properties"].items()) {
    if (!sub.contains("enum"))
      continue;
    for (auto& v : sub["enum"]) {
      ojson doc = ojson::object();
      doc[key] = v;
      auto rep = parse_config(doc.dump(), "c.json");
      CAF_MESSAGE(key << ": " << v.dump());
      CAF_CHECK_EQUAL(rep.errors, strings{});
      ++checked;
    }
  }
  auto& topology = config_schema()["definitions"]["topologyForm"]["properties"]
                                  ["topology"]["enum"];
  for (auto& t : topology) {
    auto rep = parse_config(
        R"({"virtualBatteries": {"com.victronenergy.battery.v": {"topology": )"
            + t.dump() + R"(, "members": ["com.victronenergy.battery.a"]}}})",
        "c.json");
    CAF_MESSAGE("topology: " << t.dump());
    CAF_CHECK_EQUAL(rep.errors, strings{});
    ++checked;
  }
  CAF_CHECK_EQUAL(checked, 17u);
}

CAF_TEST(every schema node has a description and words for the loader) {
  std::vector<std::pair<std::string, const ojson*>> all;
  subschemas(config_schema(), "", all);
  CAF_CHECK_GREATER(all.size(), 30u);
  for (auto& [at, node] : all) {
    CAF_MESSAGE(at);
    // A type the schema checks needs the loader's words for a mismatch.
    if (node->contains("type"))
      CAF_CHECK(node->contains("x-expected")
                || at.find("/if") != std::string::npos);
    if (node->contains("minItems") || node->contains("minProperties")
        || node->contains("maxProperties"))
      CAF_CHECK(node->contains("x-count"));
    if (node->contains("required") && at.find("/anyOf/") == std::string::npos)
      CAF_CHECK(node->contains("x-missing"));
    if (at.rfind("/properties/", 0) == 0
        && std::count(at.begin(), at.end(), '/') == 2)
      CAF_CHECK(node->contains("description"));
  }
}

CAF_TEST(the sample config and a config naming its schema validate) {
  auto sample
      = load_config(std::string{BA_SOURCE_DIR} + "/deploy/config.sample.json");
  CAF_CHECK_EQUAL(sample.errors, strings{});
  auto named = parse_config(
      R"({ "$schema": "./battery-aggregator.schema.json", "cvlMode": "dvcc" })",
      "c.json");
  CAF_CHECK_EQUAL(named.errors, strings{});
  CAF_CHECK(named.cfg.cvl == cvl_mode::dvcc);
  auto wrong = parse_config(R"({"$schema": 7})", "c.json");
  CAF_CHECK_EQUAL(
      wrong.errors,
      strings{R"(c.json: ["$schema"]: must be a string, not a number)"});
}
