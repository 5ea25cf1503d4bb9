// detail::canonical_case_reader (snapshot_canonical.hpp): a case in exactly the writer's form, read
// without a tree.
#include "detail/snapshot_canonical.hpp"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "detail/snapshot_fields.hpp"
#include "detail/utf8.hpp"

namespace dueday::detail {

namespace {

// Whether the N bytes at a and b are the same, in 8-byte words (memcmp of a constant length stays a
// call once the length passes 16 bytes or so).
template <std::size_t N>
bool same(const char* a, const char* b) noexcept {
  if constexpr (N < 8) {
    return std::memcmp(a, b, N) == 0;
  } else {
    const auto word = [](const char* p) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      return w;
    };
    std::uint64_t diff = 0;
    for (std::size_t i = 0; i + 8 <= N; i += 8) diff |= word(a + i) ^ word(b + i);
    if constexpr (N % 8 != 0) diff |= word(a + N - 8) ^ word(b + N - 8);
    return diff == 0;
  }
}

// A case in exactly the writer's form (see snapshot_canonical.hpp), read without a tree: read()
// gives the bytes it took, or 0 when the text is anything else (then nothing is to be trusted in
// the record, and the tree reader takes the case).
class canonical_case {
 public:
  canonical_case(std::string_view text, canonical_case_reader::last_instant& last, std::int64_t version)
      : begin_(text.data()), p_(text.data()), end_(p_ + text.size()), last_(last), short_clocks_(version >= 4) {}

  std::size_t read(case_record& r) {
    std::uint64_t district = 0;
    if (!lit(R"({"id":)") || !str(r.id) || !lit(R"(,"policy":)") || !str(r.policy) || !lit(R"(,"variant":)") ||
        !str(r.variant) || !lit(R"(,"status":)") || !case_status_of(r.status) || !lit(R"(,"opened":)") ||
        !time(r.opened) || !lit(R"(,"closed":)"))
      return 0;
    if (r.status == case_status::open ? !lit("null") : !time(r.closed)) return 0;
    if (r.status == case_status::open) r.closed = instant{};
    if (!lit(R"(,"clocks":[)")) return 0;
    for (bool first = true; !lit("]"); first = false) {
      if ((!first && !lit(",")) || !clock(r.clocks.emplace_back())) return 0;
    }
    if (!lit(R"(,"transitions":[)")) return 0;
    for (bool first = true; !lit("]"); first = false) {
      if (!first && !lit(",")) return 0;
      transition_record& t = r.transitions.emplace_back();
      std::uint64_t step = 0;
      if (!lit(R"({"step":)") || !number(255, step) || !lit(R"(,"pause":)") || !boolean(t.pause) || !lit(R"(,"at":)") ||
          !time(t.at) || !lit("}"))
        return 0;
      t.step = static_cast<std::uint8_t>(step);
    }
    if (!lit(R"(,"district":)") || !number(0xffffffff, district) || !lit("}")) return 0;
    r.district = static_cast<std::uint32_t>(district);
    return static_cast<std::size_t>(p_ - begin_);
  }

 private:
  bool clock(clock_record& c) {
    std::uint64_t elapsed = 0, fired = 0, unit = 0;
    step_timer::raw& t = c.timer;
    if (!lit(R"({"state":)") || !timer_state_of(t.state)) return false;
    if (short_clocks_ && t.state == step_timer::status::idle && lit(R"(,"unit":)")) {  // nothing else set
      if (!number(0xffffffff, unit) || !lit("}")) return false;
      c.unit = static_cast<std::uint32_t>(unit);
      return true;
    }
    if (!lit(R"(,"first_count":)") || !time(t.first_count) || !lit(R"(,"run_from":)") || !time(t.run_from) ||
        !lit(R"(,"mark":)") || !time(t.mark) || !lit(R"(,"due":)") || !time(t.due) || !lit(R"(,"elapsed":)") ||
        !number(static_cast<std::uint64_t>(snapshot_max_elapsed), elapsed) || !lit(R"(,"provisional":)") ||
        !boolean(t.provisional) || !lit(R"(,"overran":)") || !boolean(t.overran) || !lit(R"(,"commanded":)"))
      return false;
    if (!lit("null")) {
      instant at{};
      if (!time(at)) return false;
      c.commanded = at;
    }
    if (!lit(R"(,"waiting":)") || !boolean(c.waiting) || !lit(R"(,"completed":)") || !boolean(c.completed) ||
        !lit(R"(,"fired":)") || !number(255, fired) || !lit(R"(,"unit":)") || !number(0xffffffff, unit) || !lit("}"))
      return false;
    t.elapsed = working_time{static_cast<std::int64_t>(elapsed)};
    c.fired = static_cast<std::uint8_t>(fired);
    c.unit = static_cast<std::uint32_t>(unit);
    return true;
  }

