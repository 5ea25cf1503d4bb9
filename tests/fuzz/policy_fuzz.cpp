// libFuzzer target: a policy (TOML, as policies/*.toml) through parse_policy, and the engine run
// through every step of each variant of a policy it accepts, on the built-in national calendar.
//
// Input: the text of one policy (seeds/policy/ holds the bundled one and variations). For an
// accepted policy, one case per variant (at most 16): each step is started, paused and resumed
// when pausable, and completed, in rounds until no step moves (a step `after` others waits for
// them), with ticks between; then cases opened by works, and a tick far ahead. Properties:
// - parse_policy throws nothing but policy_error; policy_set takes what parse_policy accepted;
// - no engine command throws; events come in time order and name cases that were opened;
// - a case whose every step was completed has completed, once;
// - snapshot -> restore -> snapshot gives the same bytes, and the restored engine raises the same
//   events as the original on the final tick.
#include <dueday/engine.hpp>
#include <dueday/io.hpp>
#include <dueday/policy.hpp>
#include <dueday/snapshot.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using namespace dueday;
using namespace std::chrono;

using fuzz::cal;

constexpr std::size_t max_variants = 16;

// Events in time order, each naming a case that was opened.
void check_events(const std::vector<event>& events, const std::set<std::string>& opened) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    const event& e = events[i];
    fuzz::check(opened.contains(e.case_id), "an event names a case that was never opened", e.case_id);
    if (i > 0) {
      fuzz::check(events[i - 1].at <= e.at, "events out of time order",
                  fmt::format("event {} ({}) at {} after one at {}", i, to_string(e.kind), format_instant(e.at),
                              format_instant(events[i - 1].at)));
    }
  }
}

// Runs every step of variant `v` of policy `p` for case `id`, from `t`; returns whether every step
// was completed.
bool run_variant(engine& e, const sla_policy& p, const variant_policy& v, const std::string& id, instant& t) {
  const auto step_on = [&] { t += minutes{97}; };
  if (!e.open(id, t, p.id, v.name).accepted()) return false;
  std::vector<bool> done(v.steps.size(), false);
  for (bool moved = true; moved;) {
    moved = false;
    for (std::size_t i = 0; i < v.steps.size(); ++i) {
      if (done[i]) continue;
      const step_policy& s = v.steps[i];
      step_on();
      (void)e.start(id, s.name, t);
      if (s.pausable) {
        step_on();
        (void)e.pause(id, s.name, t, "documents");
        step_on();
        (void)e.resume(id, s.name, t);
      }
      step_on();
      (void)e.advance_to(t);
      step_on();
      if (e.complete(id, s.name, t).accepted()) done[i] = moved = true;
    }
    t += hours{20};
    (void)e.advance_to(t);
  }
  return std::all_of(done.begin(), done.end(), [](bool b) { return b; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::run([&] {
    sla_policy p;
    try {
      p = parse_policy(fuzz::text_of(data, size), "fuzz.toml");
    } catch (const policy_error&) {
      return;
    }
    const policy_set policies({p});
    fuzz::check(policies.find(p.id) != nullptr, "policy_set lost the policy");

    vector_sink out;
    engine e(cal(), policies, out);
    std::set<std::string> opened;
    std::vector<std::string> finished;
    instant t = parse_instant("2026-01-05T09:00:00+08:00");
    for (std::size_t i = 0; i < p.variants.size() && i < max_variants; ++i) {
      const std::string id = fmt::format("V-{}", i);
      opened.insert(id);
      if (run_variant(e, p, p.variants[i], id, t)) finished.push_back(id);
    }
    const works samples[] = {{40, 0, {}}, {40, 120, {}}, {63, 350.5, {"rail"}}, {15, 1e9, {"river", "expressway"}}};
    for (std::size_t i = 0; i < std::size(samples); ++i) {
      const std::string id = fmt::format("W-{}", i);
      opened.insert(id);
      t += minutes{13};
      (void)e.open(id, t, p.id, samples[i]);
    }
    (void)e.advance_to(t);
    check_events(out.events, opened);
    for (const std::string& id : finished) {
      const auto n = std::count_if(out.events.begin(), out.events.end(), [&](const event& ev) {
        return ev.kind == event_kind::case_completed && ev.case_id == id;
      });
      fuzz::check(n == 1, "a case whose every step was completed did not complete once", id);
    }

    const std::string text = snapshot(e);
    vector_sink again;
    engine back = restore(text, cal(), policies, again);
    fuzz::same(snapshot(back), text, "snapshot -> restore -> snapshot changed the bytes");
    // Far ahead, inside the projection: every escalation still pending is raised, alike in both.
    const instant end = cal().at(cal().projection_end(), hours{12});
    out.events.clear();
    (void)e.advance_to(end);
    (void)back.advance_to(end);
    check_events(out.events, opened);
    fuzz::check(out.events == again.events, "the restored engine raised other events than the original",
                fmt::format("{} events against {}", again.events.size(), out.events.size()));
    fuzz::same(snapshot(back), snapshot(e), "the restored engine ended in another state than the original");
  });
}
