// Progress of a long run over a file (--input, or stdin redirected from one), on a terminal:
// `dueday run` and `dueday replay` (cli_progress.cpp).
//
//   412000 lines, 38% of 96.1 MB, 181000 commands/s
//
// on stderr, rewritten in place at most four times a second, and cleared at the end. Nothing at all
// when stderr is not a terminal (a pipe, a file, a test) or the input's size is not known.
#pragma once

#include <chrono>
#include <cstdint>
#include <streambuf>

namespace dueday_cli {

// The size of the regular file open on `fd` (an --input file, or stdin redirected from a file), in
// bytes; 0 for anything else (a pipe, a terminal).
[[nodiscard]] std::uint64_t file_size(int fd) noexcept;

class progress {
 public:
  // Shows progress when stderr is a terminal and `total_bytes` (the input file's size) is not 0.
  explicit progress(std::uint64_t total_bytes);
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  ~progress();

  // Lines and bytes done so far: prints when the last print is 250 ms old. Cheap when it does not.
  void update(std::uint64_t lines, std::uint64_t bytes);
  // Clears the progress line (before a summary or an error is printed); later updates print again.
  void clear();
  [[nodiscard]] bool active() const noexcept { return active_; }

 private:
  bool active_;
  bool shown_ = false;
  std::uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
};

// A stream buffer that passes another one's bytes on and reports them to a progress: lines are
// the newlines read so far. Made for readers that read in large blocks (replay reads 1 MiB at a
// time), where counting costs nothing against the work on each block.
class progress_buf final : public std::streambuf {
 public:
  progress_buf(std::streambuf& source, progress& shown) : source_(&source), shown_(&shown) {}

 protected:
  std::streamsize xsgetn(char* s, std::streamsize n) override;
  int_type underflow() override;

 private:
  std::streambuf* source_;
  progress* shown_;
  std::uint64_t bytes_ = 0, lines_ = 0;
  char one_ = 0;  // the character underflow() holds
};

}  // namespace dueday_cli
