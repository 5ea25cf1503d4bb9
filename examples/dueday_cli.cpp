// dueday — the command-line face of the library.
//
//   dueday day 2026-10-10                      2026-10-10 makeup-workday 国庆节
//   dueday add 2026-09-30 2                    2026-10-09
//   dueday between 2026-09-30 2026-10-12       4
//   dueday deadline 2026-09-30T10:00 2         2026-10-10T00:00:00+08:00
//   dueday deadline 2026-09-30T10:00 2 --rule hours --explain
//   dueday add --batch < pairs.csv             one date per "DATE,N" line
//   dueday replay --summary < commands.jsonl > events.jsonl
//   dueday report --month 2026-10 --events events.jsonl --format html -o circular.html
//   dueday run --db monitor.db --input commands.jsonl    (cli_run.hpp)
//   dueday tick --db monitor.db --now
//   dueday events --db monitor.db --consumer sms --ack --follow
//   dueday status --db monitor.db --at-risk
//   dueday serve --db monitor.db --listen 127.0.0.1:8490             (cli_serve.hpp)
//   dueday worker --nats nats://127.0.0.1:4222 --name w1            (cli_cluster.hpp)
//   dueday publish --nats nats://127.0.0.1:4222 --input commands.jsonl
//
// Every command takes --holidays DIR (default: the notices compiled into the library), --region
// NAME|FILE (a local overlay: DIR/regions/NAME.toml, or a file) and --provisional (project days
// past the last notice instead of failing). Bad input exits 2 with one line on stderr: text from
// the command line or stdin appears in it escaped and cut (dueday::quote), never raw.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <dueday/dueday.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli_cluster.hpp"
#include "cli_events.hpp"
#include "cli_replay.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "cli_serve.hpp"
#include "cli_status.hpp"

namespace {

using dueday::calendar;
using dueday::civil_day;
using dueday::quote;
using dueday::working_days;

constexpr int bad_input = 2;
constexpr std::int32_t max_days = 36500;

struct options {
  std::string holidays;
  std::string region;
  bool provisional = false;
  std::string date1, date2, count, rule = "civil";
  bool batch = false, explain = false, json = false, close_of_business = false;
};

// A usage or data problem: printed as one line, exit 2.
struct input_error {
  std::string message;
};

dueday::coverage cover(const options& o) {
  return o.provisional ? dueday::coverage::provisional : dueday::coverage::strict;
}

calendar load(const options& o) {
  calendar cal = o.holidays.empty() ? dueday::builtin_calendar() : dueday::load_calendar(o.holidays);
  if (!o.region.empty()) {
    std::filesystem::path file = o.region;
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))  // not taken for a NAME
      throw input_error{fmt::format("--region {}: is a directory (give an overlay file or a NAME)", o.region)};
    if (file.extension() != ".toml") {
      if (o.holidays.empty())
        throw input_error{fmt::format("--region {}: give a file, or --holidays DIR holding regions/{}.toml",
                                      quote(o.region), dueday::escape(o.region))};
      file = std::filesystem::path(o.holidays) / "regions" / (o.region + ".toml");
    }
    dueday::notice overlay = dueday::load_notice(file);
    if (overlay.region.empty()) throw dueday::parse_error(file.string(), 1, "an overlay needs region = \"...\"");
    cal = cal.with_overlay(std::move(overlay));
  }
  return cal;
}

civil_day date_arg(const std::string& text, std::string_view what) {
  civil_day d;
  if (!dueday::try_parse_civil_day(text, d))
    throw input_error{fmt::format("{}: bad date {} (expected YYYY-MM-DD)", what, quote(text))};
  return d;
}

std::int32_t count_arg(std::string_view text, std::string_view what) {
  std::int32_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || n < 1 || n > max_days) {
    throw input_error{fmt::format("{}: {} is not a number of working days from 1 to {}", what, quote(text), max_days)};
  }
  return n;
}

std::string suffix(const calendar& cal, civil_day d) { return cal.covers(d) ? "" : " provisional"; }

