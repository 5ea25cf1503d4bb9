// What the libFuzzer targets share: how a finding is reported, and what counts as one.
//
// A finding prints one "dueday fuzz finding: ..." paragraph and aborts; libFuzzer reports the
// abort as a crash and writes the input to crash-<sha1>. dueday's own errors (dueday::error and its
// parse_error, policy_error, coverage_error) are expected only where a target says a refusal may
// come; anywhere else they are findings too, and any other exception is one everywhere.
#pragma once

#include <dueday/calendar.hpp>
#include <dueday/error.hpp>
#include <dueday/io.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

namespace dueday::fuzz {

// The built-in calendar, built once per process.
inline const calendar& cal() {
  static const calendar c = builtin_calendar();
  return c;
}

// Reports a finding and aborts.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "\ndueday fuzz finding: %.*s\n", static_cast<int>(what.size()), what.data());
  if (!detail.empty()) std::fprintf(stderr, "%.*s\n", static_cast<int>(detail.size()), detail.data());
  std::fflush(stderr);
  std::abort();
}

inline void check(bool ok, std::string_view what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

// Two texts that must be equal; on a difference, shows where they part and some context.
inline void same(std::string_view a, std::string_view b, std::string_view what) {
  if (a == b) return;
  const auto diff = static_cast<std::size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
  const std::size_t from = diff > 300 ? diff - 300 : 0;
  fail(what, "first difference at byte " + std::to_string(diff) + " of " + std::to_string(a.size()) + " and " +
                 std::to_string(b.size()) + "\n--- first:\n" + std::string(a.substr(from, 600)) + "\n--- second:\n" +
                 std::string(b.substr(from, 600)));
}

// Runs one input through `body`, turning every exception that escapes it into a finding.
template <class Body>
int run(Body&& body) {
  try {
    body();
  } catch (const error& e) {
    fail("a dueday error escaped where the API allows none", e.what());
  } catch (const std::exception& e) {
    fail(std::string("a foreign exception escaped: ") + typeid(e).name(), e.what());
  } catch (...) {
    fail("an exception of no std type escaped");
  }
  return 0;
}

// The input as text.
inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace dueday::fuzz
