#include "dueday/format.hpp"

#include <chrono>

namespace dueday {

using namespace std::chrono;

std::string format_civil_day(civil_day d) { return fmt::format("{}", d); }

std::string format_instant(instant t, utc_offset offset) {
  const auto local = t + offset;
  const auto day = floor<days>(local);
  const hh_mm_ss<seconds> hms{local - day};
  const auto off = duration_cast<minutes>(offset).count();
  const auto abs_off = off < 0 ? -off : off;
  return fmt::format("{}T{:02}:{:02}:{:02}{}{:02}:{:02}", civil_day{day}, hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count(), off < 0 ? '-' : '+', abs_off / 60, abs_off % 60);
}

}  // namespace dueday