  // A status or state name in quotes, as the writer writes it (see snapshot_fields.hpp).
  bool case_status_of(case_status& out) {
    static_assert(
        snapshot_case_statuses[0] == case_status::open && snapshot_case_statuses[1] == case_status::completed &&
        snapshot_case_statuses[2] == case_status::cancelled && snapshot_case_statuses[3] == case_status::out_of_scope);
    if (lit(R"("open")")) return out = case_status::open, true;
    if (lit(R"("completed")")) return out = case_status::completed, true;
    if (lit(R"("cancelled")")) return out = case_status::cancelled, true;
    if (lit(R"("out_of_scope")")) return out = case_status::out_of_scope, true;
    return false;
  }
  bool timer_state_of(step_timer::status& out) {
    static_assert(snapshot_timer_states[0] == "idle" && snapshot_timer_states[1] == "running" &&
                  snapshot_timer_states[2] == "paused" && snapshot_timer_states[3] == "stopped");
    if (lit(R"("idle")")) return out = step_timer::status::idle, true;
    if (lit(R"("running")")) return out = step_timer::status::running, true;
    if (lit(R"("paused")")) return out = step_timer::status::paused, true;
    if (lit(R"("stopped")")) return out = step_timer::status::stopped, true;
    return false;
  }

  // A literal of known length: the comparison compiles to a few loads, not a call.
  template <std::size_t N>
  bool lit(const char (&s)[N]) {
    constexpr std::size_t n = N - 1;
    if (static_cast<std::size_t>(end_ - p_) < n || !same<n>(p_, s)) return false;
    p_ += n;
    return true;
  }
  // A string with no escape or control character, UTF-8 (checked only when a byte is not ASCII).
  bool str(std::string& out) {
    if (p_ == end_ || *p_ != '"') return false;
    const char* const b = ++p_;
    unsigned char high = 0;
    while (p_ != end_ && *p_ != '"') {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '\\' || c < 0x20) return false;
      high |= c;
      ++p_;
    }
    if (p_ == end_) return false;
    out.assign(b, p_++);
    return high < 0x80 || is_utf8(out);
  }
  bool boolean(bool& b) { return lit("true") ? (b = true) : lit("false") ? !(b = false) : false; }
  // A whole number in 0..most, as JSON writes it (no leading zero), followed by what is not a
  // digit, '.', 'e' or 'E' (those would make it another number).
  bool number(std::uint64_t most, std::uint64_t& v) {
    const char* const b = p_;
    v = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9' && p_ - b < 19) v = v * 10 + static_cast<std::uint64_t>(*p_++ - '0');
    if (p_ == b || (*b == '0' && p_ - b > 1) || v > most) return false;
    return p_ != end_ && *p_ != '.' && *p_ != 'e' && *p_ != 'E' && (*p_ < '0' || *p_ > '9');
  }
  // "YYYY-MM-DDTHH:MM:SS+08:00", a real date and time in the years 1900..2999.
  bool time(instant& t) {
    using namespace std::chrono;
    constexpr std::string_view form = "\"dddd-dd-ddTdd:dd:dd+08:00\"";
    if (static_cast<std::size_t>(end_ - p_) < form.size()) return false;
    // Instants repeat from one field to the next (an idle clock's four, the steps started together).
    if (last_.known && same<form.size()>(p_, last_.text.data())) {
      t = last_.value;
      p_ += form.size();
      return true;
    }
    int d[14];
    int n = 0;
    for (std::size_t i = 0; i < form.size(); ++i) {
      if (form[i] == 'd') {
        if (p_[i] < '0' || p_[i] > '9') return false;
        d[n++] = p_[i] - '0';
      } else if (p_[i] != form[i]) {
        return false;
      }
    }
    const int y = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
    const auto two = [&](int k) { return d[k] * 10 + d[k + 1]; };
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(two(4))}, day{static_cast<unsigned>(two(6))}};
    if (y < 1900 || y > 2999 || !ymd.ok() || two(8) > 23 || two(10) > 59 || two(12) > 59) return false;
    t = instant{sys_days{ymd}} + hours{two(8)} + minutes{two(10)} + seconds{two(12)} - hours{8};
    std::memcpy(last_.text.data(), p_, form.size());
    last_.value = t;
    last_.known = true;
    p_ += form.size();
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  canonical_case_reader::last_instant& last_;
  bool short_clocks_;  // version 4: a clock with nothing set is {"state":"idle","unit":N}
};

}  // namespace

std::size_t canonical_case_reader::read(std::string_view text, case_record& r, std::int64_t version) {
  return canonical_case(text, last_, version).read(r);
}

}  // namespace dueday::detail