int run_day(const options& o) {
  const calendar cal = load(o);
  const auto info = cal.day(date_arg(o.date1, "DATE"), cover(o));
  fmt::print("{} {}{}{}{}\n", info.day, info.kind, info.name.empty() ? "" : " ", info.name,
             info.provisional ? " provisional" : "");
  return 0;
}

int run_add(const options& o) {
  const calendar cal = load(o);
  const civil_day d = cal.advance(date_arg(o.date1, "DATE"), working_days{count_arg(o.count, "N")}, cover(o));
  fmt::print("{}{}\n", d, suffix(cal, d));
  return 0;
}

char* put_day(char* p, civil_day d) {
  const auto ymd = d.ymd();
  auto two = [&](unsigned v) {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
  };
  const auto y = static_cast<unsigned>(static_cast<int>(ymd.year()));
  two(y / 100);
  two(y % 100);
  *p++ = '-';
  two(static_cast<unsigned>(ymd.month()));
  *p++ = '-';
  two(static_cast<unsigned>(ymd.day()));
  return p;
}

// DATE,N lines on stdin, one date per line on stdout. Output already computed is flushed before
// an error is reported, so nothing accepted is lost.
int run_batch(const options& o) {
  const calendar cal = load(o);
  const auto c = cover(o);
  std::vector<char> in(1 << 20);
  std::string carry;
  std::vector<char> out(1 << 16);
  std::size_t used = 0;
  long line = 0;
  auto flush = [&] {
    std::fwrite(out.data(), 1, used, stdout);
    used = 0;
  };
  // Keeps the dates already computed, then names the bad line.
  auto fail = [&](const std::string& message) {
    flush();
    throw input_error{fmt::format("stdin:{}: {}", line, message)};
  };
  auto one = [&](std::string_view s) {
    ++line;
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    if (s.empty()) return;
    const auto comma = s.find(',');
    civil_day d;
    std::int32_t n = 0;
    if (comma == std::string_view::npos || !dueday::try_parse_civil_day(s.substr(0, comma), d)) {
      fail(fmt::format("bad line {} (expected YYYY-MM-DD,N)", quote(s)));
    }
    const auto num = s.substr(comma + 1);
    const auto r = std::from_chars(num.data(), num.data() + num.size(), n);
    if (r.ec != std::errc{} || r.ptr != num.data() + num.size() || n < 1 || n > max_days) {
      fail(fmt::format("{} is not a number of working days from 1 to {}", quote(num), max_days));
    }
    civil_day r_day;
    try {
      r_day = cal.advance(d, working_days{n}, c);
    } catch (const dueday::error& e) {
      fail(e.what());
    }
    if (used + 32 > out.size()) flush();
    char* p = put_day(out.data() + used, r_day);
    if (!cal.covers(r_day)) {
      constexpr std::string_view flag = " provisional";
      p = std::copy(flag.begin(), flag.end(), p);
    }
    *p++ = '\n';
    used = static_cast<std::size_t>(p - out.data());
  };
  while (true) {
    const std::size_t got = std::fread(in.data(), 1, in.size(), stdin);
    if (got == 0) break;
    std::string_view chunk(in.data(), got);
    std::size_t start = 0;
    for (std::size_t nl; (nl = chunk.find('\n', start)) != std::string_view::npos; start = nl + 1) {
      if (!carry.empty()) {
        carry.append(chunk.substr(start, nl - start));
        one(carry);
        carry.clear();
      } else {
        one(chunk.substr(start, nl - start));
      }
    }
    carry.append(chunk.substr(start));
  }
  if (!carry.empty()) one(carry);
  flush();
  return 0;
}

int run_between(const options& o) {
  const calendar cal = load(o);
  const civil_day a = date_arg(o.date1, "DATE1");
  const civil_day b = date_arg(o.date2, "DATE2");
  const auto n = cal.count(a, b, cover(o));
  fmt::print("{}{}\n", n.count(), cal.covers(a) && cal.covers(b) ? "" : " provisional");
  return 0;
}

