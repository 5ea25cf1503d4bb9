#include "dueday/event.hpp"

#include <array>

namespace dueday {

namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(event_kind::rejected) + 1> names = {
    "case_opened",        "out_of_scope",   "step_waiting",   "step_started",   "step_paused",
    "step_resumed",       "warning",        "overdue",        "escalation",     "deadline_changed",
    "deadline_confirmed", "step_completed", "case_completed", "case_cancelled", "rejected",
};

}  // namespace

std::string_view to_string(event_kind k) noexcept { return names[static_cast<std::size_t>(k)]; }

std::optional<event_kind> parse_event_kind(std::string_view s) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return static_cast<event_kind>(i);
  return std::nullopt;
}

}  // namespace dueday
