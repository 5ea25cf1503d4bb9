// dueday/timer.hpp — one clock: a limit of working time that runs, pauses, resumes and stops.
//
// A clock counts working time in the calendar's coordinate (calendar::working_time_between):
//   civil  whole working days; the start day is not counted, so counting begins at 24:00 of the
//          start day and a 2 WD survey confirmed on Wednesday 2026-09-30 10:00 falls due at 24:00
//          of Friday 10-09 (10-01..10-07 国庆节, 10-08 and 10-09 counted);
//   hours  office hours (09:00-12:00, 13:00-17:00 by default) from the exact instant.
// A pause excludes exactly the working time between pause and resume: the due instant after a
// resume is where the remaining working time runs out, counted from the resume.
//
//   step_timer t;
//   const clock_rule r = clock_rule::of(span_spec{2}, counting_rule::civil, cal.hours());
//   t.start(cal, r, at("2026-09-30T10:00"));   // due 2026-10-10T00:00+08:00
//   t.pause(cal, r, at("2026-10-08T15:00"));   // 15 h of the 48 used
//   t.resume(cal, r, at("2026-10-09T09:00"));  // due 2026-10-10T18:00+08:00 (10-10 is a make-up Saturday)
//
// Queries reach past the holiday notices provisionally (coverage::provisional) and say so:
// provisional() is true while the due instant lies past the last covered day. Nothing throws for
// a due instant beyond the calendar's projection: the transition answers past_calendar and changes
// nothing. Instants given must lie within the calendar's range (the engine checks its commands).
//
// A value type of 48 bytes; not thread-safe for concurrent mutation.
//
// Results are [[nodiscard]]: a transition that did not happen must not go unnoticed.
#pragma once

#include <cstdint>
#include <optional>

#include "dueday/calendar.hpp"
#include "dueday/deadline.hpp"
#include "dueday/span.hpp"
#include "dueday/units.hpp"
#include "dueday/working_time.hpp"

namespace dueday {

// How a clock counts: its counting rule, the basis that rule measures in, and its limit as
// working time in that basis.
struct clock_rule {
  counting_rule rule = counting_rule::civil;
  time_basis basis = time_basis::whole_day;
  working_time budget{0};

  // The working time of `s` in the basis of `rule`: a working day is 24 h under the civil rule
  // and hours.per_day() under the hours rule; "<n>h" is n hours of office time.
  [[nodiscard]] static working_time span(const span_spec& s, counting_rule rule, const office_hours& hours);
  // The rule for a limit.
  [[nodiscard]] static clock_rule of(const span_spec& limit, counting_rule rule, const office_hours& hours);
};

// What a timer transition did.
enum class timer_result : std::uint8_t {
  done,
  wrong_state,    // not in a state the transition applies to; nothing changed
  past_calendar,  // the due instant would lie beyond the calendar's projection; nothing changed
};

class step_timer {
 public:
  enum class status : std::uint8_t { idle, running, paused, stopped };

  // idle -> running at `at`; counting begins at 24:00 of at's day under the civil rule, at `at`
  // under the hours rule.
  [[nodiscard]] timer_result start(const calendar& cal, const clock_rule& r, instant at);
  // idle -> running at `at`, counting from count_from >= at (the overall clock takes the count
  // start of the step that runs it).
  [[nodiscard]] timer_result start_counting_from(const calendar& cal, const clock_rule& r, instant at,
                                                 instant count_from);
  // running -> paused: the working time up to `at` is kept.
  [[nodiscard]] timer_result pause(const calendar& cal, const clock_rule& r, instant at);
  // paused -> running, counting from max(at, the first count start).
  [[nodiscard]] timer_result resume(const calendar& cal, const clock_rule& r, instant at);
  // paused -> running, counting from count_from >= at.
  [[nodiscard]] timer_result resume_counting_from(const calendar& cal, const clock_rule& r, instant at,
                                                  instant count_from);
  // running or paused -> stopped at `at`.
  [[nodiscard]] timer_result stop(const calendar& cal, const clock_rule& r, instant at);
  // Recomputes a running clock's due instant under another calendar (the same rule): done, or
  // wrong_state when not running, or past_calendar (nothing changed).
  [[nodiscard]] timer_result recompute(const calendar& cal, const clock_rule& r);
  // Re-sets provisional() for the due instant as it stands, under another calendar (a paused or
  // stopped clock keeps its due instant; whether that lies past the notices may change).
  void reassess(const calendar& cal);

  [[nodiscard]] status state() const noexcept { return status_; }
  [[nodiscard]] bool running() const noexcept { return status_ == status::running; }
  // Working time counted up to `now` (>= the last transition).
  [[nodiscard]] working_time elapsed(const calendar& cal, const clock_rule& r, instant now) const;
  // Working time counted in closed segments (up to the last pause or stop).
  [[nodiscard]] working_time elapsed_closed() const noexcept { return elapsed_; }
  // The due instant: where the limit runs out. While paused or stopped it is the due instant of
  // the last running segment; once the limit is used up it stays where it ran out.
  [[nodiscard]] instant due() const noexcept { return due_; }
  // The due instant lies past the last day of the holiday notices (a projection).
  [[nodiscard]] bool provisional() const noexcept { return provisional_; }
  // The clock was running after its due instant: it stopped or paused later than that. A clock
  // stopped at or before its due instant is within its limit, whatever alerts were raised.
  [[nodiscard]] bool overran() const noexcept { return overran_; }
  // The instant of the last transition (start, pause, resume or stop).
  [[nodiscard]] instant last_transition() const noexcept { return mark_; }
  // Where counting of the running segment begins (>= last_transition() under the civil rule).
  [[nodiscard]] instant counting_from() const noexcept { return run_from_; }
  // While running: the earliest instant, no earlier than the last transition, at which the elapsed
  // working time reaches `threshold` (the last transition when it already had); nullopt when that
  // instant lies beyond the calendar's projection.
  [[nodiscard]] std::optional<instant> reaches(const calendar& cal, const clock_rule& r, working_time threshold) const;

  friend bool operator==(const step_timer&, const step_timer&) = default;

  // For snapshots: the whole state, and a timer rebuilt from it.
  struct raw {
    status state;
    instant first_count, run_from, mark, due;
    working_time elapsed;
    bool provisional;
    bool overran;  // the clock ran past its due instant (see overran())
    friend bool operator==(const raw&, const raw&) = default;
  };
  [[nodiscard]] raw save() const noexcept;
  [[nodiscard]] static step_timer load(const raw& r) noexcept;

 private:
  timer_result run(const calendar& cal, const clock_rule& r, instant at, instant count_from);
  void close_segment(const calendar& cal, const clock_rule& r, instant at);
  // Where the limit runs out counting from count_from; nullopt beyond the projection.
  [[nodiscard]] std::optional<instant> try_due_counting_from(const calendar& cal, const clock_rule& r,
                                                             instant count_from) const noexcept;
  // Sets the due instant and whether it lies past the notices.
  void set_due(const calendar& cal, instant due);

  instant first_count_{};  // where counting began in the first segment
  instant run_from_{};     // where counting of the current segment begins
  instant mark_{};         // the last transition
  instant due_{};
  working_time elapsed_{0};  // closed segments
  status status_ = status::idle;
  bool provisional_ = false;
  bool overran_ = false;
};

}  // namespace dueday
