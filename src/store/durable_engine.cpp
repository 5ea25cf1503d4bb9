// durable_engine: an engine over a storage (store.hpp). Commands are journaled as JSON lines in
// jsonl.hpp's form and read back through parse_command, checkpoints are snapshots
// (snapshot.hpp) read back through restore: nothing read back from a store is trusted.
//
// Speed: the journal lines, the events and their keys are written straight into buffers by
// text_writer (the event writer's pieces), byte for byte what nlohmann's ordered_json gave;
// command_line and key_json below are that reference, and serve the commands the writer does not
// take on.
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "detail/event_writer.hpp"
#include "detail/utf8.hpp"
#include "dueday/format.hpp"
#include "dueday/jsonl.hpp"
#include "dueday/snapshot.hpp"
#include "dueday/store.hpp"

namespace dueday {

namespace {

using nlohmann::ordered_json;

// The command as one JSON line that parse_command reads back as the same command.
std::string command_line(const command& c) {
  ordered_json j = ordered_json::object();
  j["type"] = to_string(c.kind);
  if (c.kind != command_kind::tick) j["case"] = c.case_id;
  j["at"] = format_instant(c.at, beijing_offset);
  switch (c.kind) {
    case command_kind::open:
      j["policy"] = c.policy;
      if (c.works) {
        j["works"] = {{"meter_dn", c.works->meter_dn}, {"pipe_m", c.works->pipe_m}, {"crossings", c.works->crossings}};
      } else {
        j["variant"] = c.variant;
      }
      if (!c.district.empty()) j["district"] = c.district;
      if (!c.units.empty()) {
        ordered_json units = ordered_json::object();
        for (const auto& [step, unit] : c.units) units[step] = unit;
        j["units"] = std::move(units);
      }
      break;
    case command_kind::start:
    case command_kind::pause:
    case command_kind::resume:
    case command_kind::complete:
      j["step"] = c.step;
      if (!c.reason.empty()) j["reason"] = c.reason;
      if (!c.unit.empty()) j["unit"] = c.unit;
      break;
    case command_kind::cancel:
      if (!c.reason.empty()) j["reason"] = c.reason;
      break;
    case command_kind::tick:
      break;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

// The idempotency key with nlohmann (see store.hpp): the reference text_writer::key follows.
[[maybe_unused]] std::string key_json(const event& e, std::string_view calendar_fingerprint) {
  ordered_json k = ordered_json::array();
  k.push_back(e.case_id);
  k.push_back(e.step);
  k.push_back(to_string(e.kind));
  k.push_back(e.level);
  if (e.due) {
    k.push_back(format_instant(*e.due, beijing_offset));
  } else {
    k.push_back(nullptr);
  }
  k.push_back(calendar_fingerprint);
  k.push_back(format_instant(e.at, beijing_offset));
  k.push_back(e.line);
  return k.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Journal lines, events and keys written in place (see the top of this file). One per
// durable_engine: it keeps the event writer's buffer and its cache of instants.
class text_writer {
 public:
  // command_line(c), when every string of c is UTF-8 and its units name no step twice (what
  // ordered_json would fold into one member); else false, and command_line is the reference.
  bool command_text(const command& c, std::string& out) {
    if (!takes(c)) return false;
    std::size_t room = 256 + detail::event_writer::instant_room +
                       6 * (c.case_id.size() + c.step.size() + c.policy.size() + c.variant.size() + c.reason.size() +
                            c.district.size() + c.unit.size());
    for (const auto& [step, unit] : c.units) room += 8 + 6 * (step.size() + unit.size());
    std::string pipe;
    if (c.works) {
      pipe = ordered_json(c.works->pipe_m).dump();  // nlohmann's own form of a double
      room += pipe.size();
      for (const std::string& x : c.works->crossings) room += 8 + 6 * x.size();
    }
    scratch_.resize(room);
    char* p = scratch_.data();
    p = lit(p, R"({"type":)");
    p = str(p, to_string(c.kind));
    if (c.kind != command_kind::tick) p = str(lit(p, R"(,"case":)"), c.case_id);
    p = w_.instant_text(lit(p, R"(,"at":)"), c.at);
    switch (c.kind) {
      case command_kind::open:
        p = str(lit(p, R"(,"policy":)"), c.policy);
        if (c.works) {
          p = detail::event_writer::integer(lit(p, R"(,"works":{"meter_dn":)"), c.works->meter_dn);
          p = lit(lit(lit(p, R"(,"pipe_m":)"), pipe), R"(,"crossings":[)");
          for (std::size_t i = 0; i < c.works->crossings.size(); ++i) {
            if (i > 0) *p++ = ',';
            p = str(p, c.works->crossings[i]);
          }
          p = lit(p, "]}");
        } else {
          p = str(lit(p, R"(,"variant":)"), c.variant);
        }
        if (!c.district.empty()) p = str(lit(p, R"(,"district":)"), c.district);
        if (!c.units.empty()) {
          p = lit(p, R"(,"units":{)");
          for (std::size_t i = 0; i < c.units.size(); ++i) {
            if (i > 0) *p++ = ',';
            p = str(lit(str(p, c.units[i].first), ":"), c.units[i].second);
          }
          *p++ = '}';
        }
        break;
      case command_kind::start:
      case command_kind::pause:
      case command_kind::resume:
      case command_kind::complete:
        p = str(lit(p, R"(,"step":)"), c.step);
        if (!c.reason.empty()) p = str(lit(p, R"(,"reason":)"), c.reason);
        if (!c.unit.empty()) p = str(lit(p, R"(,"unit":)"), c.unit);
        break;
      case command_kind::cancel:
        if (!c.reason.empty()) p = str(lit(p, R"(,"reason":)"), c.reason);
        break;
      case command_kind::tick:
        break;
    }
    *p++ = '}';
    out.assign(scratch_.data(), p);  // exactly its size: journal lines are held a batch at a time
    assert(out == command_line(c));  // every command of every test, in the builds with asserts
    return true;
  }

  // key_json(e, fingerprint), byte for byte (the event writer's strings replace what is not UTF-8
  // as nlohmann does).
  std::string key(const event& e, std::string_view fingerprint) {
    scratch_.resize(128 + 2 * detail::event_writer::instant_room +
                    6 * (e.case_id.size() + e.step.size() + e.level.size() + fingerprint.size()));
    char* p = scratch_.data();
    *p++ = '[';
    p = str(p, e.case_id);
    p = str(lit(p, ","), e.step);
    p = str(lit(p, ","), to_string(e.kind));
    p = str(lit(p, ","), e.level);
    p = e.due ? w_.instant_text(lit(p, ","), *e.due) : lit(p, ",null");
    p = str(lit(p, ","), fingerprint);
    p = w_.instant_text(lit(p, ","), e.at);
    p = detail::event_writer::integer(lit(p, ","), e.line);
    *p++ = ']';
    std::string out(scratch_.data(), p);
    assert(out == key_json(e, fingerprint));
    return out;
  }

  // to_json(e).
  std::string event_json(const event& e) {
    w_.buffer().clear();
    w_.append(e, false);
    return {w_.buffer().data(), w_.buffer().size()};
  }

 private:
  static bool takes(const command& c) {
    const auto ok = [](const std::string& s) { return detail::is_utf8(s); };
    if (!ok(c.case_id) || !ok(c.step) || !ok(c.policy) || !ok(c.variant) || !ok(c.reason) || !ok(c.district) ||
        !ok(c.unit))
      return false;
    if (c.works && !std::all_of(c.works->crossings.begin(), c.works->crossings.end(), ok)) return false;
    for (std::size_t i = 0; i < c.units.size(); ++i) {
      if (!ok(c.units[i].first) || !ok(c.units[i].second)) return false;
      for (std::size_t k = 0; k < i; ++k)
        if (c.units[k].first == c.units[i].first) return false;
    }
    return true;
  }
  static char* lit(char* p, std::string_view s) noexcept {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
  }
  char* str(char* p, std::string_view s) { return w_.string(p, s); }

  detail::event_writer w_{beijing_offset};
  std::string scratch_;  // room for the longest form, written in place
};

// The line of a command, when it reads back as that command; nullopt with `why` when it does not
// (a command no input line could give, e.g. text that is not UTF-8: replay refuses such a line).
std::optional<std::string> journal_line(text_writer& w, const command& c, std::string& why) {
  try {
    std::string line;
    if (!w.command_text(c, line)) line = command_line(c);
    std::string again;
    const command back = parse_command(line, "command", 1);
    if (!w.command_text(back, again)) again = command_line(back);
    if (again != line) {
      why = "the command does not read back as itself from its JSON line";
      return std::nullopt;
    }
    return line;
  } catch (const std::exception& e) {  // nlohmann's on bad UTF-8, parse_error from the reader
    why = e.what();
    return std::nullopt;
  }
}

// Collects a command's events; discards them while the journal is re-applied.
class collecting_sink final : public event_sink {
 public:
  void on_event(const event& e) override {
    if (keep) events.push_back(e);
  }
  void on_events(std::span<const event> batch) override {
    if (keep) events.insert(events.end(), batch.begin(), batch.end());
  }
  std::vector<event> events;
  bool keep = true;
};

std::vector<std::string> policy_names(const policy_set& p) {
  std::vector<std::string> out;
  for (const sla_policy& s : p.all()) out.push_back(s.id + "@" + s.version);
  return out;
}

std::string joined(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, ", ")); }

}  // namespace

std::string idempotency_key(const event& e, std::string_view calendar_fingerprint) {
  return text_writer().key(e, calendar_fingerprint);
}

struct durable_engine::impl {
  impl(std::unique_ptr<dueday::storage> s, calendar c, policy_set p, durable_options o)
      : store(std::move(s)),
        cal(std::move(c)),
        policies(std::move(p)),
        options(o),
        fingerprint(cal.fingerprint()),
        eng(load()) {}

