// detail/command_json.hpp — the readers of one command line behind parse_command and replay, the
// block reader that splits a stream into lines, and the reader of a stream's commands behind replay.
//
// command_reader reads a line with simdjson's On Demand API: one parser reused for every line, no
// DOM, every value checked (unknown fields are skipped but must be valid JSON). A line simdjson
// refuses (not JSON, or JSON it does not take: a leading byte-order mark, an integer beyond 64 bits,
// nesting past its depth) goes to read_command_dom, the nlohmann reader, which decides: it gives
// nlohmann's messages for JSON that is malformed, so refused lines read as they always did.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dueday/engine.hpp"

namespace dueday::detail {

// Bytes that must be readable and initialised (any content) past the end of a line given to
// command_reader::read with padded = true: simdjson reads ahead in blocks.
inline constexpr std::size_t line_padding = 64;

class command_reader {
 public:
  command_reader();
  command_reader(const command_reader&) = delete;
  command_reader& operator=(const command_reader&) = delete;
  ~command_reader();

  // Reads one line into `c`, reusing its strings' storage. Returns false with `why` set (the
  // message parse_command puts after "<source>:<line>: ") when the line is refused. With
  // `padded`, line_padding readable bytes follow `line` in memory; without, the line is copied.
  // `id`, when given, is set to the line's id, "" for none (see build_command: also for a line
  // refused for another fault, when its id was read).
  bool read(std::string_view line, bool padded, command& c, std::string& why, std::string* id = nullptr);

  // Lines handed to read_command_dom so far (tests and benchmarks check the fast path is taken).
  [[nodiscard]] std::size_t fallbacks() const noexcept;

 private:
  friend struct command_reader_access;  // detail/command_members.hpp, for command_lines
  struct impl;
  std::unique_ptr<impl> p_;
};

// The same rules over an nlohmann DOM: the reference for command_reader, and its fallback.
bool read_command_dom(std::string_view line, command& c, std::string& why, std::string* id = nullptr);

// Why nlohmann refuses `line` as JSON, as read_command_dom says it ("malformed JSON (...)"), or ""
// when it takes it: the message for a line simdjson refused.
std::string json_syntax_problem(std::string_view line);

// Spaces, tabs and carriage returns only: a line the JSON Lines readers pass over (JSON's
// whitespace but the newline).
inline bool blank_line(std::string_view line) noexcept {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Splits a stream into lines, reading it in large blocks. Each line (without its '\n') stays
// valid until the next call and is followed by line_padding readable bytes. A last line without
// '\n' counts; an empty remainder after the last '\n' does not (as std::getline).
class line_reader {
 public:
  explicit line_reader(std::istream& in, std::size_t block = std::size_t{1} << 20);
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;
  ~line_reader();

  // The next line, or nullopt at the end of the stream.
  std::optional<std::string_view> next();

  // Every whole line buffered, from the next one to the last '\n' (included), reading on until one
  // is whole; at the end of the stream the rest; empty at the end. Lines are then taken from it,
  // not from next(). It stays valid, followed by line_padding readable bytes, until the next call.
  std::string_view block();

 private:
  // Keeps the partial line at the start of the buffer (doubling it when the line fills it) and
  // reads on after it; at the end of the stream sets eof_.
  void refill();

  std::istream* in_;
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_;   // bytes of buf_ usable for data; line_padding more are allocated
  std::size_t begin_ = 0;  // the unread data is buf_[begin_, end_)
  std::size_t end_ = 0;
  bool eof_ = false;
};

// Reads the lines of a JSON Lines stream as command_reader reads each alone, with one simdjson
// stage 1 per block of lines instead of one per line (its fixed cost is about half of reading a
// short command): each block goes through iterate_many, and a document is taken only when it is
// one object on a line of its own, read by command_reader's code. From the first line where that
// does not hold (not an object, two values on a line, one spread over lines, a fault stage 1 finds
// anywhere in the block, such as invalid UTF-8) to the end of the block, lines go one by one
// through command_reader::read: every line gets exactly the answer it gets alone.
class command_lines {
 public:
  enum class status : std::uint8_t { command, refused, end };

  explicit command_lines(std::istream& in, std::size_t block = std::size_t{1} << 20);
  command_lines(const command_lines&) = delete;
  command_lines& operator=(const command_lines&) = delete;
  ~command_lines();

  // The next line that is not blank (only spaces, tabs and carriage returns): `command`, with `c`
  // set, or `refused`, with `why` set, as command_reader::read answers it (`id` too); `end` at the
  // end of the stream.
  status next(command& c, std::string& why, std::string* id = nullptr);

  // The number of the line next() returned last, the first line of the stream being 1 (blank lines
  // count).
  [[nodiscard]] std::int64_t line() const noexcept;

  // Lines read from a block's documents so far; the others were read one by one.
  [[nodiscard]] std::size_t streamed() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace dueday::detail
