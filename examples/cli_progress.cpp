// Progress on a terminal (cli_progress.hpp). The CLI reads the clock here, the library never does.
#include "cli_progress.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace dueday_cli {

namespace {

constexpr auto every = std::chrono::milliseconds(250);

}  // namespace

std::uint64_t file_size(int fd) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

progress::progress(std::uint64_t total_bytes)
    : active_(total_bytes != 0 && isatty(STDERR_FILENO) == 1),
      total_(total_bytes),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

progress::~progress() { clear(); }

void progress::update(std::uint64_t lines, std::uint64_t bytes) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < every) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double share = 100.0 * static_cast<double>(std::min(bytes, total_)) / static_cast<double>(total_);
  // "\r" goes back to the line's start, "\x1b[K" clears what a longer earlier line left.
  fmt::print(stderr, "\r{} lines, {:.0f}% of {:.1f} MB, {:.0f} commands/s\x1b[K", lines, share,
             static_cast<double>(total_) / 1e6, static_cast<double>(lines) / std::max(seconds, 1e-3));
  std::fflush(stderr);
  shown_ = true;
}

void progress::clear() {
  if (!shown_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

std::streamsize progress_buf::xsgetn(char* s, std::streamsize n) {
  if (n <= 0) return 0;
  if (gptr() < egptr()) {  // the character underflow() held, counted already
    *s = *gptr();
    gbump(1);
    return 1 + std::max<std::streamsize>(0, xsgetn(s + 1, n - 1));
  }
  const std::streamsize got = source_->sgetn(s, n);
  if (got > 0) {
    bytes_ += static_cast<std::uint64_t>(got);
    lines_ += static_cast<std::uint64_t>(std::count(s, s + got, '\n'));
    shown_->update(lines_, bytes_);
  }
  return got;
}

progress_buf::int_type progress_buf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (xsgetn(&one_, 1) != 1) return traits_type::eof();
  setg(&one_, &one_, &one_ + 1);
  return traits_type::to_int_type(one_);
}

}  // namespace dueday_cli
