// The pieces of the load-and-kill test (load_parts.hpp).
#include "load_parts.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dueday/store.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "../run_process.hpp"
#include "monitor/lines.hpp"

namespace load {

namespace {

std::atomic<pid_t> child{-1};

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

void fail(const std::string& why) {
  std::fprintf(stderr, "load test: FAILED: %s\n", why.c_str());
  std::fflush(stderr);
  if (const pid_t pid = child.load(); pid > 0) kill(pid, SIGKILL);
  _exit(1);
}

void check(bool ok, const std::string& why) {
  if (!ok) fail(why);
}

void set_child(pid_t pid) { child = pid; }

void watchdog(int seconds) {
  std::thread([seconds] {
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    fail("not done within " + std::to_string(seconds) + " s");
  }).detach();
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void check_log(const fs::path& log) {
  for (const auto& line : lines_of(log))
    check(line.starts_with("dueday: serving 127.0.0.1:"), "dueday serve wrote: " + line);
}

planner::planner(int k, std::uint64_t seed) : k_(k) {
  std::seed_seq s{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                  static_cast<std::uint32_t>(k)};
  rng_.seed(s);
}

// Opens case L<k>-<n>: its open command; its steps wait in live_.
std::string planner::open_case() {
  const std::string id = "L" + std::to_string(k_) + "-" + std::to_string(++cases_);
  const std::string c = "\"case\":\"" + id + "\"";
  const auto step = [&](const char* type, const char* name) {
    return std::string("{\"type\":\"") + type + "\"," + c + ",\"step\":\"" + name + "\"}";
  };
  live_case lc;
  if (rng_() % 30 == 0) lc.steps.push_back(step("complete", "connect"));  // out of turn: bad_transition
  lc.steps.push_back(step("start", "survey"));
  if (rng_() % 20 == 0) {
    lc.steps.push_back("{\"type\":\"cancel\"," + c + ",\"reason\":\"withdrawn\"}");
  } else {
    if (rng_() % 10 == 0) {  // paused for the customer (补正)
      lc.steps.push_back("{\"type\":\"pause\"," + c + ",\"step\":\"survey\",\"reason\":\"customer\"}");
      lc.steps.push_back(step("resume", "survey"));
    }
    lc.steps.push_back(step("complete", "survey"));
    lc.steps.push_back(step("start", "connect"));
    lc.steps.push_back(step("complete", "connect"));
  }
  lc.ready = 0;
  live_.push_back(std::move(lc));
  const bool external = rng_() % 5 == 0;
  const bool district = rng_() % 3 == 0;
  return "{\"type\":\"open\"," + c + R"(,"policy":"kunming-water-490","variant":")" +
         (external ? "external" : "no-external") + "\"" + (district ? R"(,"district":"盘龙区")" : "") + "}";
}

// Batches until a case's next step: mostly a few, sometimes a hundred (long enough for alerts).
int planner::delay() { return 1 + static_cast<int>(rng_() % 8 == 0 ? 20 + rng_() % 100 : rng_() % 10); }

std::vector<planned> planner::next_batch(int b, int mean) {
  const auto n = 1 + rng_() % static_cast<std::uint64_t>(2 * mean - 1);
  std::vector<planned> out;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string text;
    const auto r = rng_() % 100;
    if (r < 2) {
      text = R"({"type":"tick"})";
    } else if (r < 4) {
      text = R"({"type":"complete","case":"L)" + std::to_string(k_) + R"(-none","step":"survey"})";
    } else if (const auto at = live_.empty() ? 0 : rng_() % live_.size(); !live_.empty() && live_[at].ready <= b) {
      live_case& lc = live_[at];
      text = lc.steps[lc.next++];
      lc.ready = b + delay();
      if (lc.next == lc.steps.size()) {
        live_[at] = std::move(live_.back());
        live_.pop_back();
      }
    } else if (live_.size() < 48) {
      text = open_case();
      live_.back().ready = b + delay();
    } else {
      continue;  // every case waits for a later batch: this one is smaller
    }
    out.push_back({"k" + std::to_string(k_) + "-" + std::to_string(++commands_), std::move(text)});
  }
  if (out.empty()) out.push_back({"k" + std::to_string(k_) + "-" + std::to_string(++commands_), R"({"type":"tick"})"});
  return out;
}

std::string client::body(const std::vector<planned>& batch, const std::string& at, bool array) {
  std::string out = array ? "[" : "";
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (array && i > 0) out += ",";
    out += "{\"id\":\"" + batch[i].id + "\",\"at\":\"" + at + "\"," + batch[i].text.substr(1);
    if (!array) out += "\n";
  }
  return array ? out + "]" : out;
}

