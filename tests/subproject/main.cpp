// Uses dueday built as a subproject: the built-in calendar, and the holiday files of its source tree.
#include <fmt/format.h>

#include <dueday/dueday.hpp>

int main(int argc, char** argv) {
  using namespace std::chrono;
  if (argc != 2) return 1;
  const dueday::calendar builtin = dueday::builtin_calendar();
  const dueday::calendar loaded = dueday::load_calendar(argv[1]);
  const dueday::civil_day eve{2026y / September / 30};
  fmt::print("{} {} {}\n", builtin.advance(eve, dueday::working_days{2}), loaded.advance(eve, dueday::working_days{2}),
             builtin.count(eve, dueday::civil_day{2026y / October / 31}).count());
  return 0;
}
