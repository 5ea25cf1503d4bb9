// dueday/engine.hpp — the SLA engine: any number of cases, each with per-step clocks, parallel
// steps that join, an overall clock and alert levels, driven by commands and emitting events.
//
//   using dueday::parse_instant;
//   dueday::vector_sink out;
//   dueday::engine e(dueday::builtin_calendar(), dueday::builtin_policies(), out);
//   auto o = e.open("W-001", parse_instant("2026-09-28T10:00"), "kunming-water-490", "no-external");
//   o = e.start("W-001", "survey", parse_instant("2026-09-30T10:00"));  // due 2026-10-10T00:00+08:00
//   o = e.advance_to(parse_instant("2026-10-12T09:00"));  // yellow at 10-09T00:00, red at 10-10T00:00
//   if (o.rejected()) ...                                // o.code says why, o.reason in words
//
// Time enters only through commands: nothing reads a clock. Commands must come in time order; a
// command earlier than the latest instant seen is rejected. Every command at instant T first
// raises the alerts due before T, then applies; alerts due at T itself wait for the next command or
// advance_to (see event.hpp for the whole order). Each alert fires once per clock and level, at
// the instant its condition became true, however late advance_to is called.
//
// The rules at boundary instants, which a host that sleeps until next_due() meets all the time:
// - a step (or the case) completed at or before its due instant is on time, whatever alerts were
//   raised before (a tick at the due instant raises red; the completion at the same instant is
//   still on time);
// - a clock that pauses (or the overall clock, when a counted step completes) at the very instant
//   one of its levels is reached raises that level at that instant, after the command; a clock
//   completed at that instant raises nothing;
// - an identical repeat of any accepted command is a no-op (outcome::status::duplicate), however
//   the case changed since: an open with the same instant, policy and variant or works class
//   (whatever district and units it names: the first open's stand), a
//   start, pause, resume or complete of the same step at the same instant, a cancel at the
//   cancellation's instant.
//
// Commands are all-or-nothing. A refused command changes nothing but time (its instant, when in
// order) and returns outcome::status::rejected with a reject_code; nothing throws for it. An
// exception escaping a command (an allocation failure, a throwing sink) leaves the engine exactly as
// before the command: retrying it gives the events an uninterrupted run gives. Each command's
// events reach the sink in one event_sink::on_events call; a sink that stores them in one
// transaction gets exactly-once delivery.
//
// Deadlines past the holiday notices are computed on the calendar's projection and marked
// provisional; replace_calendar() (a new notice) recomputes every running clock and reports each
// due instant that moved (deadline_changed) or was confirmed (deadline_confirmed). A level already
// raised stays raised: a deadline moved later does not raise its yellow or red a second time. A
// level that would fall beyond the projection is not scheduled until a calendar reaches it.
//
// Memory: closed cases stay until retire() removes them. Scheduling: each case's next alert sits
// in an indexed 4-ary heap keyed by the order above, so advance_to costs O(alerts due x log n).
// Case ids go through a hash index keyed with engine_options::id_hash_key: give a secret key when
// ids come from untrusted parties (the default key is public; output never depends on the key).
//
// Not thread-safe: one engine per thread (shard cases by id across engines). Move-only. A sink
// must not call the engine from on_events: such a call throws std::logic_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dueday/calendar.hpp"
#include "dueday/case_state.hpp"
#include "dueday/engine_state.hpp"
#include "dueday/event.hpp"
#include "dueday/policy.hpp"
#include "dueday/units.hpp"

