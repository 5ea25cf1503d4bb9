#include "dueday/calendar.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "detail/calendar_data.hpp"
#include "detail/located.hpp"
#include "dueday/format.hpp"

namespace dueday {

using namespace std::chrono;

std::string_view to_string(day_kind k) noexcept {
  switch (k) {
    case day_kind::workday:
      return "workday";
    case day_kind::restday:
      return "restday";
    case day_kind::holiday:
      return "holiday";
    case day_kind::makeup_workday:
      return "makeup-workday";
  }
  return "?";
}

namespace {

using detail::calendar_data;
using detail::no_entry;

std::int32_t serial_of(year_month_day ymd) {
  return static_cast<std::int32_t>(sys_days{ymd}.time_since_epoch().count());
}

// The fixed-date days off of the 全国年节及纪念日放假办法 as revised in 2024 (in force from 2025):
// 元旦 01-01, 劳动节 05-01 and 05-02, 国庆节 10-01 to 10-03. Lunar holidays (春节, 端午节, 中秋节)
// and 清明节 are not projected: their dates and the make-up weekends come only with a notice.
std::string_view projected_holiday(year_month_day ymd) {
  const auto m = static_cast<unsigned>(ymd.month());
  const auto d = static_cast<unsigned>(ymd.day());
  if (m == 1 && d == 1) return "元旦";
  if (m == 5 && d <= 2) return "劳动节";
  if (m == 10 && d <= 3) return "国庆节";
  return {};
}

constexpr std::string_view projection_citation = "projected from 全国年节及纪念日放假办法 (2024 revision)";

utc_offset fixed_offset(const std::string& zone, sys_days from, sys_days to) {
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(zone);
  } catch (const std::exception& e) {
    throw error(fmt::format("time zone {}: {} (is tzdata installed?)", quote(zone), escape(e.what(), 200)));
  }
  const auto info = tz->get_info(sys_seconds{from});
  if (info.end < sys_seconds{to}) {
    throw error(
        fmt::format("time zone {} changes its UTC offset on {}; dueday needs one offset over the calendar's range",
                    quote(zone), civil_day{floor<days>(info.end)}));
  }
  return info.offset;
}

// Sets the table's day kinds from the notices; fills provenance.
void apply_notices(calendar_data& c) {
  const auto size = static_cast<std::int64_t>(c.kind.size());
  std::vector<std::uint8_t> by_overlay(c.kind.size(), 0);
  for (std::size_t n = 0; n < c.notices.size(); ++n) {
    const notice& nt = c.notices[n];
    const bool overlay = !nt.region.empty();
    for (std::size_t e = 0; e < nt.entries.size(); ++e) {
      const notice_entry& en = nt.entries[e];
      const std::int64_t i = std::int64_t{en.day.days().time_since_epoch().count()} - c.first;
      if (overlay && (i < 0 || i >= c.covered_end)) {
        // Skipped, the overlay would change nothing without a word, or lay days over a projection.
        throw parse_error(nt.source, en.line,
                          fmt::format("{} is outside the national notices ({} to {}); an overlay changes only days "
                                      "they arrange",
                                      en.day, civil_day{sys_days{days{c.first}}},
                                      civil_day{sys_days{days{c.first + c.covered_end - 1}}}));
      }
      if (i < 0 || i >= size) continue;  // e.g. 2006-12-30 in the 2007 notice: before coverage
      const auto ix = static_cast<std::size_t>(i);
      if (c.notice_of[ix] != no_entry) {
        const notice& prev = c.notices[c.notice_of[ix]];
        const notice_entry& pe = prev.entries[c.entry_of[ix]];
        const bool amends = !nt.amends.empty() && nt.amends == prev.number;
        const bool over_national = overlay && prev.region.empty();
        if (&prev == &nt) {
          throw parse_error(nt.source, en.line, fmt::format("{} is listed twice (first at line {})", en.day, pe.line));
        }
        if (overlay && by_overlay[ix] && pe.off != en.off) {
          throw parse_error(nt.source, en.line,
                            fmt::format("{} is made a {} by the overlay {} ({}:{}); overlays must agree on a day",
                                        en.day, pe.off ? "day off" : "working day", escape(prev.citation()),
                                        escape(prev.source, detail::max_source), pe.line));
        }
        if (!amends && !over_national && !(overlay && by_overlay[ix] && pe.off == en.off)) {
          throw parse_error(
              nt.source, en.line,
              fmt::format("{} is already set by {} ({}:{}); a notice that changes it must say amends = \"{}\"", en.day,
                          escape(prev.citation()), escape(prev.source, detail::max_source), pe.line,
                          escape(prev.number)));
        }
      }
      c.notice_of[ix] = static_cast<std::uint16_t>(n);
      c.entry_of[ix] = static_cast<std::uint16_t>(e);
      by_overlay[ix] = overlay ? 1 : 0;
      c.kind[ix] = static_cast<std::uint8_t>(en.off                ? day_kind::holiday
                                             : en.day.is_weekend() ? day_kind::makeup_workday
                                                                   : day_kind::workday);
    }
  }
}

std::shared_ptr<const calendar_data> build(std::vector<notice> notices, calendar_options options) {
  auto c = std::make_shared<calendar_data>();
  std::vector<notice> national;
  std::vector<notice> overlays;
  for (auto& n : notices) (n.region.empty() ? national : overlays).push_back(std::move(n));
  if (national.empty()) throw error("no national holiday notice given");
  std::stable_sort(national.begin(), national.end(), [](const notice& a, const notice& b) {
    return std::tie(a.published, a.source) < std::tie(b.published, b.source);
  });
  for (const auto& o : overlays) {
    if (!o.amends.empty()) {
      throw parse_error(o.source, o.amends_line,
                        fmt::format("an overlay amends nothing (amends = \"{}\"): its days replace the national "
                                    "ones as they are, and overlays must agree",
                                    escape(o.amends)));
    }
  }
  std::set<std::string> seen;
  for (const auto& n : national) {
    if (!n.amends.empty() && !seen.count(n.amends)) {
      throw parse_error(n.source, n.amends_line, fmt::format("amends {}, which is no earlier notice", quote(n.amends)));
    }
    if (!n.number.empty()) seen.insert(n.number);
  }
  // A second notice for a year that amends none may add holidays (2015's notice of the 70th
  // anniversary of the war's end added 09-03), not arrange one the first arranges: that is the
  // same notice twice, or a draft beside the final one, silently merged day by day.
  std::map<std::pair<int, std::string>, std::pair<const notice*, const notice_entry*>> arranged;
  for (const auto& n : national) {
    if (!n.amends.empty()) continue;
    for (const auto& e : n.entries) {
      const auto [it, fresh] = arranged.try_emplace({n.year, e.name}, &n, &e);
      const auto [first, first_entry] = it->second;
      if (!fresh && first != &n) {
        throw parse_error(
            n.source, e.line,
            fmt::format("a second notice for {} arranges {} too (as {} does, {}:{}); a notice that "
                        "changes another must say amends = \"{}\"",
                        n.year, escape(e.name), escape(first->citation()), escape(first->source, detail::max_source),
                        first_entry->line, escape(first->number)));
      }
    }
  }
  std::set<int> years;
  for (const auto& n : national) years.insert(n.year);
  const int lo = *years.begin();
  const int hi = *years.rbegin();
  for (int y = lo; y <= hi; ++y) {
    if (!years.count(y)) throw error(fmt::format("no holiday notice for {} (notices cover {} to {})", y, lo, hi));
  }
  if (options.projection_years < 0 || options.projection_years > 50) {
    throw error(fmt::format("projection_years {} is out of range (0 to 50)", options.projection_years));
  }
  c->first = serial_of(year{lo} / January / 1);
  c->covered_end = serial_of(year{hi + 1} / January / 1) - c->first;
  const std::int32_t end = serial_of(year{hi + 1 + options.projection_years} / January / 1);
  const auto size = static_cast<std::size_t>(end - c->first);
  c->offset = fixed_offset(options.zone, sys_days{days{c->first - 1}}, sys_days{days{end + 1}});
  c->options = std::move(options);
  c->notices = std::move(national);
  for (auto& o : overlays) c->notices.push_back(std::move(o));

  c->kind.resize(size);
  c->notice_of.assign(size, no_entry);
  c->entry_of.assign(size, no_entry);
  for (std::size_t i = 0; i < size; ++i) {
    const civil_day d{sys_days{days{c->first + static_cast<std::int32_t>(i)}}};
    const bool projected_off = static_cast<std::int32_t>(i) >= c->covered_end && !projected_holiday(d.ymd()).empty();
    c->kind[i] = static_cast<std::uint8_t>(projected_off    ? day_kind::holiday
                                           : d.is_weekend() ? day_kind::restday
                                                            : day_kind::workday);
  }
  if (c->notices.size() >= no_entry) throw error("too many notices");
  apply_notices(*c);

  c->before.resize(size + 1);
  c->before[0] = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const auto k = static_cast<day_kind>(c->kind[i]);
    const bool working = k == day_kind::workday || k == day_kind::makeup_workday;
    c->before[i + 1] = c->before[i] + (working ? 1 : 0);
    if (working) c->nth.push_back(static_cast<std::int32_t>(i));
  }
  return c;
}

}  // namespace

