// Calendar queries per second: advance (add N working days), count (working days between) and
// add_working_time, for spans of 1-30 and 1-250 working days, and QuantLib's China(China::IB)
// advance(date, n, Days) on the same workload in the same run. Prints a summary with the ratio.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <dueday/dueday.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#ifdef DUEDAY_BENCH_QUANTLIB
#include <ql/time/calendars/china.hpp>
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

// A fixed-seed workload: start days 2007-01-01..2024-12-31, n uniform in [1, span].
const std::vector<query>& workload(int span) {
  static std::map<int, std::vector<query>> cache;
  auto& w = cache[span];
  if (w.empty()) {
    const auto cal = dueday::builtin_calendar();
    std::mt19937 rng(20261129);
    const civil_day first{2007y / January / 1};
    std::uniform_int_distribution<int> day(0, static_cast<int>((civil_day{2024y / December / 31} - first).count()));
    std::uniform_int_distribution<std::int32_t> n(1, span);
    for (int i = 0; i < 4096; ++i) {
      query q{first + days{day(rng)}, {}, n(rng)};
      q.other = cal.advance(q.day, working_days{q.n});
      w.push_back(q);
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
void BM_quantlib_advance(benchmark::State& state) {
  const QuantLib::Calendar cal = QuantLib::China(QuantLib::China::IB);
  std::vector<QuantLib::Date> dates;
  const auto& w = workload(static_cast<int>(state.range(0)));
  for (const auto& q : w) {
    const auto ymd = q.day.ymd();
    dates.emplace_back(static_cast<QuantLib::Day>(static_cast<unsigned>(ymd.day())),
                       static_cast<QuantLib::Month>(static_cast<unsigned>(ymd.month())),
                       static_cast<QuantLib::Year>(static_cast<int>(ymd.year())));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 4095;
    benchmark::DoNotOptimize(cal.advance(dates[k], w[k].n, QuantLib::Days));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_quantlib_advance)->Arg(30)->Arg(250);
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
  summary_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  fmt::print("\nsummary (one core; spans are 1-30 and 1-250 working days)\n");
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
      fmt::print("  ratio advance / QuantLib, 1-{}: {:.0f}x\n", span, ours / ql);
    }
#else
    fmt::print("  QuantLib not built in (apt-get install libquantlib0-dev): no ratio\n");
#endif
  }
  return 0;
}
