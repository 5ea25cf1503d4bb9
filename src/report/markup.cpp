// Escaping, Beijing-time texts and width estimates for the HTML circular and its figures.
#include "report/markup.hpp"

#include <fmt/format.h>

#include <cmath>

namespace dueday::detail {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;  // U+FFFD: HTML forbids NUL in text
      default:
        out += c;
    }
  }
  return out;
}

namespace {

struct local_time {
  std::chrono::year_month_day ymd;
  std::chrono::hh_mm_ss<std::chrono::seconds> time;
};

local_time beijing(instant t) {
  const auto local = t + beijing_offset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  return {std::chrono::year_month_day{day}, std::chrono::hh_mm_ss<std::chrono::seconds>{local - day}};
}

// The code point at s[i] and its length in bytes; a malformed byte counts as one character.
std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 1;
  char32_t cp = b;
  if (b >= 0xF0) {
    n = 4;
    cp = b & 0x07U;
  } else if (b >= 0xE0) {
    n = 3;
    cp = b & 0x0FU;
  } else if (b >= 0xC0) {
    n = 2;
    cp = b & 0x1FU;
  }
  if (i + n > s.size()) return {0xFFFD, 1};
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6U) | (static_cast<unsigned char>(s[i + k]) & 0x3FU);
  return {cp, n};
}

// East Asian Wide (W) or Fullwidth (F) in UAX #11, in the blocks a circular uses, plus the
// ambiguous dashes and quotes, which CJK fonts draw a full em wide.
bool wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || c == 0x2014 || c == 0x2026 || (c >= 0x2018 && c <= 0x201D) ||
         (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) ||
         (c >= 0x20000 && c <= 0x3FFFD);
}

}  // namespace

std::string beijing_minute(instant t) {
  const auto l = beijing(t);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", static_cast<int>(l.ymd.year()),
                     static_cast<unsigned>(l.ymd.month()), static_cast<unsigned>(l.ymd.day()), l.time.hours().count(),
                     l.time.minutes().count());
}

std::string beijing_short(instant t) {
  const auto l = beijing(t);
  return fmt::format("{:02}-{:02} {:02}:{:02}", static_cast<unsigned>(l.ymd.month()),
                     static_cast<unsigned>(l.ymd.day()), l.time.hours().count(), l.time.minutes().count());
}

std::string beijing_due(instant t) {
  const auto l = beijing(t);
  if (l.time.to_duration() != std::chrono::seconds{0}) return beijing_short(t);
  const auto before = std::chrono::year_month_day{std::chrono::sys_days{l.ymd} - std::chrono::days{1}};
  return fmt::format("{:02}-{:02} 24:00", static_cast<unsigned>(before.month()), static_cast<unsigned>(before.day()));
}

civil_day beijing_day(instant t) { return civil_day{beijing(t).ymd}; }

std::string chinese_date(civil_day d) {
  const auto ymd = d.ymd();
  return fmt::format("{}年{}月{}日", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::string month_title(std::chrono::year_month m) {
  return fmt::format("{}年{}月", static_cast<int>(m.year()), static_cast<unsigned>(m.month()));
}

std::string month_short(std::chrono::year_month m) { return fmt::format("{}月", static_cast<unsigned>(m.month())); }

std::string step_title(const monthly_report& r, std::string_view variant, std::string_view step) {
  for (const auto& row : r.steps)
    if (row.step == step && (variant.empty() || row.variant == variant) && !row.title.empty()) return row.title;
  if (step == "overall") return "全流程";
  return std::string(step);
}

std::string variant_title(const monthly_report& r, std::string_view variant) {
  for (const auto& c : r.cases)
    if (c.variant == variant && !c.title.empty()) return c.title;
  return std::string(variant);
}

std::string_view alert_name(event_kind k) {
  switch (k) {
    case event_kind::overdue:
      return "红牌";
    case event_kind::escalation:
      return "督办";
    default:
      return "黄牌";
  }
}

std::string_view alert_mark(event_kind k) {
  switch (k) {
    case event_kind::overdue:
      return "红";
    case event_kind::escalation:
      return "督";
    default:
      return "黄";
  }
}

double text_em(std::string_view s) {
  double em = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto [cp, n] = decode(s, i);
    em += wide(cp) ? 1.0 : 0.55;
    i += n;
  }
  return em;
}

std::string fit_text(std::string_view s, double max_em) {
  if (text_em(s) <= max_em) return std::string(s);
  std::string out;
  double em = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto [cp, n] = decode(s, i);
    const double w = wide(cp) ? 1.0 : 0.55;
    if (em + w > max_em - 1.0) break;  // room for the ellipsis
    out.append(s.substr(i, n));
    em += w;
    i += n;
  }
  return out + "…";
}

std::string num(std::int64_t n) { return fmt::format("{}", n); }

std::string coord(double v) {
  const double r = std::round(v * 100) / 100;
  return fmt::format("{}", r == 0 ? 0.0 : r);
}

}  // namespace dueday::detail