calendar::calendar(std::vector<notice> notices, calendar_options options)
    : calendar(build(std::move(notices), std::move(options))) {}

calendar::calendar(std::shared_ptr<const detail::calendar_data> data) : d_(std::move(data)), t_(d_->table()) {}

day_info calendar::day(civil_day d, coverage c) const {
  const std::int32_t i = index_of(d, c);
  day_info info;
  info.day = d;
  info.kind = static_cast<day_kind>(t_.kind[i]);
  info.provisional = i >= t_.covered_end;
  const auto ix = static_cast<std::size_t>(i);
  if (d_->notice_of[ix] != detail::no_entry) {
    const notice& n = d_->notices[d_->notice_of[ix]];
    const notice_entry& e = n.entries[d_->entry_of[ix]];
    info.name = e.name;
    info.notice = n.citation();
    info.source = fmt::format("{}:{}", n.source, e.line);
  } else if (info.provisional && info.kind == day_kind::holiday) {
    info.name = projected_holiday(d.ymd());
    info.notice = projection_citation;
  }
  return info;
}

void calendar::throw_outside(civil_day d, coverage c) const {
  if (d < first_covered()) {
    throw coverage_error(fmt::format("{} is before the holiday data (first covered day {})", d, first_covered()),
                         first_covered(), last_covered());
  }
  if (c == coverage::strict) {
    throw coverage_error(fmt::format("{} is past the holiday data (last covered day {})", d, last_covered()),
                         first_covered(), last_covered());
  }
  throw coverage_error(
      fmt::format("{} is past the provisional projection (last projected day {})", d, projection_end()),
      first_covered(), last_covered());
}