  std::unique_ptr<dueday::storage> store;
  calendar cal;
  policy_set policies;
  durable_options options;
  std::string fingerprint;
  collecting_sink sink;
  text_writer text;
  std::uint64_t position = 0;      // the journal's last position, as the engine has applied it
  std::uint64_t sequence = 0;      // the outbox's last sequence number
  std::uint64_t checkpointed = 0;  // the latest checkpoint's position
  std::string checkpoint_error;
  std::string broken;  // why this engine can no longer be used ("" while it can)
  dueday::engine eng;

  [[nodiscard]] std::string where() const { return fmt::format("store {}", store->name()); }

  void check_identity() {
    const std::vector<std::string> mine = policy_names(policies);
    const auto id = store->identity();
    if (!id) {
      store->initialize({0, fingerprint, mine});
      return;
    }
    if (id->calendar != fingerprint) {
      throw store_error(fmt::format("{}: created with calendar {}, opened with calendar {}", where(),
                                    quote(id->calendar), quote(fingerprint)));
    }
    if (id->policies != mine) {
      throw store_error(fmt::format("{}: created with policies {}, opened with {}", where(),
                                    quote(joined(id->policies), 200), quote(joined(mine), 200)));
    }
  }

  // The engine as the storage holds it: the latest checkpoint, then the journal after it.
  dueday::engine load() {
    check_identity();
    sink.keep = false;
    std::optional<dueday::engine> e;
    // The checkpoint, the journal after it and the position of one state, even beside a writer.
    store->read_together([&] { e.emplace(load_state()); });
    sink.keep = true;
    sink.events.clear();
    return std::move(*e);
  }