namespace dueday {

enum class command_kind : std::uint8_t { open, start, pause, resume, complete, cancel, tick };
// "open", "start", ...; and back.
[[nodiscard]] std::string_view to_string(command_kind k) noexcept;
[[nodiscard]] std::optional<command_kind> parse_command_kind(std::string_view s) noexcept;

struct command {
  command_kind kind = command_kind::tick;
  instant at{};
  std::string case_id;                 // all but tick
  std::string step;                    // start, pause, resume, complete
  std::string policy;                  // open
  std::string variant;                 // open: a variant name ...
  std::optional<dueday::works> works;  // ... or the works, classified by the policy's scope rules
  std::string reason;                  // pause, cancel: free text carried into the event
  // Who answers for the clocks (the monthly report names them; nothing else depends on them).
  // Each name is non-empty, valid UTF-8 and at most max_unit_name bytes (the readers check).
  std::string district;  // open: the case's district (区县), carried into case_opened
  // open: unit per step name ("overall" for the overall clock), sorted by step name; a name that
  // is neither a step of the case's variant nor "overall" refuses the open (unknown_step)
  std::vector<std::pair<std::string, std::string>> units;
  std::string unit;  // start: the unit the step is handed to, over the open's `units`
};

// The longest district or unit name a command may carry, in bytes.
inline constexpr std::size_t max_unit_name = 200;

// Why a command was refused.
enum class reject_code : std::uint8_t {
  none,             // not refused
  malformed,        // the command is incomplete or contradictory (no case id, variant and works, ...)
  out_of_order,     // earlier than the latest instant seen
  past_calendar,    // beyond the calendar's projection: the command, or a due instant it would set
  unknown_case,     // no case with that id
  retired,          // the case was retired (engine::retire): its commands are no longer taken
  case_exists,      // open of an id already held
  case_closed,      // the case is completed, cancelled or out of scope
  unknown_policy,   // open names no policy of the set
  unknown_variant,  // open names no variant of the policy
  unknown_step,     // the case's variant has no such step (a command's step, or a key of open's units)
  bad_transition,   // the step is not in a state the command applies to
};
// "none", "malformed", "out_of_order", ...: the `code` of a rejected event.
[[nodiscard]] std::string_view to_string(reject_code c) noexcept;

struct [[nodiscard]] outcome {
  enum class status : std::uint8_t { accepted, duplicate, rejected };
  status result = status::accepted;
  reject_code code = reject_code::none;  // set when rejected
  std::string reason;                    // why it was rejected, in words
  instant at{};                          // the engine's time after the command

  [[nodiscard]] bool accepted() const noexcept { return result == status::accepted; }
  [[nodiscard]] bool rejected() const noexcept { return result == status::rejected; }
};

struct engine_options {
  // Key of the case-id hash. The default is public: a host taking ids from untrusted parties gives
  // a secret one (ids crafted against a known key make lookups slow, never wrong).
  std::uint64_t id_hash_key[2] = {0x6475656461792d31ULL, 0x636173652d696473ULL};
};

class engine {
  struct impl;

 public:
  // An engine with no cases, its time at the start of the calendar. `sink` must outlive the
  // engine (or be replaced with set_sink). The policies were validated when their set was built.
  engine(calendar cal, policy_set policies, event_sink& sink, engine_options options = {});
  engine(engine&&) noexcept;
  engine& operator=(engine&&) noexcept;
  ~engine();

  // Applies one command (see the rules above).
  [[nodiscard]] outcome apply(const command& c);

  // Applies the commands in order, exactly as apply() on each in turn, calling done(i, outcome)
  // after command i (its events already with the sink) and before command i + 1. A throw from
  // done stops there: the commands after i are not applied. Faster than that loop over many
  // cases: while one command applies, the cases the next few name are brought into the
  // processor's cache (hints only; what is computed does not depend on them).
  template <class Done>
  void apply(std::span<const command> commands, Done&& done) {
    for (std::size_t i = 0; i < commands.size(); ++i) {
      prefetch_ahead(commands, i);
      done(i, apply(commands[i]));
    }
  }

  [[nodiscard]] outcome open(std::string_view case_id, instant at, std::string_view policy, std::string_view variant);
  [[nodiscard]] outcome open(std::string_view case_id, instant at, std::string_view policy, const works& w);
  // `unit`: who the step is handed to (empty: the open's units, else the policy's party).
  [[nodiscard]] outcome start(std::string_view case_id, std::string_view step, instant at, std::string_view unit = {});
  [[nodiscard]] outcome pause(std::string_view case_id, std::string_view step, instant at,
                              std::string_view reason = {});
  [[nodiscard]] outcome resume(std::string_view case_id, std::string_view step, instant at);
  [[nodiscard]] outcome complete(std::string_view case_id, std::string_view step, instant at);
  [[nodiscard]] outcome cancel(std::string_view case_id, instant at, std::string_view reason = {});
  // Raises every alert due at or before `now` and sets the engine's time to it. A `now` before the
  // engine's time or beyond the calendar's projection is rejected.
  [[nodiscard]] outcome advance_to(instant now);