void calendar::throw_advance_outside(civil_day d, working_days n, coverage c) const {
  if (n.count() < 0) {
    throw coverage_error(fmt::format("{} working days before {} is before the holiday data (first covered day {})",
                                     -n.count(), d, first_covered()),
                         first_covered(), last_covered());
  }
  const civil_day end = c == coverage::strict ? last_covered() : projection_end();
  throw coverage_error(fmt::format("{} working days after {} is past the {} (last {} day {})", n.count(), d,
                                   c == coverage::strict ? "holiday data" : "provisional projection",
                                   c == coverage::strict ? "covered" : "projected", end),
                       first_covered(), last_covered());
}

const std::string& calendar::zone() const noexcept { return d_->options.zone; }
utc_offset calendar::offset() const noexcept { return d_->offset; }
const office_hours& calendar::hours() const noexcept { return d_->options.hours; }
const std::vector<notice>& calendar::notices() const noexcept { return d_->notices; }

civil_day calendar::day_of(instant t) const noexcept { return civil_day{floor<days>(t + d_->offset)}; }

seconds calendar::time_of_day(instant t) const noexcept {
  const auto local = t + d_->offset;
  return local - floor<days>(local);
}

instant calendar::at(civil_day d, seconds tod) const noexcept { return instant{d.days()} + tod - d_->offset; }

