// `dueday events`: a durable store's outbox as JSON Lines, one event per line (see README.md).
//
// Each line is the stored event (to_json, as replay writes it) with two fields put first: `seq`,
// its sequence number, and `key`, its idempotency key (store.hpp) as a JSON array. With
// --consumer NAME --ack, the events of a batch are written and stdout flushed before the batch is
// acknowledged: a consumer that dies mid-way is given the unacknowledged rest again (at least
// once), and tells repeats apart by the key.
//
// --follow polls: 200 ms after a poll that found events, then twice as long after each that found
// none, up to 2 s. The store is open only while it is read, so a writer that locks it while open
// (store.hpp) is held up at most for one read. SIGINT and SIGTERM end the loop after the batch in hand (printed and
// acknowledged), exit 0; --follow-for ends it with one last poll.
#include "cli_events.hpp"

#include <fmt/format.h>
#include <dueday/error.hpp>
#include <dueday/store.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "cli_store.hpp"
#include "monitor/lines.hpp"

namespace dueday_cli {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::size_t batch_size = 1000;
constexpr milliseconds first_interval{200};
constexpr milliseconds longest_interval{2000};
constexpr double most_seconds = 366.0 * 86400;  // --follow-for
constexpr std::size_t max_consumer = 200;       // bytes of a consumer name

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_stop_signal(int) { stop_requested = 1; }

std::uint64_t number_arg(const std::string& text, const char* option, std::uint64_t least, const char* expected) {
  std::uint64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || n < least)
    throw dueday::error(fmt::format("{}: {} is not {}", option, dueday::quote(text), expected));
  return n;
}

std::optional<milliseconds> follow_for(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double s = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), s, std::chars_format::fixed);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || !(s > 0) || s > most_seconds)
    throw dueday::error(fmt::format("--follow-for: {} is not a number of seconds (more than 0, at most {})",
                                    dueday::quote(text), most_seconds));
  return milliseconds{std::llround(s * 1000)};
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

CLI::App* add_events_command(CLI::App& app, events_args& a) {
  auto* c = app.add_subcommand("events", "print a store's events as JSON Lines (seq, key, then the event)");
  c->add_option("--db", a.db, "the store file (written by dueday run)")->required();
  c->add_option("--after", a.after, "start after this sequence number (default 0: from the first event)");
  c->add_option("--consumer", a.consumer, "start after what this consumer acknowledged (registering it)");
  c->add_flag("--ack", a.ack, "with --consumer: acknowledge each batch once it is written and flushed");
  c->add_flag("--follow", a.follow, "keep polling for new events until SIGINT or SIGTERM");
  c->add_option("--follow-for", a.follow_for, "with --follow: stop after SECONDS (may have a fraction)");
  c->add_option("--limit", a.limit, "print at most N events (1 or more), then stop");
  return c;
}

int run_events(const events_args& a) {
  if (a.ack && a.consumer.empty()) throw dueday::error("--ack needs --consumer NAME");
  if (!a.after.empty() && !a.consumer.empty())
    throw dueday::error("--after and --consumer exclude each other (a consumer starts after what it acknowledged)");
  if (!a.follow_for.empty() && !a.follow) throw dueday::error("--follow-for needs --follow");
  if (!a.consumer.empty() &&
      (a.consumer.size() > max_consumer || dueday::escape(a.consumer, max_consumer) != a.consumer))
    throw dueday::error(fmt::format("--consumer: {} is not a name (printable UTF-8, 1 to {} bytes)",
                                    dueday::quote(a.consumer), max_consumer));
  std::uint64_t next = a.after.empty() ? 0 : number_arg(a.after, "--after", 0, "a sequence number (0 or more)");
  std::uint64_t left =
      a.limit.empty() ? UINT64_MAX : number_arg(a.limit, "--limit", 1, "a number of events (1 or more)");
  const auto bound = follow_for(a.follow_for);
  const auto access = a.consumer.empty() ? store_access::read : store_access::read_write;

  auto store = open_store(a.db, access);
  const std::string name = store->name();
  if (!a.consumer.empty()) {
    store->register_consumer(a.consumer);
    next = store->acknowledged(a.consumer).value_or(0);
  }
  if (a.follow) install_stop_handlers();
  const auto until = bound ? steady_clock::now() + *bound : steady_clock::time_point::max();
  milliseconds interval = first_interval;
  bool last_poll = false;
  std::string out;
  while (left > 0) {
    if (!store) store = open_store(a.db, access);
    const auto batch = store->read_events(next, static_cast<std::size_t>(std::min<std::uint64_t>(left, batch_size)));
    out.clear();
    for (const auto& e : batch) dueday::monitor::append_event_line(out, e, name);
    if (!batch.empty()) {
      if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
        throw dueday::error(fmt::format("stdout: write error ({})", std::strerror(errno)));
      next = batch.back().sequence;
      left -= batch.size();
      if (a.ack) store->acknowledge(a.consumer, next);
      interval = first_interval;
      if (batch.size() == batch_size && !stop_requested) continue;  // more may be waiting
    }
    if (!a.follow || stop_requested || left == 0 || last_poll) break;
    store.reset();  // not held open between polls
    const auto wake = steady_clock::now() + interval;
    if (batch.empty()) interval = std::min(interval * 2, longest_interval);
    while (!stop_requested && steady_clock::now() < wake && steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds{20});
    if (stop_requested) break;
    last_poll = steady_clock::now() >= until;  // --follow-for is over: one more poll
  }
  return 0;
}

}  // namespace dueday_cli
