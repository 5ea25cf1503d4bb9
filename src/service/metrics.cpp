// The service's figures in the Prometheus text format (metrics.hpp).
#include "metrics.hpp"

#include <fmt/format.h>

#include <iterator>
#include <string_view>

namespace dueday::service {

namespace {

// A label value: backslash, double quote and newline escaped (the format's rule).
std::string label(std::string_view v) {
  std::string out;
  for (const char ch : v) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

}  // namespace

void metrics::count(const std::string& outcome, const std::string& code, std::uint64_t n) {
  const std::lock_guard lock(mutex_);
  commands_[{outcome, code}] += n;
}

void metrics::observe(double seconds) {
  const std::lock_guard lock(mutex_);
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  ++buckets_[i];
  sum_ += seconds;
  ++count_;
}

std::string metrics::text(const gauges& g, const event_counts& events, std::uint64_t ticks) const {
  std::string out;
  auto o = std::back_inserter(out);
  fmt::format_to(o, "# HELP dueday_open_cases Open cases held by the engine.\n# TYPE dueday_open_cases gauge\n");
  fmt::format_to(o, "dueday_open_cases {}\n", g.open_cases);
  fmt::format_to(o,
                 "# HELP dueday_journal_position Commands journaled in the store.\n"
                 "# TYPE dueday_journal_position gauge\ndueday_journal_position {}\n",
                 g.position);
  fmt::format_to(o,
                 "# HELP dueday_last_event_sequence The last event's sequence number in the outbox.\n"
                 "# TYPE dueday_last_event_sequence gauge\ndueday_last_event_sequence {}\n",
                 g.last_sequence);
  {
    const std::lock_guard lock(mutex_);
    fmt::format_to(o,
                   "# HELP dueday_commands_total Commands answered since the service started, by outcome "
                   "and reject code.\n# TYPE dueday_commands_total counter\n");
    for (const auto& [k, n] : commands_)
      fmt::format_to(o, "dueday_commands_total{{outcome=\"{}\",code=\"{}\"}} {}\n", label(k.first), label(k.second), n);
    fmt::format_to(o,
                   "# HELP dueday_command_request_seconds Time from a POST /v1/commands body read to its answer.\n"
                   "# TYPE dueday_command_request_seconds histogram\n");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += buckets_[i];
      fmt::format_to(o, "dueday_command_request_seconds_bucket{{le=\"{}\"}} {}\n", bounds[i], cumulative);
    }
    cumulative += buckets_.back();
    fmt::format_to(o, "dueday_command_request_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
    fmt::format_to(o, "dueday_command_request_seconds_sum {}\ndueday_command_request_seconds_count {}\n", sum_, count_);
  }
  fmt::format_to(o,
                 "# HELP dueday_events_total Events raised since the service started, by type and level.\n"
                 "# TYPE dueday_events_total counter\n");
  for (const auto& [k, n] : events)
    fmt::format_to(o, "dueday_events_total{{type=\"{}\",level=\"{}\"}} {}\n", label(k.first), label(k.second), n);
  fmt::format_to(o,
                 "# HELP dueday_clock_ticks_total Ticks the service applied by its clock.\n"
                 "# TYPE dueday_clock_ticks_total counter\ndueday_clock_ticks_total {}\n",
                 ticks);
  if (g.next_due_s) {
    fmt::format_to(o,
                   "# HELP dueday_next_alert_seconds Seconds until the next alert falls due (negative: overdue).\n"
                   "# TYPE dueday_next_alert_seconds gauge\ndueday_next_alert_seconds {}\n",
                   *g.next_due_s);
  }
  fmt::format_to(o,
                 "# HELP dueday_checkpoint_age_commands Commands journaled after the latest checkpoint.\n"
                 "# TYPE dueday_checkpoint_age_commands gauge\ndueday_checkpoint_age_commands {}\n",
                 g.position - std::min(g.position, g.checkpoint.value_or(0)));
  fmt::format_to(o,
                 "# HELP dueday_consumer_lag_events Events after a consumer's last acknowledgement.\n"
                 "# TYPE dueday_consumer_lag_events gauge\n");
  for (const auto& [name, acked] : g.consumers)
    fmt::format_to(o, "dueday_consumer_lag_events{{consumer=\"{}\"}} {}\n", label(name),
                   g.last_sequence - std::min(g.last_sequence, acked));
  return out;
}

}  // namespace dueday::service
