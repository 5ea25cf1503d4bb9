#include "dueday/format.hpp"

#include <chrono>

namespace dueday {

using namespace std::chrono;

std::string format_civil_day(civil_day d) { return fmt::format("{}", d); }

std::string format_instant(instant t, utc_offset offset) {
  // Outside years 0000..9999 (or with an offset beyond a day) there is no ISO 8601 form to give,
  // and the arithmetic below could overflow: say what the value is instead.
  constexpr instant widest_low{sys_days{year{-1} / January / 1}};
  constexpr instant widest_high{sys_days{year{10000} / December / 31}};
  const auto raw = [&] { return fmt::format("{} s from 1970-01-01T00:00:00Z", t.time_since_epoch().count()); };
  if (t < widest_low || t > widest_high || offset < -hours{24} || offset > hours{24}) return raw();
  if (t + offset < sys_days{year{0} / January / 1} || t + offset >= sys_days{year{10000} / January / 1}) return raw();
  const auto local = t + offset;
  const auto day = floor<days>(local);
  const hh_mm_ss<seconds> hms{local - day};
  const auto off = duration_cast<minutes>(offset).count();
  const auto abs_off = off < 0 ? -off : off;
  return fmt::format("{}T{:02}:{:02}:{:02}{}{:02}:{:02}", civil_day{day}, hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count(), off < 0 ? '-' : '+', abs_off / 60, abs_off % 60);
}

}  // namespace dueday
