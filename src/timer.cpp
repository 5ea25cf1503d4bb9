#include "dueday/timer.hpp"

#include <algorithm>

namespace dueday {

namespace {

constexpr coverage cover = coverage::provisional;

}  // namespace

working_time clock_rule::span(const span_spec& s, counting_rule rule, const office_hours& hours) {
  if (s.in == span_spec::unit::hours) return std::chrono::hours{s.amount};
  const working_time day = rule == counting_rule::civil ? std::chrono::hours{24} : hours.per_day();
  return day * s.amount;
}

clock_rule clock_rule::of(const span_spec& limit, counting_rule rule, const office_hours& hours) {
  return clock_rule{rule, rule == counting_rule::civil ? time_basis::whole_day : time_basis::office_hours,
                    span(limit, rule, hours)};
}

timer_result step_timer::start(const calendar& cal, const clock_rule& r, instant at) {
  const instant from = r.rule == counting_rule::civil ? cal.at(cal.day_of(at) + std::chrono::days{1}, {}) : at;
  return start_counting_from(cal, r, at, from);
}

timer_result step_timer::start_counting_from(const calendar& cal, const clock_rule& r, instant at, instant count_from) {
  if (status_ != status::idle) return timer_result::wrong_state;
  const instant first = first_count_;
  first_count_ = count_from;
  const timer_result result = run(cal, r, at, count_from);
  if (result != timer_result::done) first_count_ = first;
  return result;
}

timer_result step_timer::pause(const calendar& cal, const clock_rule& r, instant at) {
  if (status_ != status::running) return timer_result::wrong_state;
  close_segment(cal, r, at);
  status_ = status::paused;
  return timer_result::done;
}

timer_result step_timer::resume(const calendar& cal, const clock_rule& r, instant at) {
  return resume_counting_from(cal, r, at, std::max(at, first_count_));
}

timer_result step_timer::resume_counting_from(const calendar& cal, const clock_rule& r, instant at,
                                              instant count_from) {
  if (status_ != status::paused) return timer_result::wrong_state;
  return run(cal, r, at, count_from);
}

timer_result step_timer::stop(const calendar& cal, const clock_rule& r, instant at) {
  if (status_ == status::idle || status_ == status::stopped) return timer_result::wrong_state;
  if (status_ == status::running) close_segment(cal, r, at);
  mark_ = at;
  status_ = status::stopped;
  return timer_result::done;
}

timer_result step_timer::run(const calendar& cal, const clock_rule& r, instant at, instant count_from) {
  // Compute before changing anything: past the projection the timer stays as it was.
  const auto due = try_due_counting_from(cal, r, count_from);
  if (!due) return timer_result::past_calendar;
  run_from_ = count_from;
  mark_ = at;
  set_due(cal, *due);
  status_ = status::running;
  return timer_result::done;
}

std::optional<instant> step_timer::try_due_counting_from(const calendar& cal, const clock_rule& r,
                                                         instant count_from) const noexcept {
  const working_time left = r.budget - elapsed_;
  if (left <= working_time{0}) return due_;  // where it ran out
  return cal.try_add_working_time(count_from, left, r.basis, cover);
}

void step_timer::set_due(const calendar& cal, instant due) {
  due_ = due;
  provisional_ = !cal.covers(cal.day_of(due - std::chrono::seconds{1}));
}

void step_timer::close_segment(const calendar& cal, const clock_rule& r, instant at) {
  if (at > due_) overran_ = true;
  if (at > run_from_) elapsed_ += cal.working_time_between(run_from_, at, r.basis, cover);
  mark_ = at;
}

timer_result step_timer::recompute(const calendar& cal, const clock_rule& r) {
  if (status_ != status::running) return timer_result::wrong_state;
  const auto due = try_due_counting_from(cal, r, run_from_);
  if (!due) return timer_result::past_calendar;
  set_due(cal, *due);
  return timer_result::done;
}

void step_timer::reassess(const calendar& cal) { set_due(cal, due_); }

working_time step_timer::elapsed(const calendar& cal, const clock_rule& r, instant now) const {
  if (status_ != status::running || now <= run_from_) return elapsed_;
  return elapsed_ + cal.working_time_between(run_from_, now, r.basis, cover);
}

std::optional<instant> step_timer::reaches(const calendar& cal, const clock_rule& r, working_time threshold) const {
  if (threshold <= elapsed_) return mark_;
  return cal.try_add_working_time(run_from_, threshold - elapsed_, r.basis, cover);
}
step_timer::raw step_timer::save() const noexcept {
  return raw{status_, first_count_, run_from_, mark_, due_, elapsed_, provisional_, overran_};
}

step_timer step_timer::load(const raw& r) noexcept {
  step_timer t;
  t.status_ = r.state;
  t.first_count_ = r.first_count;
  t.run_from_ = r.run_from;
  t.mark_ = r.mark;
  t.due_ = r.due;
  t.elapsed_ = r.elapsed;
  t.provisional_ = r.provisional;
  t.overran_ = r.overran;
  return t;
}

}  // namespace dueday