  dueday::engine load_state() {
    std::optional<dueday::engine> e;
    std::optional<std::uint64_t> cp;
    try {
      // Piece by piece, case by case: neither the checkpoint's text nor its whole state is ever in memory.
      snapshot_restorer reader(cal, policies, sink, options.engine);
      cp = store->read_checkpoint([&](std::string_view part) { reader.feed(part); });
      if (cp) e.emplace(reader.finish());
    } catch (const store_error&) {
      throw;
    } catch (const error& x) {  // a refused snapshot (the store's own failures are store_error)
      const auto at = store->checkpoint_position();
      throw store_error(
          fmt::format("{}: checkpoint at position {}: {}", where(), at ? std::to_string(*at) : "?", x.what()));
    }
    if (!cp) e.emplace(cal, policies, sink, options.engine);
    std::uint64_t pos = cp.value_or(0);
    const std::string source = fmt::format("{} journal", store->name());
    store->read_journal(pos, [&](const journal_entry& j) {
      if (j.position != pos + 1) {
        throw store_error(fmt::format("{}: the journal skips from position {} to {}", where(), pos, j.position));
      }
      (void)e->apply(parse_command(j.command, source, static_cast<std::int64_t>(j.position)));
      pos = j.position;
    });
    const std::uint64_t stored = store->position();
    if (pos != stored) {
      throw store_error(fmt::format("{}: the journal ends at position {}, the store says {}", where(), pos, stored));
    }
    position = pos;
    sequence = store->last_sequence();
    checkpointed = cp.value_or(0);
    return std::move(*e);
  }

