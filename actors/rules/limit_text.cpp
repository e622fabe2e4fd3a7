#include "actors/rules/limit_text.hpp"

#include "actors/rules/bank_rules.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

const char* share_name(ratio_method m) {
  switch (m) {
    case ratio_method::count:
      return "count share";
    case ratio_method::ir:
      return "resistance share";
    default:
      return "capacity share";
  }
}

/// The member's own text for this limit (a serial-battery driver says why
/// its limit is what it is), or nullptr.
const std::string* own_text(limit_kind kind, const limit_member& m) {
  if (m.values == nullptr)
    return nullptr;
  return shown_text(*m.values, kind == limit_kind::charge
                                   ? paths::charge_limitation
                                   : paths::discharge_limitation);
}

/// Appends the member's label (member_label: its custom name, else its
/// name's last part) without a temporary string: this runs whenever the
/// limits are worked out.
void append_label(std::string& out, const limit_member& m) {
  if (m.values != nullptr)
    if (auto* name = shown_text(*m.values, paths::custom_name)) {
      out += *name;
      return;
    }
  auto dot = m.service.rfind('.');
  out.append(m.service, dot == std::string::npos ? 0 : dot + 1,
             std::string::npos);
}

/// Cuts `s` to max_limitation_text bytes without splitting a UTF-8
/// character (a custom name may hold any).
void cap(std::string& s) {
  if (s.size() <= max_limitation_text)
    return;
  auto n = max_limitation_text;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  s.resize(n);
}

} // namespace

void describe_limit(limit_kind kind, const limit_result& res,
                    const std::vector<limit_member>& ms, const value& published,
                    bool dvcc_capped, bool all_lost, std::string& out) {
  out.clear();
  if (!published.valid()) {
    out = "no limit: no member publishes one";
    return;
  }
  if (dvcc_capped) {
    out = "DVCC max charge current";
    return;
  }
  const member_limit_info* limiting = nullptr;
  size_t at = 0;
  for (size_t n = 0; n < res.members.size(); ++n)
    if (res.members[n].limiting) {
      limiting = &res.members[n];
      at = n;
      break;
    }
  if (limiting != nullptr && at < ms.size()) {
    append_label(out, ms[at]);
    out += ": BMS limit x ";
    out += share_name(res.method_used);
    if (limiting->correction < 1.0)
      out += ", over-current correction";
    if (auto* own = own_text(kind, ms[at])) {
      out += " (";
      out += *own;
      out += ')';
    }
    cap(out);
    return;
  }
  if (all_lost) {
    out = "all batteries lost";
    return;
  }
  // Nothing contributes: name the members that block, else say why not.
  const char* gate
      = kind == limit_kind::charge ? "AllowToCharge 0" : "AllowToDischarge 0";
  std::string names;
  for (size_t n = 0; n < res.members.size() && n < ms.size(); ++n)
    if (res.members[n].reason == gate) {
      if (!names.empty())
        names += ", ";
      append_label(names, ms[n]);
    }
  if (!names.empty()) {
    out = gate;
    out += " on ";
    out += names;
  } else {
    out = "no member has a valid limit";
  }
  cap(out);
}

} // namespace ba
