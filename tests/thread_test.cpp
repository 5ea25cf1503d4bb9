// Calendars and engines used from several threads at once. Each thread's answers must equal the
// answers computed on one thread beforehand, compared whole, so a race that changes a result fails
// here even where ThreadSanitizer is not watching. Linked into dueday_tests and, alone, into
// dueday_thread_tests, which CI runs again under ThreadSanitizer (preset tsan).
#include <doctest/doctest.h>
#include <dueday/error.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/policy.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <fstream>
#include <functional>
#include <latch>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono;
using namespace dueday;

namespace {

constexpr int thread_count = 4;

// Runs work(t) for t in [0, thread_count) on as many threads, released together so that they
// overlap, and returns what each returned. An exception becomes that thread's entry in `errors`.
template <class Result>
std::vector<Result> on_threads(const std::function<Result(int)>& work, std::vector<std::string>& errors) {
  std::vector<Result> results(thread_count);
  errors.assign(thread_count, "");
  std::latch start(thread_count);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        results[static_cast<std::size_t>(t)] = work(t);
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(t)] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  return results;
}

// Everything a calendar answers over 2007-2026, in a fixed order.
struct answers {
  std::vector<std::int64_t> numbers;  // day kinds, advance (serial days), count, add_working_time (s)
  std::vector<std::string> names;     // each day's holiday name and notice
  friend bool operator==(const answers&, const answers&) = default;
};

// Where two answer sets first differ, for the failure message; empty when they are equal.
std::string first_difference(const answers& a, const answers& b) {
  if (a.numbers.size() != b.numbers.size() || a.names.size() != b.names.size()) return "sizes differ";
  for (std::size_t i = 0; i < a.numbers.size(); ++i)
    if (a.numbers[i] != b.numbers[i])
      return "numbers[" + std::to_string(i) + "]: " + std::to_string(a.numbers[i]) + " vs " +
             std::to_string(b.numbers[i]);
  for (std::size_t i = 0; i < a.names.size(); ++i)
    if (a.names[i] != b.names[i]) return "names[" + std::to_string(i) + "]: " + a.names[i] + " vs " + b.names[i];
  return "";
}

// The first line where two texts differ, for the failure message; empty when they are equal.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(sa, la));
    const bool more_b = static_cast<bool>(std::getline(sb, lb));
    if (!more_a && !more_b) return "";
    if (more_a != more_b || la != lb) return "line " + std::to_string(line) + ": " + la + " vs " + lb;
  }
}

constexpr std::int64_t outside = std::numeric_limits<std::int64_t>::min();  // coverage_error

std::int64_t serial(civil_day d) { return d.days().time_since_epoch().count(); }

// What each day of 2007-2026 is; advance by N in [-20, 40] and a few long N (provisional, so the
// projection after 2026 is used too); count over spans of -400..400 days; add_working_time from
// three times of day, in both bases. A query that leaves the data records `outside`.
answers calendar_answers(const calendar& cal) {
  answers r;
  auto record = [&r](const auto& query) {
    try {
      r.numbers.push_back(query());
    } catch (const coverage_error&) {
      r.numbers.push_back(outside);
    }
  };
  std::vector<int> ns;
  for (int n = -20; n <= 40; ++n) ns.push_back(n);
  for (int n : {60, 90, 120, 250, 500}) ns.push_back(n);
  const int spans[] = {-400, -30, -7, -1, 0, 1, 2, 3, 7, 10, 30, 100, 400};
  const seconds times[] = {hours{0}, hours{10}, hours{16} + minutes{30}};
  const working_time amounts[] = {seconds{0}, hours{1}, hours{7}, hours{24}, hours{49}, hours{240}};

  for (civil_day d{2007y / January / 1}; d <= civil_day{2026y / December / 31}; d = d + days{1}) {
    const day_info info = cal.day(d);
    r.numbers.push_back(static_cast<std::int64_t>(info.kind));
    r.names.push_back(info.name);
    r.names.push_back(info.notice);
    for (int n : ns) record([&] { return serial(cal.advance(d, working_days{n}, coverage::provisional)); });
    for (int k : spans) record([&] { return std::int64_t{cal.count(d, d + days{k}).count()}; });
    for (time_basis basis : {time_basis::whole_day, time_basis::office_hours})
      for (seconds tod : times)
        for (working_time w : amounts)
          record([&] { return cal.add_working_time(cal.at(d, tod), w, basis).time_since_epoch().count(); });
  }
  return r;
}

// The commands of the shipped October 2026 example.
std::string october_commands() {
  std::ifstream in(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl");
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The JSON Lines of the events the October example gives through an engine of its own.
std::string replay_october(const std::string& commands) {
  std::istringstream in(commands);
  vector_sink out;
  engine e(builtin_calendar(), builtin_policies(), out);
  (void)replay(in, "commands.jsonl", e, out);
  std::string text;
  for (const auto& ev : out.events) text += to_json(ev) + "\n";
  return text;
}

}  // namespace

// First in the file: in a process of its own (ctest runs each case so, and dueday_thread_tests
// runs this one first) it is the first use of builtin_calendar(), which must be built once.
TEST_CASE("threads: builtin_calendar() first called on several threads at once answers as one built alone") {
  const answers reference = calendar_answers(load_calendar(DUEDAY_HOLIDAYS_DIR));
  std::vector<std::string> errors;
  const auto results = on_threads<answers>([](int) { return calendar_answers(builtin_calendar()); }, errors);
  for (std::size_t t = 0; t < results.size(); ++t) {
    INFO("thread ", t, ": ", errors[t], first_difference(results[t], reference));
    CHECK(errors[t].empty());
    const bool same = results[t] == reference;  // whole; INFO says where they differ
    CHECK(same);
  }
}

TEST_CASE("threads: calendar copies on several threads answer as one thread did over 2007-2026") {
  const answers reference = calendar_answers(builtin_calendar());
  REQUIRE(reference.numbers.size() > 500'000);
  CHECK(std::count(reference.numbers.begin(), reference.numbers.end(), outside) > 0);  // the edges
  std::vector<std::string> errors;
  const auto results = on_threads<answers>(
      [](int) {
        const calendar mine = builtin_calendar();  // a copy per thread, sharing the tables
        return calendar_answers(mine);
      },
      errors);
  for (std::size_t t = 0; t < results.size(); ++t) {
    INFO("thread ", t, ": ", errors[t], first_difference(results[t], reference));
    CHECK(errors[t].empty());
    const bool same = results[t] == reference;  // whole; INFO says where they differ
    CHECK(same);
  }
}

TEST_CASE("threads: one engine per thread replays the October example to the same events as one alone") {
  const std::string commands = october_commands();
  const std::string reference = replay_october(commands);
  REQUIRE(std::count(reference.begin(), reference.end(), '\n') > 1000);
  std::vector<std::string> errors;
  const auto results = on_threads<std::string>([&](int) { return replay_october(commands); }, errors);
  for (std::size_t t = 0; t < results.size(); ++t) {
    INFO("thread ", t, ": ", errors[t], first_difference(results[t], reference));
    CHECK(errors[t].empty());
    const bool same = results[t] == reference;  // whole; INFO says where they differ
    CHECK(same);
  }
}
