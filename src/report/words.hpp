// The circular's sentences that every form prints alike: the overview of part 一, and the change of
// a rate in words.
#pragma once

#include <optional>
#include <string>

#include "dueday/report.hpp"

namespace dueday::detail {

// The all-variants row of r.cases (the first, "" variant), or nullptr when there is none.
[[nodiscard]] const report_cases* total_of(const monthly_report& r);

// "比上月提高1.10个百分点", "与上月持平", or that last month had no rate to compare.
[[nodiscard]] std::string rate_change_words(std::optional<double> pp);

// Part 一's paragraph: cases received, completed, on time and late, the on-time rate with its n and
// change, working days used, alerts, hand-over delays, and what was counted apart. Plain text (no
// data from the events in it, only numbers and fixed words).
[[nodiscard]] std::string overview_text(const monthly_report& r);

}  // namespace dueday::detail
