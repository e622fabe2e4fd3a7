#define CAF_SUITE member_pages
#include <caf/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "actors/rules/member_pages.hpp"
#include "messages/path_table.hpp"
#include "tests/unit/rule_test_support.hpp"

using namespace ba;
using namespace ba::test;

namespace {

const std::string svc = "com.victronenergy.battery.ttyUSB1";

struct page_row {
  const char* what;
  value_map member;
  /// leaf under /Battery/2/ -> expected value
  std::vector<std::pair<std::string, value>> expected;
};

} // namespace

CAF_TEST(a page shows the member values with their fallbacks) {
  auto none = value::invalid();
  std::vector<page_row> rows{
      {"a BMS with everything",
       {{"/Serial", t("JK-2207A1")},
        {"/InstalledCapacity", r(280)},
        {"/Capacity", r(150)},
        {"/FirmwareVersion", i(0x0112)},
        {"/State", i(9)},
        {"/Dc/0/Voltage", r(53.21)},
        {"/Dc/0/Current", r(-12.5)},
        {"/Dc/0/Temperature", r(21)},
        {"/Soc", r(64.5)}},
       {{"Serial", t("JK-2207A1")},
        {"Capacity", r(280)},
        {"FwVersion", i(0x0112)},
        {"Status", i(9)},
        {"Voltage", r(53.21)},
        {"Current", r(-12.5)},
        {"Temperature", r(21)}}},
      {"no serial: the custom name",
       {{"/Serial", t("  ")}, {"/CustomName", t("Bow pack")}},
       {{"Serial", t("Bow pack")}}},
      {"no serial, no name: the service suffix",
       {{"/CustomName", t("")}},
       {{"Serial", t("ttyUSB1")}}},
      {"a number as serial is no serial",
       {{"/Serial", r(5)}},
       {{"Serial", t("ttyUSB1")}}},
      {"no installed capacity: the remaining capacity",
       {{"/Capacity", r(120)}},
       {{"Capacity", r(120)}}},
      {"an invalid installed capacity falls back too",
       {{"/InstalledCapacity", none}, {"/Capacity", r(120)}},
       {{"Capacity", r(120)}}},
      {"a text firmware version passes as text",
       {{"/FirmwareVersion", t("v4.1.2")}},
       {{"FwVersion", t("v4.1.2")}}},
      {"a real firmware version becomes an integer",
       {{"/FirmwareVersion", r(274)}},
       {{"FwVersion", i(274)}}},
      {"bad numbers are invalid, never 0",
       {{"/Dc/0/Voltage", r(std::nan(""))},
        {"/Dc/0/Current", t("12")},
        {"/State", none},
        {"/FirmwareVersion", r(std::nan(""))}},
       {{"Voltage", none},
        {"Current", none},
        {"Status", none},
        {"FwVersion", none},
        {"Temperature", none},
        {"Capacity", none}}},
  };
  for (auto& row : rows) {
    CAF_MESSAGE(row.what);
    value_map out;
    value_writer w{out};
    std::string scratch;
    auto cells = write_member_page(2, svc, row.member, 0, w, scratch);
    CAF_CHECK_EQUAL(cells, 0);
    for (auto& [leaf, want] : row.expected)
      CAF_CHECK_EQUAL(at(out, "/Battery/2/" + leaf), want);
    // Every leaf is written, valid or not: a slot never keeps another
    // member's line.
    CAF_CHECK_EQUAL(out.size(), 7u);
    // The pack's SoC is not on gui-v2's page: not republished per pack.
    CAF_CHECK_EQUAL(at(out, "/Battery/2/Soc"), absent);
  }
}

CAF_TEST(cells come from the serial battery convention) {
  value_map m{{"/Voltages/Cell1", r(3.301)},
              {"/Voltages/Cell2", r(3.312)},
              {"/Voltages/Cell3", t("x")},
              {"/Voltages/Cell5", r(3.2)},
              {"/Temperatures/Cell1", r(22)}};
  CAF_CHECK_EQUAL(member_cell_count(m), 3);
  value_map out;
  value_writer w{out};
  std::string scratch;
  CAF_CHECK_EQUAL(write_member_page(1, svc, m, 0, w, scratch), 3);
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/1/Voltage"), r(3.301));
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/2/Voltage"), r(3.312));
  // Present but not a number: the cell is there, its value invalid.
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/3/Voltage"), value::invalid());
  // After a gap nothing counts: Cell5 is not the fourth cell.
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/4/Voltage"), absent);
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/5/Voltage"), absent);
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/1/Temperature"), r(22));
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/2/Temperature"), value::invalid());
}

