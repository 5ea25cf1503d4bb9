// The engine facade: each command is a transaction over the parts in src/engine/. It raises the
// alerts due before the command, applies the command, hands every event to the sink in one batch
// and commits; a refusal puts the case back, an exception puts everything back.
#include "dueday/engine.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "engine/core.hpp"

namespace dueday {

using std::chrono::seconds;

namespace {

constexpr std::array<std::string_view, 7> command_names = {"open",     "start",  "pause", "resume",
                                                           "complete", "cancel", "tick"};
constexpr std::array<std::string_view, 12> reject_names = {
    "none",        "malformed",   "out_of_order",   "past_calendar",   "unknown_case", "retired",
    "case_exists", "case_closed", "unknown_policy", "unknown_variant", "unknown_step", "bad_transition"};
constexpr std::array<std::string_view, 4> status_names = {"open", "completed", "cancelled", "out_of_scope"};

outcome refused(detail::rejection r, instant now) {
  return {outcome::status::rejected, r.code, std::move(r.reason), now};
}

}  // namespace

std::string_view to_string(command_kind k) noexcept { return command_names[static_cast<std::size_t>(k)]; }
std::string_view to_string(reject_code c) noexcept { return reject_names[static_cast<std::size_t>(c)]; }
std::string_view to_string(case_status s) noexcept { return status_names[static_cast<std::size_t>(s)]; }

std::optional<command_kind> parse_command_kind(std::string_view s) noexcept {
  for (std::size_t i = 0; i < command_names.size(); ++i)
    if (command_names[i] == s) return static_cast<command_kind>(i);
  return std::nullopt;
}

struct engine::impl : detail::core {
  impl(calendar c, policy_set p, event_sink& s, const engine_options& o)
      : core(std::move(c), std::move(p), o), sink(&s) {}

  event_sink* sink;
  bool delivering = false;  // inside sink->on_events
  // prefetch_ahead's hints for the commands after the current one, by position modulo 8.
  struct hint {
    std::uint32_t hash = 0;
    std::uint32_t c = detail::id_index::none;
  };
  std::array<hint, 8> ahead{};
  std::pair<const command*, std::uint32_t> hashed{nullptr, 0};  // the current command and its id's hash: a hint

  // A command from inside the sink's on_events would reuse the buffer being delivered and the undo
  // records of the command delivering it: a programming error, refused loudly.
  void check_reentry() const {
    if (delivering) throw std::logic_error("dueday::engine: a command was given from inside the sink's on_events");
  }

  // One command: everything it changes is undone unless it commits.
  class transaction {
   public:
    explicit transaction(impl& e) : e_(e), now_(e.now), events_(e.events) { e.fire_log.clear(); }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction() {
      if (!committed_) rollback();
    }
    // Saves case c before the command changes it. May throw; nothing changed then.
    void guard(std::uint32_t c) { guard_.emplace(e_.cases, c); }
    // Puts the command's case back (a refused command), and the names it added; the alerts before
    // it stand.
    void undo_case() noexcept {
      e_.names.truncate(names_);
      if (guard_) {
        guard_->rollback();
        e_.refresh(guard_->case_number());
        guard_.reset();
      }
      if (e_.cases.size() > cases_) {  // a case the command opened
        const auto c = static_cast<std::uint32_t>(e_.cases.size() - 1);
        e_.queue.erase(c);
        e_.queue.pop_case();
        e_.cases.pop_back();
      }
    }
    // Hands the events to the sink; a throw from it undoes the command.
    void commit() {
      if (!e_.events.empty()) {
        e_.delivering = true;  // the sink must not call back into the engine (see check_reentry)
        struct done {
          bool& flag;
          ~done() { flag = false; }
        } reset{e_.delivering};
        e_.sink->on_events(e_.events.view());
      }
      if (guard_) guard_->commit();
      e_.fire_log.clear();
      if (e_.fire_log.capacity() > 65536 && !e_.events.holds_burst()) e_.fire_log.shrink_to_fit();  // as events
      committed_ = true;
    }

   private:
    void rollback() noexcept {
      undo_case();
      e_.undo_fire();
      e_.now = now_;
    }

    impl& e_;
    instant now_;
    std::size_t cases_ = e_.cases.size();
    std::size_t names_ = e_.names.size();
    detail::event_buffer::scope events_;
    std::optional<detail::case_store::guard> guard_;
    bool committed_ = false;
  };