  // After a failed batch: the engine as the storage holds it again.
  void reload() {
    try {
      eng = load();
    } catch (const std::exception& x) {
      broken = x.what();
    }
  }

  std::vector<outcome> apply(std::span<const command> commands, std::span<const std::string> ids) {
    if (!broken.empty()) throw store_error(fmt::format("{}: unusable after a failed reload: {}", where(), broken));
    if (!ids.empty() && ids.size() != commands.size()) {
      throw std::invalid_argument("dueday::durable_engine::apply: ids must be empty or one per command");
    }
    std::vector<outcome> outs;
    outs.reserve(commands.size());
    std::vector<journal_entry> journal;
    std::vector<outbox_event> outbox;
    std::unordered_set<std::string_view> batch_ids;
    std::uint64_t pos = position;
    std::uint64_t seq = sequence;
    std::string why;
    const auto emit = [&](const event& e) { outbox.push_back({++seq, text.key(e, fingerprint), text.event_json(e)}); };
    const auto refused = [&](const command& c, const outcome& o, std::int64_t line) {
      event r;
      r.kind = event_kind::rejected;
      r.at = o.at;
      r.case_id = c.case_id;
      r.line = line;
      r.code = to_string(o.code);
      r.detail = o.reason;
      emit(r);
    };
    try {
      for (std::size_t i = 0; i < commands.size(); ++i) {
        const command& c = commands[i];
        const std::string_view id = ids.empty() ? std::string_view() : std::string_view(ids[i]);
        if (!id.empty() && (batch_ids.count(id) != 0 || store->has_command(id))) {
          outs.push_back({outcome::status::duplicate, reject_code::none, {}, eng.now()});
          continue;
        }
        auto line = journal_line(text, c, why);
        if (!line) {  // as replay does with a line it cannot read: refused, time unchanged, not journaled
          outs.push_back({outcome::status::rejected, reject_code::malformed, why, eng.now()});
          refused(c, outs.back(), 0);
          continue;
        }
        sink.events.clear();
        outs.push_back(eng.apply(c));
        journal.push_back({++pos, std::string(id), std::move(*line)});
        for (const event& e : sink.events) emit(e);
        if (outs.back().rejected()) refused(c, outs.back(), static_cast<std::int64_t>(pos));
        if (!id.empty()) batch_ids.insert(id);
      }
      sink.events.clear();
      if (!journal.empty() || !outbox.empty()) store->append(position, journal, outbox);
    } catch (...) {
      sink.events.clear();
      if (pos != position) reload();  // the engine applied commands the storage does not hold
      throw;
    }
    position = pos;
    sequence = seq;
    if (options.checkpoint_every != 0 && position - checkpointed >= options.checkpoint_every) {
      try {
        checkpoint();
        checkpoint_error.clear();
      } catch (const std::exception& x) {
        checkpoint_error = x.what();
      }
    }
    return outs;
  }

  void checkpoint() {
    if (!broken.empty()) throw store_error(fmt::format("{}: unusable after a failed reload: {}", where(), broken));
    if (position == checkpointed && store->checkpoint_position() == position) return;
    // Case by case from the engine into the storage's parts: neither the state nor its JSON is
    // ever whole in memory.
    store->write_checkpoint(position, [&](const chunk_sink& out) { write_snapshot_json(eng, out); });
    checkpointed = position;
    if (options.trim_journal) (void)store->trim_journal(position);  // its failure: the next checkpoint's trim
  }
};

durable_engine::durable_engine(std::unique_ptr<dueday::storage> store, calendar cal, policy_set policies,
                               durable_options options)
    : p_(std::make_unique<impl>(std::move(store), std::move(cal), std::move(policies), options)) {}
durable_engine::durable_engine(durable_engine&&) noexcept = default;
durable_engine& durable_engine::operator=(durable_engine&&) noexcept = default;
durable_engine::~durable_engine() = default;

std::vector<outcome> durable_engine::apply(std::span<const command> commands, std::span<const std::string> ids) {
  return p_->apply(commands, ids);
}
void durable_engine::checkpoint() { p_->checkpoint(); }
const std::string& durable_engine::last_checkpoint_error() const noexcept { return p_->checkpoint_error; }
const dueday::engine& durable_engine::engine() const noexcept { return p_->eng; }
dueday::storage& durable_engine::storage() noexcept { return *p_->store; }
std::uint64_t durable_engine::position() const noexcept { return p_->position; }

}  // namespace dueday