CAF_TEST(a slot taken by a member with fewer cells shows no extra cells) {
  value_map out;
  value_writer w{out};
  std::string scratch;
  value_map big;
  for (int c = 1; c <= 16; ++c)
    big["/Voltages/Cell" + std::to_string(c)] = r(3.3);
  CAF_CHECK_EQUAL(write_member_page(1, svc, big, 0, w, scratch), 16);
  value_map small{{"/Voltages/Cell1", r(3.1)}, {"/Voltages/Cell2", r(3.2)}};
  std::vector<std::string_view> changed;
  value_writer w2{out, &changed};
  CAF_CHECK_EQUAL(write_member_page(1, svc, small, 16, w2, scratch), 2);
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/2/Voltage"), r(3.2));
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/3/Voltage"), value::invalid());
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/16/Voltage"), value::invalid());
  // Writing the same page again changes nothing.
  changed.clear();
  write_member_page(1, svc, small, 2, w2, scratch);
  CAF_CHECK_EQUAL(changed.size(), 0u);
  // The member leaves the list: its slot goes invalid.
  clear_member_page(1, 2, w2, scratch);
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Serial"), value::invalid());
  CAF_CHECK_EQUAL(at(out, "/Battery/1/Cell/1/Voltage"), value::invalid());
  size_t valid = 0;
  for (auto& kv : out)
    valid += kv.second.valid() ? 1 : 0;
  CAF_CHECK_EQUAL(valid, 0u);
}

CAF_TEST(more cells than a page shows are cut at the limit) {
  value_map m;
  for (int c = 1; c <= max_page_cells + 4; ++c)
    m["/Voltages/Cell" + std::to_string(c)] = r(3.3);
  CAF_CHECK_EQUAL(member_cell_count(m), max_page_cells);
}

CAF_TEST(page cells are recognised exactly) {
  struct row {
    const char* path;
    bool cell;
  };
  std::vector<row> rows{
      {"/Voltages/Cell1", true},     {"/Voltages/Cell32", true},
      {"/Temperatures/Cell7", true}, {"/Voltages/Cell33", false},
      {"/Voltages/Cell0", false},    {"/Voltages/Cell01", false},
      {"/Voltages/Cell", false},     {"/Voltages/Cell1a", false},
      {"/Voltages/Cell123", false},  {"/Voltages/Sum", false},
      {"/Balances/Cell1", false},    {"/Voltages/Cellx", false},
  };
  for (auto& x : rows) {
    CAF_MESSAGE(x.path);
    CAF_CHECK_EQUAL(is_page_cell(x.path), x.cell);
  }
}

CAF_TEST(page paths find their family rows) {
  struct row {
    const char* path;
    const char* family; // nullptr: no row
  };
  std::vector<row> rows{
      {"/Battery/3/Voltage", "/Battery/<n>/Voltage"},
      {"/Battery/12/Cell/16/Voltage", "/Battery/<n>/Cell/<c>/Voltage"},
      {"/Battery/1/Cell/1/Temperature", "/Battery/<n>/Cell/<c>/Temperature"},
      {"/Battery/1/Serial", "/Battery/<n>/Serial"},
      {"/Battery/Request/Id", "/Battery/Request/Id"},
      {"/Battery/1/FwVersion", nullptr}, // passes with its own type
      {"/Battery/x/Voltage", nullptr},
      {"/Battery/1/Cell/x/Voltage", nullptr},
      {"/Battery/1/Nope", nullptr},
      {"/Battery/1", nullptr},
      {"/Battery/", nullptr},
      {"/Dc/0/Voltage", "/Dc/0/Voltage"},
      {"/Dc/1/Voltage", nullptr}, // families exist only under /Battery/
  };
  for (auto& x : rows) {
    CAF_MESSAGE(x.path);
    auto* found = find_path(x.path);
    CAF_CHECK_EQUAL(std::string{found == nullptr ? "<none>" : found->path},
                    std::string{x.family == nullptr ? "<none>" : x.family});
  }
}

CAF_TEST(a kept slot writes what a fresh look - up writes) {
  value_map a{{"/Serial", t("S1")},
              {"/Dc/0/Voltage", r(52.1)},
              {"/Voltages/Cell1", r(3.3)},
              {"/Voltages/Cell2", r(3.31)}};
  value_map b{{"/CustomName", t("Aft")},
              {"/Dc/0/Voltage", r(52.4)},
              {"/Voltages/Cell1", r(3.2)}};
  value_map with_slot;
  value_map without;
  std::vector<std::string_view> changed_slot;
  std::vector<std::string_view> changed_plain;
  value_writer ws{with_slot, &changed_slot};
  value_writer wp{without, &changed_plain};
  std::string scratch;
  page_slot slot;
  int cells_s = 0;
  int cells_p = 0;
  // The slot shows a, then b, then a again.
  for (auto* m : {&a, &b, &a, &a}) {
    changed_slot.clear();
    changed_plain.clear();
    cells_s = write_member_page(4, svc, *m, cells_s, ws, scratch, &slot);
    cells_p = write_member_page(4, svc, *m, cells_p, wp, scratch);
    CAF_CHECK_EQUAL(cells_s, cells_p);
    CAF_CHECK_EQUAL(with_slot, without);
    CAF_CHECK_EQUAL(changed_slot.size(), changed_plain.size());
  }
  // The last write repeated the one before: nothing changed.
  CAF_CHECK_EQUAL(changed_slot.size(), 0u);
  CAF_CHECK_EQUAL(at(with_slot, "/Battery/4/Serial"), t("S1"));
  CAF_CHECK_EQUAL(at(with_slot, "/Battery/4/Cell/2/Voltage"), r(3.31));
}