void client::take_answer(const std::vector<planned>& batch, const std::string& answer, bool resent) {
  std::istringstream in(answer);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    expect(n < batch.size(), "client {}: more outcomes than commands: {}", k, line);
    const auto o = nlohmann::json::parse(line);
    expect(o.at("line") == n + 1 && o.at("id") == batch[n].id, "client {}: outcome {} for {}", k, line, batch[n].id);
    std::string outcome = o.at("outcome");
    if (outcome == "rejected") outcome += " " + o.at("code").get<std::string>();
    expect(outcome != "rejected malformed", "client {}: a malformed command: {}", k, line);
    expect(outcome != "duplicate" || resent, "client {}: a duplicate on a first send: {}", k, line);
    duplicates += outcome == "duplicate" ? 1 : 0;
    expect(outcomes.emplace(batch[n].id, outcome).second, "client {}: {} answered twice", k, batch[n].id);
  }
  expect(n == batch.size(), "client {}: {} outcomes for {} commands", k, n, batch.size());
}

void consumer::take(const std::vector<std::string>& pending, std::size_t n) {
  taken.insert(taken.end(), pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
}

void consumer::compare_refetched(std::uint64_t after, const std::vector<std::string>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::uint64_t seq = after + 1 + i;
    if (seq <= seen.size()) {
      check(seen[seq - 1] == lines[i],
            name + ": event " + std::to_string(seq) + " read again differs: " + lines[i] + " was " + seen[seq - 1]);
      ++refetched;
    } else {
      seen.push_back(lines[i]);
    }
  }
}

verdict verify(const std::string& dueday, const fs::path& work, const fs::path& db, const std::vector<client>& clients,
               const std::vector<consumer>& consumers) {
  dueday::sqlite_options reader;
  reader.read_only = true;
  dueday::sqlite_storage store(db, reader);
  verdict v;
  // The journal: every id once, positions 1, 2, ...; its commands in journal order, with their ids.
  std::unordered_map<std::string, std::uint64_t> position;
  {
    std::ofstream out(work / "journal.jsonl", std::ios::binary);
    store.read_journal(0, [&](const dueday::journal_entry& j) {
      check(j.position == ++v.commands, "the journal skips to position " + std::to_string(j.position));
      check(!j.id.empty() && position.emplace(j.id, j.position).second, "journal id '" + j.id + "' twice or empty");
      out << "{\"id\":\"" << j.id << "\"," << j.command.substr(1) << "\n";
    });
  }
  check(dueday::test::run_to_files({dueday, "replay", "--input", (work / "journal.jsonl").string()}, "/dev/null",
                                   (work / "replayed.jsonl").string()) == 0,
        "dueday replay failed");
  const std::vector<std::string> replayed = lines_of(work / "replayed.jsonl");
  std::unordered_map<std::uint64_t, std::string> refused;  // journal position: code, as the replay refused it
  for (const auto& line : replayed) {
    const auto e = nlohmann::json::parse(line);
    if (e.at("type") == "rejected") refused[e.at("line").get<std::uint64_t>()] = e.at("code").get<std::string>();
  }
  // Every answer a client read agrees with the journal and the replay.
  std::size_t answered = 0;
  for (const auto& c : clients) {
    for (const auto& [id, outcome] : c.outcomes) {
      const auto p = position.find(id);
      expect(p != position.end(), "{} was answered {} but is not in the journal", id, outcome);
      const auto r = refused.find(p->second);
      if (outcome == "accepted") {
        expect(r == refused.end(), "{} was answered accepted, the replay refuses it", id);
        ++v.accepted;
      } else if (outcome != "duplicate") {
        expect(r != refused.end() && outcome == "rejected " + r->second, "{} was answered {}", id, outcome);
      }
    }
    answered += c.outcomes.size();
  }
  check(answered == position.size(), "the journal has " + std::to_string(position.size()) + " commands, " +
                                         std::to_string(answered) + " were answered");
  // The outbox: the replay's events byte for byte, and what every consumer took.
  std::vector<std::string> lines;
  for (std::uint64_t after = 0;;) {
    const auto events = store.read_events(after, 1000);
    if (events.empty()) break;
    for (const auto& e : events) {
      check(e.sequence == after + 1,
            "outbox sequence " + std::to_string(e.sequence) + " after " + std::to_string(after));
      check(after < replayed.size() && e.json == replayed[after],
            "outbox event " + std::to_string(e.sequence) + " is " + e.json + ", the replay's " +
                (after < replayed.size() ? replayed[after] : "nothing"));
      std::string line;
      dueday::monitor::append_event_line(line, e, store.name());
      lines.push_back(std::move(line));
      after = e.sequence;
    }
  }
  v.events = lines.size();
  check(v.events == replayed.size(),
        "the outbox has " + std::to_string(v.events) + " events, the replay " + std::to_string(replayed.size()));
  for (const auto& c : consumers) {
    check(c.taken.size() == lines.size(),
          c.name + " took " + std::to_string(c.taken.size()) + " events of " + std::to_string(lines.size()));
    for (std::size_t i = 0; i < lines.size(); ++i)
      check(c.taken[i] == lines[i], c.name + "'s event " + std::to_string(i + 1) + " is " + c.taken[i]);
    check(store.acknowledged(c.name) == lines.size(), c.name + " is not acknowledged at the last event");
  }
  return v;
}

}  // namespace load