nlohmann::json to_json(const dueday::explanation& e, const calendar& cal) {
  nlohmann::json days = nlohmann::json::array();
  for (const auto& d : e.days) {
    days.push_back({{"date", dueday::format_civil_day(d.info.day)},
                    {"kind", dueday::to_string(d.info.kind)},
                    {"name", d.info.name},
                    {"notice", d.info.notice},
                    {"source", d.info.source},
                    {"counted", d.ordinal > 0},
                    {"ordinal", d.ordinal},
                    {"working_seconds", d.counted.count()},
                    {"provisional", d.info.provisional},
                    {"reason", d.reason}});
  }
  return {{"from", dueday::format_instant(e.from, cal.offset())},
          {"working_days", e.n.count()},
          {"rule", dueday::to_string(e.options.rule)},
          {"close_of_business", e.options.close_of_business},
          {"due", dueday::format_instant(e.result.due, cal.offset())},
          {"last_day", dueday::format_civil_day(e.result.last_day)},
          {"provisional", e.result.provisional},
          {"days", days}};
}

int run_deadline(const options& o) {
  const calendar cal = load(o);
  dueday::instant from;
  try {
    from = dueday::parse_instant(o.date1, cal.offset());
  } catch (const dueday::error& e) {
    throw input_error{fmt::format("DATETIME: {}", e.what())};
  }
  const std::int32_t n = count_arg(o.count, "N");
  const auto rule = dueday::parse_counting_rule(o.rule);
  if (!rule) throw input_error{fmt::format("--rule: {} (expected civil or hours)", quote(o.rule))};
  const dueday::deadline_options opts{*rule, o.close_of_business, cover(o)};
  if (!o.explain) {
    const auto r = dueday::deadline(cal, from, working_days{n}, opts);
    fmt::print("{}{}\n", dueday::format_instant(r.due, cal.offset()), r.provisional ? " provisional" : "");
    return 0;
  }
  const auto e = dueday::explain_deadline(cal, from, working_days{n}, opts);
  if (o.json) {
    fmt::print("{}\n", to_json(e, cal).dump());
    return 0;
  }
  fmt::print("{}{}\n", dueday::format_instant(e.result.due, cal.offset()), e.result.provisional ? " provisional" : "");
  fmt::print("  {} working days ({} rule{}) from {}; the period ends on {}\n", n, o.rule,
             o.close_of_business ? ", close of business" : "", dueday::format_instant(from, cal.offset()),
             e.result.last_day);
  static constexpr std::string_view weekday[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  for (const auto& d : e.days) {
    fmt::print("  {} {}  {}\n", d.info.day, weekday[d.info.day.weekday().c_encoding()], d.reason);
  }
  return 0;
}

int run_coverage(const options& o) {
  const calendar cal = load(o);
  fmt::print("covered {} to {}; provisional projection to {}; zone {} (UTC{:+03}:00)\n", cal.first_covered(),
             cal.last_covered(), cal.projection_end(), cal.zone(), cal.offset().count() / 3600);
  for (const auto& n : cal.notices()) {
    fmt::print("{} {} {} {} {}\n", n.region.empty() ? fmt::format("{}", n.year) : n.region, n.published,
               n.number.empty() ? "(number unknown)" : n.number, n.title, n.source);
  }
  return 0;
}

// The policies in `files`, or the bundled ones when there are none.
dueday::policy_set load_policies(const std::vector<std::string>& files) {
  if (files.empty()) return dueday::builtin_policies();
  std::vector<dueday::sla_policy> list;
  list.reserve(files.size());
  for (const auto& f : files) list.push_back(dueday::load_policy(f));
  return dueday::policy_set(std::move(list));
}

// An empty path given to option `name` is a mistake (an unset shell variable, say), never the
// default: throws input_error.
void refuse_empty(const CLI::App* at, const char* name, const std::vector<std::string>& values,
                  std::string_view expected) {
  if (at->get_option(name)->count() == 0) return;
  for (const auto& v : values)
    if (v.empty()) throw input_error{fmt::format("{}: empty (expected {})", name, expected)};
}

int run(int argc, char** argv) {
  options o;
  CLI::App app{"dueday: legal working-day deadlines for mainland China"};
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--holidays", o.holidays, "directory of holiday notices (*.toml); default: the bundled ones");
  app.add_option("--region", o.region, "local overlay: NAME (DIR/regions/NAME.toml) or a .toml file");
  app.add_flag("--provisional", o.provisional, "project days past the last notice instead of failing");

  auto* day = app.add_subcommand("day", "what a day is: workday, restday, holiday or makeup-workday");
  day->add_option("DATE", o.date1, "YYYY-MM-DD")->required();
  auto* add = app.add_subcommand("add", "the date N working days after DATE (DATE not counted)");
  add->add_option("DATE", o.date1, "YYYY-MM-DD");
  add->add_option("N", o.count, "working days, 1 or more");
  add->add_flag("--batch", o.batch, "read DATE,N lines on stdin, print one date per line");
  auto* between = app.add_subcommand("between", "working days d with DATE1 < d <= DATE2");
  between->add_option("DATE1", o.date1, "YYYY-MM-DD")->required();
  between->add_option("DATE2", o.date2, "YYYY-MM-DD")->required();
  auto* deadline = app.add_subcommand("deadline", "the deadline of N working days from DATETIME");
  deadline->add_option("DATETIME", o.date1, "ISO 8601; +08:00 when no offset is given")->required();
  deadline->add_option("N", o.count, "working days, 1 or more")->required();
  deadline->add_option("--rule", o.rule, "civil (default) or hours");
  deadline->add_flag("--close-of-business", o.close_of_business, "civil rule: end at close of business, not 24:00");
  deadline->add_flag("--explain", o.explain, "list every day and why it counts or not");
  deadline->add_flag("--json", o.json, "with --explain: one JSON object");
  auto* coverage = app.add_subcommand("coverage", "the years the holiday data covers, and its notices");
  dueday_cli::replay_args replay_args;
  auto* replay = dueday_cli::add_replay_command(app, replay_args);
  dueday_cli::report_args report_args;
  auto* report_command = dueday_cli::add_report_command(app, report_args);
  dueday_cli::run_args run_args;
  auto* run_command = dueday_cli::add_run_command(app, run_args);
  dueday_cli::tick_args tick_args;
  auto* tick_command = dueday_cli::add_tick_command(app, tick_args);
  dueday_cli::events_args events_args;
  auto* events_command = dueday_cli::add_events_command(app, events_args);
  dueday_cli::status_args status_args;
  auto* status_command = dueday_cli::add_status_command(app, status_args);
  dueday_cli::serve_args serve_args;
  auto* serve_command = dueday_cli::add_serve_command(app, serve_args);
  dueday_cli::worker_args worker_args;
  auto* worker_command = dueday_cli::add_worker_command(app, worker_args);
  dueday_cli::publish_args publish_args;
  auto* publish_command = dueday_cli::add_publish_command(app, publish_args);
  dueday_cli::cluster_events_args cluster_events_args;
  auto* cluster_events_command = dueday_cli::add_cluster_events_command(app, cluster_events_args);

  // "day, add, between, deadline, coverage, replay", for the message on a missing or unknown command.
  std::string commands;
  for (const CLI::App* c : app.get_subcommands([](const CLI::App*) { return true; }))
    commands += (commands.empty() ? "" : ", ") + c->get_name();
  // Every message is one line whatever reached it; the parts that echo input are cut already.
  const auto report = [](std::string_view message) {
    std::fflush(stdout);
    fmt::print(stderr, "dueday: {}\n", dueday::escape(message, std::string_view::npos));
    return bad_input;
  };

  try {
    // "--holidays=" reads as no value at all (CLI11 takes the next argument instead).
    for (int i = 1; i < argc; ++i) {
      const std::string_view a = argv[i];
      if (a == "--") break;
      if (a.starts_with("--") && a.find('=') == a.size() - 1)
        throw input_error{
            fmt::format("{}: empty (expected a value after '=')", dueday::escape(a.substr(0, a.size() - 1)))};
    }
    app.parse(argc, argv);
    refuse_empty(&app, "--holidays", {o.holidays}, "a directory of holiday notices");
    refuse_empty(&app, "--region", {o.region}, "a region NAME or a .toml file");
    refuse_empty(replay, "--policy", replay_args.policies, "a policy file");
    refuse_empty(replay, "--input", {replay_args.input}, "a file of commands");
    refuse_empty(replay, "--output", {replay_args.output}, "a file for the events");
    refuse_empty(report_command, "--events", {report_args.events}, "a file of events");
    refuse_empty(report_command, "--output", {report_args.output}, "a file for the report");
    refuse_empty(report_command, "--policy", report_args.policies, "a policy file");
    refuse_empty(run_command, "--db", {run_args.db}, "a store file");
    refuse_empty(run_command, "--input", {run_args.input}, "a file of commands");
    refuse_empty(run_command, "--policy", run_args.policies, "a policy file");
    refuse_empty(tick_command, "--db", {tick_args.db}, "a store file");
    refuse_empty(tick_command, "--policy", tick_args.policies, "a policy file");
    refuse_empty(events_command, "--db", {events_args.db}, "a store file");
    refuse_empty(status_command, "--db", {status_args.db}, "a store file");
    refuse_empty(status_command, "--policy", status_args.policies, "a policy file");
    refuse_empty(serve_command, "--db", {serve_args.db}, "a store file");
    refuse_empty(serve_command, "--token-file", {serve_args.token_file}, "a file holding the token");
    refuse_empty(serve_command, "--policy", serve_args.policies, "a policy file");
    refuse_empty(worker_command, "--policy", worker_args.policies, "a policy file");
    refuse_empty(publish_command, "--input", {publish_args.input}, "a file of commands, or -");
    const int rc = [&] {
      if (*day) return run_day(o);
      if (*add) {
        if (o.batch) {
          if (!o.date1.empty()) throw input_error{"add --batch takes no DATE or N (they come on stdin)"};
          return run_batch(o);
        }
        if (o.date1.empty() || o.count.empty()) throw input_error{"add: DATE and N are required (or --batch)"};
        return run_add(o);
      }
      if (*between) return run_between(o);
      if (*deadline) {
        if (o.json && !o.explain) throw input_error{"--json needs --explain"};
        return run_deadline(o);
      }
      if (*coverage) return run_coverage(o);
      if (*replay) return dueday_cli::run_replay(replay_args, load(o), load_policies(replay_args.policies));
      if (*report_command) return dueday_cli::run_report(report_args, load(o), load_policies(report_args.policies));
      if (*run_command) return dueday_cli::run_run(run_args, load(o), load_policies(run_args.policies));
      if (*tick_command) return dueday_cli::run_tick(tick_args, load(o), load_policies(tick_args.policies));
      if (*events_command) return dueday_cli::run_events(events_args);
      if (*status_command) return dueday_cli::run_status(status_args, load(o), load_policies(status_args.policies));
      if (*serve_command) return dueday_cli::run_serve(serve_args, load(o), load_policies(serve_args.policies));
      if (*worker_command) return dueday_cli::run_worker(worker_args, load(o), load_policies(worker_args.policies));
      if (*publish_command) return dueday_cli::run_publish(publish_args);
      if (*cluster_events_command) return dueday_cli::run_cluster_events(cluster_events_args);
      return 0;
    }();
    // Output that never reached its file (a full disk, a closed pipe) is no success.
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0)
      return report(fmt::format("stdout: write error ({})", std::strerror(errno)));
    return rc;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (app.get_subcommands().empty()) {  // no command was recognised: name the word in its place
      for (const auto& word : app.remaining())
        if (!word.starts_with('-'))
          return report(fmt::format("unknown command {} (expected {})", quote(word), commands));
      if (dynamic_cast<const CLI::RequiredError*>(&e))
        return report(fmt::format("a command is required (expected {})", commands));
    }
    // CLI11 echoes the arguments it did not expect: cut them like any other input.
    return report(dueday::escape(e.what(), 200));
  } catch (const input_error& e) {
    return report(e.message);
  } catch (const dueday::error& e) {
    return report(e.what());
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a bug or resource exhaustion, not bad input
    std::fflush(stdout);
    try {
      fmt::print(stderr, "dueday: internal error: {}\n", dueday::escape(e.what(), 1000));
    } catch (...) {  // no memory left even for the message
      std::fputs("dueday: internal error\n", stderr);
    }
    return 1;
  }
}
