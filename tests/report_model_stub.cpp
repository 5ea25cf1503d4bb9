// Stand-in for the report_figures methods while src/report/model.cpp is being written (issue 9):
// tests/CMakeLists.txt links it into the HTML tests only when model.cpp does not define them yet,
// so that the circular's HTML can be tested on a hand-built report on its own.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "dueday/report.hpp"

namespace dueday {

std::optional<double> report_figures::on_time_rate() const {
  if (completed == 0) return std::nullopt;
  return static_cast<double>(on_time) / static_cast<double>(completed);
}

std::optional<double> report_figures::early_rate() const {
  if (completed == 0) return std::nullopt;
  return static_cast<double>(early) / static_cast<double>(completed);
}

std::optional<double> report_figures::mean_wd() const {
  if (used_wd.empty()) return std::nullopt;
  return std::accumulate(used_wd.begin(), used_wd.end(), 0.0) / static_cast<double>(used_wd.size());
}

std::optional<double> report_figures::p90_wd() const {
  if (used_wd.empty()) return std::nullopt;
  const auto rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(used_wd.size())));
  return used_wd[std::max<std::size_t>(rank, 1) - 1];
}

std::optional<double> report_figures::max_wd() const {
  if (used_wd.empty()) return std::nullopt;
  return used_wd.back();
}

std::optional<double> report_compared::rate_change_pp() const {
  const auto a = month.on_time_rate(), b = previous.on_time_rate();
  if (!a || !b) return std::nullopt;
  return (*a - *b) * 100;
}

}  // namespace dueday