namespace {
const office_hours& basis_hours(const office_hours& office, time_basis b) {
  static const office_hours whole = office_hours::whole_day();
  return b == time_basis::whole_day ? whole : office;
}
}  // namespace

// Position of t on the working-time line: working time from the table's first day to t.
// 24:00 of the last day in range (00:00 of the day after) is in range.
working_time calendar::position(instant t, time_basis b, coverage c) const {
  const office_hours& h = basis_hours(hours(), b);
  const civil_day d = day_of(t);
  const seconds tod = time_of_day(t);
  std::int64_t i = serial(d) - t_.first;
  if (i == limit(c) && tod == seconds{0}) return h.per_day() * t_.before[i];
  i = index_of(d, c);
  const working_time within = is_working(static_cast<std::int32_t>(i)) ? h.worked_before(tod) : working_time{0};
  return h.per_day() * t_.before[i] + within;
}

working_time calendar::working_time_between(instant a, instant b, time_basis basis, coverage c) const {
  return position(b, basis, c) - position(a, basis, c);
}

std::optional<instant> calendar::try_add_working_time(instant a, working_time w, time_basis basis,
                                                      coverage c) const noexcept {
  if (w < working_time{0}) return std::nullopt;
  // Bounds first, so that a hostile instant never reaches the arithmetic of day_of().
  if (a < at(day_at(0), {}) || a > at(day_at(limit(c)), {})) return std::nullopt;
  const office_hours& h = basis_hours(hours(), basis);
  const civil_day d = day_of(a);
  const std::int64_t i = serial(d) - t_.first;
  if (i < 0 || i > limit(c) || (i == limit(c) && time_of_day(a) != seconds{0})) return std::nullopt;
  if (w == working_time{0}) return a;
  // As position(), within the range just checked (24:00 of the last day is index limit(c)).
  const auto ix = static_cast<std::int32_t>(i);
  const working_time within = ix < limit(c) && is_working(ix) ? h.worked_before(time_of_day(a)) : working_time{0};
  const working_time target = h.per_day() * t_.before[ix] + within + w;
  const std::int64_t k = (target - seconds{1}) / h.per_day();  // the working day holding the target
  if (k >= t_.working_count || t_.nth[k] >= limit(c)) return std::nullopt;
  return at(day_at(t_.nth[k]), h.reached_at(target - h.per_day() * k));
}

instant calendar::add_working_time(instant a, working_time w, time_basis basis, coverage c) const {
  if (w < working_time{0}) throw error(fmt::format("negative working time {} s", w.count()));
  (void)position(a, basis, c);  // throws for a start outside the range
  if (const auto due = try_add_working_time(a, w, basis, c)) return *due;
  const civil_day end = c == coverage::strict ? last_covered() : projection_end();
  throw coverage_error(
      fmt::format("{} s of working time after {} is past the {} (last day {})", w.count(), format_instant(a, offset()),
                  c == coverage::strict ? "holiday data" : "provisional projection", end),
      first_covered(), last_covered());
}

std::string calendar::fingerprint() const {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a over what every answer depends on
  const auto mix = [&](std::string_view s) {
    for (const char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
    h = (h ^ 0xffU) * 1099511628211ULL;
  };
  mix(zone());
  for (const auto& i : hours().intervals()) mix(fmt::format("{}-{}", i.begin.count(), i.end.count()));
  mix(fmt::format("{}", d_->options.projection_years));
  for (const auto& n : notices()) {
    mix(n.citation());
    mix(n.region);
    for (const auto& e : n.entries) mix(fmt::format("{}{}", e.day, e.off ? '-' : '+'));
  }
  return fmt::format("{:016x}", h);
}

calendar calendar::with_overlay(notice overlay) const {
  if (overlay.region.empty()) throw parse_error(overlay.source, 0, "an overlay needs a region");
  std::vector<notice> all = d_->notices;
  all.push_back(std::move(overlay));
  return calendar(std::move(all), d_->options);
}

calendar calendar::with_office_hours(office_hours hours) const {
  calendar_options o = d_->options;
  o.hours = std::move(hours);
  return calendar(d_->notices, std::move(o));
}

}  // namespace dueday
