// detail/event_writer.hpp — events as JSON text, written in place into a buffer it keeps: the
// writer behind to_json and jsonl_sink (jsonl.cpp). Its code is in event_writer.cpp and
// event_numbers.cpp.
#pragma once

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dueday/event.hpp"
#include "dueday/units.hpp"

namespace dueday::detail {

// Writes events as to_json has always written them, nlohmann's ordered_json dumped with
// ensure_ascii off and error_handler_t::replace, straight into a buffer it keeps: each event is
// written in place through a pointer, into room reserved for its longest form.
class event_writer {
 public:
  explicit event_writer(utc_offset offset);

  fmt::memory_buffer& buffer() noexcept { return buf_; }

  // Appends `e` and, with `newline`, a '\n'.
  void append(const event& e, bool newline) {
    const std::size_t at = buf_.size();
    buf_.resize(at + bound(e));
    char* const end = write(buf_.data() + at, e);
    if (newline) *end = '\n';
    buf_.resize(static_cast<std::size_t>(end - buf_.data()) + (newline ? 1 : 0));
  }

  // The pieces, for other JSON written the same way (the store's journal lines and keys). Each
  // writes at `p`, into room the caller made, and returns the end of what it wrote.
  // An integer: at most 20 bytes.
  static char* integer(char* p, std::int64_t v);
  // A JSON string as nlohmann dumps it (ensure_ascii off, error_handler_t::replace): at most
  // 6 * s.size() + 2 bytes.
  char* string(char* p, std::string_view s);
  // format_instant(t, offset), quoted: at most instant_room bytes.
  char* instant_text(char* p, instant t) const;
  static constexpr std::size_t instant_room = 64;

 private:
  // A JSON string is at most 6 bytes per byte of text (a control character as \u00xx; an
  // ill-formed byte becomes U+FFFD, 3) and its quotes; the rest of an event, with three instants
  // at up to 50 bytes each and three integers, stays below 512; and 16 bytes to spare.
  static std::size_t bound(const event& e) noexcept {
    return 528 + 6 * (e.case_id.size() + e.step.size() + e.level.size() + e.detail.size() + e.code.size() +
                      e.unit.size() + e.district.size() + e.policy.size());
  }

  // Each writes at `p` and returns the end of what it wrote (see event_writer.cpp).
  static char* copy(char* p, std::string_view s) noexcept;
  char* write(char* p, const event& e);
  // string(p, s), inlined into write() (event_writer.cpp): short_string(p, s) for a text of at
  // most 32 bytes that needs no escape (else nullptr), long_string(p, s) for any other.
  char* text(char* p, std::string_view s);
  char* short_string(char* p, std::string_view s);
  char* long_string(char* p, std::string_view s);
  // Whether `s` is well-formed UTF-8: a text found so lately (units and step names repeat from
  // event to event), else asked of simdjson.
  bool utf8(std::string_view s);

  struct known_text {
    std::uint8_t size = 0;  // 0: empty
    std::array<char, 47> text{};
  };

  utc_offset offset_;
  bool plain_offset_;                  // whole minutes within a day: instants are written here, not by format_instant
  std::array<char, 8> offset_text_{};  // "+08:00" and the closing quote
  // Caches (instant_text is const for its callers, and a writer serves one thread at a time):
  // days of instants written in the plain form, by day number modulo 8, each with "YYYY-MM-DDT".
  struct known_day {
    std::chrono::sys_days day{std::chrono::days::min()};
    std::array<char, 11> text{};
  };
  mutable std::array<known_day, 8> days_{};
  // Instants written in the plain form: "2026-10-12T09:00:00+08:00" and the closing quote.
  static constexpr std::size_t plain_instant_size = 26;
  struct known_instant {
    instant at{instant::min()};  // never written in the plain form
    std::array<char, 32> text{};
  };
  mutable std::array<known_instant, 8> instants_{};
  fmt::memory_buffer buf_;
  std::array<known_text, 16> utf8_{};  // texts known to be UTF-8, by a hash of each (event_writer.cpp)
};

}  // namespace dueday::detail
