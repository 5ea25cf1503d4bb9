// Compiled by ctest twice: as is it must fail (a working day has no fixed length, so a date plus
// working days is not an operation); with -DDUEDAY_CONTROL it must compile.
#include <dueday/calendar.hpp>

dueday::civil_day later(const dueday::calendar& cal, dueday::civil_day d) {
#ifdef DUEDAY_CONTROL
  return cal.advance(d, dueday::working_days{3});
#else
  (void)cal;
  return d + dueday::working_days{3};
#endif
}