  outcome reject_order(instant at) const {
    return refused(
        {reject_code::out_of_order, fmt::format("at {} is before the latest instant seen, {}", iso(at), iso(now))},
        now);
  }
  std::optional<outcome> reject_time(instant at) const {
    if (at < now) return reject_order(at);
    if (at > horizon()) {
      return refused({reject_code::past_calendar, fmt::format("{} is past the calendar's projection (last day {})",
                                                              iso(at), format_civil_day(cal.projection_end()))},
                     now);
    }
    return std::nullopt;
  }

  outcome apply(const command& cmd) {
    const bool prefetched = std::exchange(hashed.first, nullptr) == &cmd;
    check_reentry();
    if (cmd.kind == command_kind::tick) return advance_to(cmd.at);
    const auto c = prefetched ? cases.find(cmd.case_id, hashed.second) : cases.find(cmd.case_id);  // once per command
    if (duplicate(cmd, c)) return {outcome::status::duplicate, reject_code::none, {}, now};
    if (!c && retired_before && cmd.at < *retired_before) {
      return refused({reject_code::retired,
                      fmt::format("case {} is not held: cases closed before {} were retired, and a command at "
                                  "{} can only concern one of them",
                                  quote(cmd.case_id), iso(*retired_before), iso(cmd.at))},
                     now);
    }
    if (auto bad = reject_time(cmd.at)) return *bad;
    transaction t(*this);
    fire(cmd.at - seconds{1});
    now = cmd.at;
    if (c) t.guard(*c);
    const std::size_t alerts = events.size();
    auto rejection = [&] {
      // The case's queue entry once, after all its clocks changed (nothing in between reads it).
      struct defer {
        core& k;
        defer(core& kk, std::optional<std::uint32_t> cc) : k(kk) { k.deferred = cc ? *cc : no_case; }
        defer(const defer&) = delete;
        defer& operator=(const defer&) = delete;
        ~defer() { k.deferred = no_case; }
      } scope(*this, c);
      return apply_in_order(cmd, c);
    }();
    if (c && !rejection) refresh(*c);
    if (rejection) {  // the alerts before it stand; the command's own changes and events go
      t.undo_case();  // which refreshes the case
      events.truncate(alerts);
    }
    t.commit();
    if (rejection) return refused(std::move(*rejection), now);
    return {outcome::status::accepted, reject_code::none, {}, now};
  }

  outcome advance_to(instant to) {
    check_reentry();
    if (auto bad = reject_time(to)) return *bad;
    transaction t(*this);
    fire(to);
    now = to;
    t.commit();
    return {outcome::status::accepted, reject_code::none, {}, now};
  }

