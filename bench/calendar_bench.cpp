// Calendar queries per second: advance (add N working days), count (working days between) and
// add_working_time, for spans of 1-30 and 1-250 working days, and QuantLib's China(China::IB)
// advance(date, n, Days) on the same workload in the same run. Prints a summary with the ratio.
//
// A ratio between two libraries means something only when both give the same answers. So, before
// timing, the QuantLib build compares the two calendars over the years both have holiday data for:
// each day's kind, and advance(d, n) for every start day and n in 1..30 (and every timed query).
// Any disagreement is listed and the bench exits 1. The timed queries stay inside those years,
// start and result alike.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <dueday/dueday.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#ifdef DUEDAY_BENCH_QUANTLIB
#include <ql/time/calendars/china.hpp>
#include <ql/version.hpp>
#endif

namespace {

using namespace std::chrono;
using dueday::civil_day;
using dueday::working_days;

struct query {
  civil_day day;
  civil_day other;  // advance(day, n), for count
  std::int32_t n;
};

// The days the workload's queries start and end in: the years compared with QuantLib, or without
// QuantLib the calendar's notices. Set by main before any benchmark runs.
civil_day range_first{2007y / January / 1};
civil_day range_last{2024y / December / 31};

// A fixed-seed workload: start days uniform in the range, n uniform in [1, span], keeping only the
// queries whose result lies in the range too.
const std::vector<query>& workload(int span) {
  static std::map<int, std::vector<query>> cache;
  auto& w = cache[span];
  if (w.empty()) {
    const auto cal = dueday::builtin_calendar();
    std::mt19937 rng(20261129);
    std::uniform_int_distribution<int> day(0, static_cast<int>((range_last - range_first).count()));
    std::uniform_int_distribution<std::int32_t> n(1, span);
    while (w.size() < 4096) {
      query q{range_first + days{day(rng)}, {}, n(rng)};
      q.other = cal.advance(q.day, working_days{q.n}, dueday::coverage::provisional);
      if (q.other <= range_last) w.push_back(q);
    }
  }
  return w;
}

void BM_advance(benchmark::State& state) {
  const auto cal = dueday::builtin_calendar();
  const auto& w = workload(static_cast<int>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    const query& q = w[i++ & 4095];
    benchmark::DoNotOptimize(cal.advance(q.day, working_days{q.n}));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_count(benchmark::State& state) {
  const auto cal = dueday::builtin_calendar();
  const auto& w = workload(static_cast<int>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    const query& q = w[i++ & 4095];
    benchmark::DoNotOptimize(cal.count(q.day, q.other));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_add_working_time(benchmark::State& state) {
  const auto cal = dueday::builtin_calendar();
  const auto& w = workload(static_cast<int>(state.range(0)));
  std::vector<dueday::instant> starts;
  for (const auto& q : w) starts.push_back(cal.at(q.day, hours{10} + minutes{17}));
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 4095;
    benchmark::DoNotOptimize(
        cal.add_working_time(starts[k], cal.hours().per_day() * w[k].n, dueday::time_basis::office_hours));
  }
  state.SetItemsProcessed(state.iterations());
}

#ifdef DUEDAY_BENCH_QUANTLIB
QuantLib::Date to_quantlib(civil_day d) {
  const auto ymd = d.ymd();
  return {static_cast<QuantLib::Day>(static_cast<unsigned>(ymd.day())),
          static_cast<QuantLib::Month>(static_cast<unsigned>(ymd.month())),
          static_cast<QuantLib::Year>(static_cast<int>(ymd.year()))};
}

void BM_quantlib_advance(benchmark::State& state) {
  const QuantLib::Calendar cal = QuantLib::China(QuantLib::China::IB);
  std::vector<QuantLib::Date> dates;
  const auto& w = workload(static_cast<int>(state.range(0)));
  for (const auto& q : w) dates.push_back(to_quantlib(q.day));
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 4095;
    benchmark::DoNotOptimize(cal.advance(dates[k], w[k].n, QuantLib::Days));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_quantlib_advance)->Arg(30)->Arg(250);

// What both calendars can tell of a day. QuantLib's know business days and weekends only, so a
// holiday on a Saturday or Sunday is a weekend off to them, as is a plain weekend.
enum class day_class { working_weekday, makeup_weekend, weekday_off, weekend_off };

std::string_view to_string(day_class c) {
  switch (c) {
    case day_class::working_weekday:
      return "working weekday";
    case day_class::makeup_weekend:
      return "working weekend (make-up day)";
    case day_class::weekday_off:
      return "weekday off (holiday)";
    case day_class::weekend_off:
      return "weekend off";
  }
  return "?";
}

day_class classify(bool weekend, bool working) {
  if (weekend) return working ? day_class::makeup_weekend : day_class::weekend_off;
  return working ? day_class::working_weekday : day_class::weekday_off;
}

// QuantLib's China calendars list holidays up to some year and know only weekends and New Year's
// Day after it (its header says "data available for 2004-2019 only"; 1.29 has data to 2023). A
// year has data when it has weekday holidays beyond New Year's: every State Council notice gives
// at least three weekdays off for the Spring Festival and three for National Day.
bool quantlib_has_data(const QuantLib::Calendar& ql, int year) {
  int weekdays_off = 0;
  for (QuantLib::Date d(1, QuantLib::January, year); d <= QuantLib::Date(31, QuantLib::December, year); ++d)
    weekdays_off += !ql.isWeekend(d.weekday()) && !ql.isBusinessDay(d);
  return weekdays_off > 5;
}

// Days on which QuantLib is wrong, with the evidence. Such a disagreement does not fail the bench:
// it takes its year out of the compared and timed range, and the bench says so.
struct quantlib_erratum {
  civil_day day;
  std::string_view why;
};
const quantlib_erratum quantlib_errata[] = {
    {civil_day{2007y / April / 4},
     "QuantLib's Qingming rule closes April 4th in every year up to 2008, but Qingming became a day off\n"
     "    only in 2008: neither the 2007 notice (国办发明电〔2006〕49号) nor the exchanges' 2007 schedule closes it."},
};

struct agreement {
  int first_year = 0, last_year = 0;  // the years both have data for
  civil_day first, last;              // the years compared day by day and timed
  std::size_t days = 0;
  std::size_t advances = 0;
  std::vector<std::string> excluded;  // the errata met, each taking its year out
  std::size_t disagreements = 0;
  std::vector<std::string> examples;  // the first few disagreements

  void disagree(std::string what) {
    if (++disagreements <= 8) examples.push_back(std::move(what));
  }
};

// Compares dueday's calendar with QuantLib's China::IB (not SSE: the exchanges close on make-up
// weekends, the interbank market works them as the notices say). First each day's class over the
// years from dueday's first through the last one both have data for; a year with a known QuantLib
// erratum drops out, leaving the longest run of clean years. Then, over that run, advance(d, n)
// for every start day and n in 1..30 whose result stays in it, and every query of the timed
// workloads.
agreement compare_with_quantlib(const dueday::calendar& cal, const QuantLib::Calendar& ql) {
  agreement a;
  a.first_year = static_cast<int>(cal.first_covered().ymd().year());
  a.last_year = a.first_year - 1;
  while (cal.covers(civil_day{year{a.last_year + 1} / December / 31}) && quantlib_has_data(ql, a.last_year + 1))
    ++a.last_year;
  std::vector<bool> clean(static_cast<std::size_t>(a.last_year - a.first_year + 1), true);
  for (civil_day d{year{a.first_year} / January / 1}; d <= civil_day{year{a.last_year} / December / 31};
       d = d + days{1}) {
    const QuantLib::Date qd = to_quantlib(d);
    const day_class ours = classify(d.is_weekend(), cal.is_working_day(d));
    const day_class theirs = classify(ql.isWeekend(qd.weekday()), ql.isBusinessDay(qd));
    ++a.days;
    if (ours == theirs) continue;
    const int y = static_cast<int>(d.ymd().year());
    const auto known = std::find_if(std::begin(quantlib_errata), std::end(quantlib_errata),
                                    [&](const quantlib_erratum& e) { return e.day == d; });
    if (known != std::end(quantlib_errata)) {
      clean[static_cast<std::size_t>(y - a.first_year)] = false;
      a.excluded.push_back(fmt::format("{} left out: QuantLib has {} as a {}, dueday as a {}.\n    {}", y, d,
                                       to_string(theirs), to_string(ours), known->why));
      continue;
    }
    const dueday::day_info info = cal.day(d);
    a.disagree(fmt::format("{} ({}{}): dueday {}, QuantLib {}", d, dueday::to_string(info.kind),
                           info.name.empty() ? "" : " " + info.name, to_string(ours), to_string(theirs)));
  }
  int run_first = 0, run_length = 0;
  for (int y = a.first_year, from = y; y <= a.last_year; ++y) {
    if (!clean[static_cast<std::size_t>(y - a.first_year)])
      from = y + 1;
    else if (y - from + 1 > run_length)
      run_first = from, run_length = y - from + 1;
  }
  if (a.disagreements != 0 || run_length == 0) return a;
  a.first = civil_day{year{run_first} / January / 1};
  a.last = civil_day{year{run_first + run_length - 1} / December / 31};

  auto check_advance = [&](civil_day d, std::int32_t n) {
    const civil_day ours = cal.advance(d, working_days{n});
    const QuantLib::Date theirs = ql.advance(to_quantlib(d), n, QuantLib::Days);
    ++a.advances;
    if (to_quantlib(ours) != theirs)
      a.disagree(fmt::format("advance({}, {}): dueday {}, QuantLib {}-{:02}-{:02}", d, n, ours, theirs.year(),
                             static_cast<int>(theirs.month()), theirs.dayOfMonth()));
  };
  for (civil_day d = a.first; d <= a.last; d = d + days{1})
    for (std::int32_t n = 1; n <= 30 && cal.advance(d, working_days{n}, dueday::coverage::provisional) <= a.last; ++n)
      check_advance(d, n);
  range_first = a.first;
  range_last = a.last;
  for (const int span : {30, 250})
    for (const query& q : workload(span)) check_advance(q.day, q.n);
  return a;
}
#endif

BENCHMARK(BM_advance)->Arg(30)->Arg(250);
BENCHMARK(BM_count)->Arg(30)->Arg(250);
BENCHMARK(BM_add_working_time)->Arg(30)->Arg(250);

// Keeps each run's queries per second for the summary.
class summary_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      const auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rate[r.benchmark_name()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> rate;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const auto cal = dueday::builtin_calendar();
#ifdef DUEDAY_BENCH_QUANTLIB
  const agreement a = compare_with_quantlib(cal, QuantLib::China(QuantLib::China::IB));
  fmt::print("dueday vs QuantLib {} China(China::IB), {}-{} (the years both have holiday data for):\n", QL_VERSION,
             a.first_year, a.last_year);
  for (const auto& e : a.excluded) fmt::print("  {}\n", e);
  if (a.disagreements != 0 || a.advances == 0) {
    fmt::print("  {} disagreement(s) in {} days and {} advances; the first:\n", a.disagreements, a.days, a.advances);
    for (const auto& e : a.examples) fmt::print("    {}\n", e);
    return 1;
  }
  fmt::print("  checked {} days ({}-{}) and {} advances ({} to {}): all agree{}\n\n", a.days, a.first_year, a.last_year,
             a.advances, a.first, a.last, a.excluded.empty() ? "" : " but for the day(s) above");
#else
  range_first = cal.first_covered();
  range_last = cal.last_covered();
#endif

  summary_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  fmt::print("\nsummary (one core; start days and results {} to {}; spans 1-30 and 1-250 working days)\n", range_first,
             range_last);
  std::map<std::string, double> ratio;
  for (const char* span : {"30", "250"}) {
    for (const char* op : {"advance", "count", "add_working_time"}) {
      const double r = reporter.rate[fmt::format("BM_{}/{}", op, span)];
      if (r > 0) fmt::print("  {:<18} 1-{:<4} {:>8.1f} M queries/s  {:>6.2f} ns/query\n", op, span, r / 1e6, 1e9 / r);
    }
#ifdef DUEDAY_BENCH_QUANTLIB
    const double ql = reporter.rate[fmt::format("BM_quantlib_advance/{}", span)];
    const double ours = reporter.rate[fmt::format("BM_advance/{}", span)];
    if (ql > 0 && ours > 0) {
      fmt::print("  {:<18} 1-{:<4} {:>8.3f} M queries/s  {:>6.0f} ns/query  (QuantLib China::IB advance)\n", "quantlib",
                 span, ql / 1e6, 1e9 / ql);
      ratio[span] = ours / ql;
    }
#endif
  }
#ifdef DUEDAY_BENCH_QUANTLIB
  if (ratio.size() == 2)
    fmt::print(
        "  ratio advance / QuantLib: {:.0f}x for 1-30, {:.0f}x for 1-250 working days. The ratio grows with the\n"
        "  span: QuantLib's advance walks day by day, O(days spanned); dueday's looks up two tables, O(1).\n",
        ratio["30"], ratio["250"]);
#else
  fmt::print("  QuantLib not built in (apt-get install libquantlib0-dev): no ratio\n");
#endif
  return 0;
}