  // Installs a new calendar at `at` (a command in the time order): raises the alerts due before
  // `at` under the old one, recomputes every running clock and emits deadline_changed /
  // deadline_confirmed. All or nothing: rejected (out_of_order, past_calendar naming the case and
  // clock) before anything changes or is emitted.
  [[nodiscard]] outcome replace_calendar(calendar cal, instant at);
  [[nodiscard]] const calendar& current_calendar() const noexcept;
  [[nodiscard]] const policy_set& policies() const noexcept;
  void set_sink(event_sink& sink) noexcept;

  // Removes from memory (and from state()) every completed, cancelled and out-of-scope case closed
  // before `before` (taken as now() when later). A later command naming one of them with an instant
  // before that is rejected with reject_code::retired, never taken for a new case. O(cases).
  // Returns how many cases were removed.
  std::size_t retire(instant before);

  // Room for this many cases without regrowing the engine's indexes (a host that knows its
  // volume avoids rehashing pauses). Optional.
  void reserve(std::size_t cases);

  // Cases held (any status) and open ones.
  [[nodiscard]] std::size_t cases() const noexcept;
  [[nodiscard]] std::size_t open_cases() const noexcept;
  // The instant of the next alert, if any clock has one pending: the host sleeps until then.
  [[nodiscard]] std::optional<instant> next_due() const;
  // The latest instant seen.
  [[nodiscard]] instant now() const noexcept;
  // A copy of one case as of `now` (>= the case's last transition), or nullopt for an unknown id.
  [[nodiscard]] std::optional<case_view> inspect(std::string_view case_id, instant now) const;
  // One case's record as state().cases holds it, or nullopt for an unknown id: without a copy of
  // every case (a status page asks for one case among a million).
  [[nodiscard]] std::optional<case_record> record(std::string_view case_id) const;

  // The whole state as plain values (snapshot.hpp writes it as JSON). An engine rebuilt from it
  // with the same calendar and policies continues exactly as this one would.
  [[nodiscard]] engine_state state() const;
  // The same state a case at a time, for a writer that must not hold a copy of it all (a
  // checkpoint of a million cases): `header` gets state() without its cases, then `each` gets
  // every case of state().cases in order, with its index. The record handed over is reused from
  // call to call.
  void state(const std::function<void(const engine_state&)>& header,
             const std::function<void(const case_record&, std::size_t)>& each) const;
  // Rebuilds an engine from a state, trusting nothing in it: throws dueday::error, "not a valid
  // snapshot: <where>: <what>", for anything an engine could not have produced, and when the state
  // names another calendar or other policy versions (restore with those, then replace_calendar).
  [[nodiscard]] static engine from_state(const engine_state& state, calendar cal, policy_set policies, event_sink& sink,
                                         engine_options options = {});
  // from_state a case at a time, for a reader that must not hold the whole state (a checkpoint of
  // a million cases): the constructor checks `header` as from_state does (its cases are not read),
  // add() checks the next case as from_state checks state.cases[n], n counting the cases added,
  // with the same messages. After a throw the loader is of no further use.
  class loader {
   public:
    loader(const engine_state& header, calendar cal, policy_set policies, event_sink& sink,
           engine_options options = {});
    loader(loader&&) noexcept;
    loader& operator=(loader&&) noexcept;
    ~loader();
    void add(const case_record& r);
    // The engine, once every case was added; the loader is empty then.
    [[nodiscard]] engine finish();

   private:
    std::unique_ptr<impl> p_;
    std::size_t added_ = 0;
  };

 private:
  explicit engine(std::unique_ptr<impl> p);
  // Before commands[i]: the prefetch hints for the commands after it.
  void prefetch_ahead(std::span<const command> commands, std::size_t i) noexcept;
  std::unique_ptr<impl> p_;
};

}  // namespace dueday