  outcome replace_calendar(calendar next, instant at);
  std::size_t retire(instant before);
};

// Every running clock's new timer is computed first; a clock beyond the new calendar refuses the
// whole replacement before anything changed. Then, in one transaction: the alerts due before `at`
// under the old calendar, the swap, the new schedules and the deadline events.
outcome engine::impl::replace_calendar(calendar next, instant at) {
  check_reentry();
  if (auto bad = reject_time(at)) return *bad;
  if (at > detail::horizon_of(next)) {
    return refused({reject_code::past_calendar, fmt::format("{} is past the new calendar's projection (last day {})",
                                                            iso(at), format_civil_day(next.projection_end()))},
                   now);
  }
  auto next_rules = std::make_unique<const detail::compiled_policies>(policies, next.hours());
  // Every clock of an open case that has a schedule (running or paused), as it will be.
  struct moved {
    std::uint32_t c;
    std::uint8_t k;
    detail::clock_slot slot;  // the new one until the swap, then the old one
  };
  std::vector<moved> clocks;
  for (std::uint32_t c = 0; c < cases.size(); ++c) {
    const detail::case_rec& r = cases[c];
    if (r.status != case_status::open) continue;
    const detail::compiled_variant& nv = next_rules->variant(r.variant);
    for (std::uint8_t k = 0; k < r.clock_count; ++k) {
      const auto state = r.clocks[k].timer.state();
      if (state != step_timer::status::running && state != step_timer::status::paused) continue;
      detail::clock_slot s = r.clocks[k];
      if (state == step_timer::status::paused) s.timer.reassess(next);  // its due, judged anew
      if (state == step_timer::status::running &&
          s.timer.recompute(next, nv.clocks[k].rule) == timer_result::past_calendar) {
        return refused(
            {reject_code::past_calendar,
             fmt::format("case {}, clock {} would fall due beyond the new calendar's projection (last "
                         "projected day {})",
                         quote(r.id.view()), quote(nv.clocks[k].name), format_civil_day(next.projection_end()))},
            now);
      }
      clocks.push_back({c, k, s});
    }
  }
  transaction t(*this);
  fire(at - seconds{1});
  now = at;
  // Swap in; `clocks` and the locals keep the old values, for the undo should the sink throw.
  struct swap_back {
    impl& e;
    calendar& cal;
    std::unique_ptr<const detail::compiled_policies>& rules;
    std::vector<moved>& clocks;
    bool armed = true;
    ~swap_back() {
      if (!armed) return;
      for (auto& m : clocks) std::swap(e.cases[m.c].clocks[m.k], m.slot);
      std::swap(e.cal, cal);
      std::swap(e.rules, rules);
      for (const auto& m : clocks) e.refresh(m.c);
    }
  };
  // The alerts just raised under the old calendar stay raised under the new one.
  for (auto& m : clocks) m.slot.fired = cases[m.c].clocks[m.k].fired;
  std::swap(cal, next);
  std::swap(rules, next_rules);
  for (auto& m : clocks) std::swap(cases[m.c].clocks[m.k], m.slot);
  swap_back undo{*this, next, next_rules, clocks};
  for (const auto& m : clocks) schedule(m.c, m.k, now);
  for (const moved& m : clocks) {
    const detail::clock_slot& slot = cases[m.c].clocks[m.k];
    if (!slot.timer.running()) continue;
    if (slot.timer.due() != m.slot.timer.due()) {
      clock_event(event_kind::deadline_changed, cases[m.c], m.k, at).previous_due = m.slot.timer.due();
    } else if (m.slot.timer.provisional() && !slot.timer.provisional()) {
      clock_event(event_kind::deadline_confirmed, cases[m.c], m.k, at);
    }
  }
  t.commit();
  undo.armed = false;
  return {outcome::status::accepted, reject_code::none, {}, now};
}

std::size_t engine::impl::retire(instant before) {
  check_reentry();
  before = std::min(before, now);
  if (before <= cal.at(cal.first_covered(), {})) return 0;  // nothing can have closed before it
  const std::vector<std::uint32_t> renumber = cases.retire(before);
  std::size_t removed = 0;
  for (const std::uint32_t n : renumber) removed += n == detail::id_index::none;
  // Case numbers changed: rebuild the queue within its room (closed cases had no entry).
  queue.clear();
  for (std::uint32_t c = 0; c < cases.size(); ++c) queue.add_case();
  for (std::uint32_t c = 0; c < cases.size(); ++c) refresh(c);
  if (!retired_before || before > *retired_before) retired_before = before;
  return removed;
}

// --- the facade ----------------------------------------------------------------------------------

engine::engine(calendar cal, policy_set policies, event_sink& sink, engine_options options)
    : p_(std::make_unique<impl>(std::move(cal), std::move(policies), sink, options)) {}
engine::engine(std::unique_ptr<impl> p) : p_(std::move(p)) {}
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;
engine::~engine() = default;

outcome engine::apply(const command& c) { return p_->apply(c); }

// Four stages a command apart, each reading only what the one before brought in: the id's hash
// and index slot; the record the slot names; the record's clocks, heap place and pause history;
// the heap entry and the history's records.
// A command applies in a microsecond or so, several times a miss's latency: a command per stage is
// enough. The ring keeps each command's hash and case number between stages, and apply() is given
// the current one's hash: hints only, a stale one costs time, never a wrong answer (id_index::find).
void engine::prefetch_ahead(std::span<const command> commands, std::size_t i) noexcept {
  constexpr std::size_t depth = 4;  // stage 1 for commands[i + 4], ..., stage 4 for commands[i + 1]
  auto& ring = p_->ahead;
  static_assert(std::tuple_size_v<decltype(impl::ahead)> > depth, "the commands in flight never share an entry");
  const auto stage = [&](std::size_t j, int s) {
    if (j >= commands.size()) return;
    auto& a = ring[j % ring.size()];
    const command& cmd = commands[j];
    if (s == 1) {
      a.c = detail::id_index::none;
      if (cmd.kind == command_kind::tick) return;
      a.hash = p_->cases.hash(cmd.case_id);
      p_->cases.prefetch_slot(a.hash);
    } else if (cmd.kind != command_kind::tick) {
      if (s == 2) a.c = p_->cases.prefetch_record(a.hash);
      if (a.c == detail::id_index::none) return;
      if (s == 3) {
        p_->cases.prefetch_contents(a.c);
        p_->queue.prefetch_position(a.c);
      }
      if (s == 4) {
        p_->queue.prefetch_entry(a.c);
        p_->cases.prefetch_history(a.c);
      }
    }
  };
  for (std::size_t j = 0; i == 0 && j < depth; ++j) stage(j, 1);
  stage(i + depth, 1);
  stage(i + 3, 2);
  stage(i + 2, 3);
  stage(i + 1, 4);
  if (i < commands.size() && commands[i].kind != command_kind::tick) p_->hashed = {&commands[i], ring[i % 8].hash};
}

namespace {

command make_command(command_kind kind, std::string_view case_id, instant at, std::string_view step = {},
                     std::string_view reason = {}) {
  command c;
  c.kind = kind;
  c.case_id = case_id;
  c.at = at;
  c.step = step;
  c.reason = reason;
  return c;
}

}  // namespace

outcome engine::open(std::string_view case_id, instant at, std::string_view policy, std::string_view variant) {
  command c = make_command(command_kind::open, case_id, at);
  c.policy = policy;
  c.variant = variant;
  return p_->apply(c);
}
outcome engine::open(std::string_view case_id, instant at, std::string_view policy, const works& w) {
  command c = make_command(command_kind::open, case_id, at);
  c.policy = policy;
  c.works = w;
  return p_->apply(c);
}
outcome engine::start(std::string_view case_id, std::string_view step, instant at, std::string_view unit) {
  command c = make_command(command_kind::start, case_id, at, step);
  c.unit = unit;
  return p_->apply(c);
}
outcome engine::pause(std::string_view case_id, std::string_view step, instant at, std::string_view reason) {
  return p_->apply(make_command(command_kind::pause, case_id, at, step, reason));
}
outcome engine::resume(std::string_view case_id, std::string_view step, instant at) {
  return p_->apply(make_command(command_kind::resume, case_id, at, step));
}
outcome engine::complete(std::string_view case_id, std::string_view step, instant at) {
  return p_->apply(make_command(command_kind::complete, case_id, at, step));
}
outcome engine::cancel(std::string_view case_id, instant at, std::string_view reason) {
  return p_->apply(make_command(command_kind::cancel, case_id, at, {}, reason));
}
outcome engine::advance_to(instant now) { return p_->advance_to(now); }
outcome engine::replace_calendar(calendar cal, instant at) { return p_->replace_calendar(std::move(cal), at); }
std::size_t engine::retire(instant before) { return p_->retire(before); }

const calendar& engine::current_calendar() const noexcept { return p_->cal; }
const policy_set& engine::policies() const noexcept { return p_->policies; }
void engine::set_sink(event_sink& sink) noexcept { p_->sink = &sink; }

void engine::reserve(std::size_t cases) {
  p_->cases.reserve(cases);
  p_->queue.reserve(cases);
}

std::size_t engine::cases() const noexcept { return p_->cases.size(); }
std::size_t engine::open_cases() const noexcept { return p_->cases.open_count(); }
std::optional<instant> engine::next_due() const {
  if (p_->queue.empty()) return std::nullopt;
  return p_->queue.top().at;
}
instant engine::now() const noexcept { return p_->now; }

std::optional<case_view> engine::inspect(std::string_view case_id, instant now) const {
  const auto c = p_->cases.find(case_id);
  if (!c) return std::nullopt;
  return p_->view(p_->cases[*c], now);
}

std::optional<case_record> engine::record(std::string_view case_id) const {
  const auto c = p_->cases.find(case_id);
  if (!c) return std::nullopt;
  case_record r;
  p_->export_case(*c, r);
  return r;
}

engine_state engine::state() const { return p_->export_state(); }
void engine::state(const std::function<void(const engine_state&)>& header,
                   const std::function<void(const case_record&, std::size_t)>& each) const {
  header(p_->export_header());
  case_record r;
  for (std::uint32_t c = 0; c < p_->cases.size(); ++c) {
    p_->export_case(c, r);
    each(r, c);
  }
}

engine engine::from_state(const engine_state& state, calendar cal, policy_set policies, event_sink& sink,
                          engine_options options) {
  auto p = std::make_unique<impl>(std::move(cal), std::move(policies), sink, options);
  p->import_state(state);
  return engine(std::move(p));
}

engine::loader::loader(const engine_state& header, calendar cal, policy_set policies, event_sink& sink,
                       engine_options options)
    : p_(std::make_unique<impl>(std::move(cal), std::move(policies), sink, options)) {
  p_->import_header(header);
}
engine::loader::loader(loader&&) noexcept = default;
engine::loader& engine::loader::operator=(loader&&) noexcept = default;
engine::loader::~loader() = default;

void engine::loader::add(const case_record& r) { p_->import_case(r, added_++); }

engine engine::loader::finish() { return engine(std::move(p_)); }

}  // namespace dueday
