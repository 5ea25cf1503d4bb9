// The status report as one JSON object (status.hpp): `dueday status --json`, GET /v1/cases.
#include <dueday/error.hpp>
#include <dueday/format.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "status.hpp"

namespace dueday::monitor {

namespace {

using nlohmann::ordered_json;

std::string iso(dueday::instant t) { return dueday::format_instant(t); }
ordered_json iso_or_null(const std::optional<dueday::instant>& t) { return t ? ordered_json(iso(*t)) : ordered_json(); }
template <class T>
ordered_json or_null(const std::optional<T>& v) {
  return v ? ordered_json(*v) : ordered_json();
}

ordered_json clock_json(const clock_line& l) {
  const auto& v = l.view;
  ordered_json pauses = ordered_json::array();
  for (const auto& [from, to] : l.pauses) pauses.push_back({{"from", iso(from)}, {"to", iso_or_null(to)}});
  ordered_json raised = ordered_json::array();
  for (const auto& f : v.fired) raised.push_back(f);
  return {{"clock", v.name},
          {"unit", v.unit},
          {"party", v.party},
          {"limit", v.limit},
          {"rule", std::string(dueday::to_string(v.rule))},
          {"state", state_name(v.state)},
          {"waiting", v.waiting},
          {"started", iso_or_null(v.commanded)},
          {"due", iso_or_null(v.due)},
          {"provisional", v.provisional},
          {"elapsed_s", v.elapsed.count()},
          {"elapsed_wd", l.elapsed_wd},
          {"remaining_s", v.remaining.count()},
          {"remaining_wd", l.remaining_wd},
          {"level", or_null(l.level)},
          {"raised", std::move(raised)},
          {"on_time", or_null(v.on_time)},
          {"pauses", std::move(pauses)}};
}

ordered_json case_json(const case_line& c) {
  const auto& v = c.view;
  ordered_json clocks = ordered_json::array();
  for (const auto& l : c.clocks) clocks.push_back(clock_json(l));
  return {{"case", v.id},
          {"policy", v.policy},
          {"variant", v.variant},
          {"district", v.district.empty() ? ordered_json() : ordered_json(v.district)},
          {"status", std::string(dueday::to_string(v.status))},
          {"opened", iso(v.opened)},
          {"closed", iso_or_null(v.closed)},
          {"at_risk", c.at_risk},
          {"clocks", std::move(clocks)}};
}

// An open case in the overview: the case and its most urgent clock.
ordered_json urgent_json(const case_line& c) {
  ordered_json j = {{"case", c.view.id},
                    {"policy", c.view.policy},
                    {"variant", c.view.variant},
                    {"district", c.view.district.empty() ? ordered_json() : ordered_json(c.view.district)}};
  if (c.urgent) {
    const auto& l = c.clocks[*c.urgent];
    j["clock"] = l.view.name;
    j["unit"] = l.view.unit;
    j["state"] = state_name(l.view.state);
    j["remaining_s"] = l.view.remaining.count();
    j["remaining_wd"] = l.remaining_wd;
    j["due"] = iso_or_null(l.view.due);
    j["provisional"] = l.view.provisional;
    j["level"] = or_null(l.level);
  } else {
    for (const char* k : {"clock", "unit", "state", "remaining_s", "remaining_wd", "due", "provisional", "level"})
      j[k] = nullptr;
  }
  j["at_risk"] = c.at_risk;
  return j;
}

}  // namespace

std::string to_json(const report& r) {
  ordered_json j = {{"store", r.store}, {"at", iso(r.at)}, {"store_time", iso(r.store_time)}, {"as_of", iso(r.as_of)}};
  if (r.one_case) {
    j["case"] = case_json(r.cases.front());
  } else {
    ordered_json consumers = ordered_json::array();
    for (const auto& c : r.consumers)
      consumers.push_back({{"name", c.name}, {"acknowledged", c.acknowledged}, {"pending", c.pending}});
    ordered_json checkpoint;
    if (r.checkpoint) {
      checkpoint = {{"position", *r.checkpoint},
                    {"commands_since", r.position - *r.checkpoint},
                    {"engine_time", iso_or_null(r.checkpoint_time)},
                    {"engine_time_since_s",
                     r.checkpoint_time ? ordered_json((r.store_time - *r.checkpoint_time).count()) : ordered_json()}};
    }
    j["journal"] = {{"position", r.position},
                    {"last_id", r.last_id ? ordered_json(r.last_id->second) : ordered_json()},
                    {"last_id_position", r.last_id ? ordered_json(r.last_id->first) : ordered_json()}};
    j["events"] = {{"last_sequence", r.last_sequence}, {"consumers", std::move(consumers)}};
    j["checkpoint"] = std::move(checkpoint);
    j["coverage"] = {{"last_covered", r.last_covered},
                     {"projection_end", r.projection_end},
                     {"warning", or_null(r.coverage_warning)}};
    j["cases"] = {{"held", r.cases_held}, {"open", r.cases_open}, {"at_risk", r.at_risk}};
    ordered_json open = ordered_json::array();
    for (const auto& c : r.cases) open.push_back(urgent_json(c));
    j[r.at_risk_only ? "at_risk" : "open"] = std::move(open);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dueday::monitor
