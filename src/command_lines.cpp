// command_lines (detail/command_json.hpp): the commands of a JSON Lines stream, a block of lines
// at a time through simdjson's iterate_many, each document taken only when it is one object on a
// line of its own and read by command_reader's code; any other line, and the rest of its block,
// through command_reader::read, line by line.
#include "detail/command_json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "detail/command_fields.hpp"
#include "detail/command_members.hpp"

namespace dueday::detail {

namespace od = simdjson::ondemand;

namespace {

// Blocks up to this size go through iterate_many, whose parser takes about 6 bytes per byte of its
// batch; a longer one (a line of megabytes) is read line by line, as such a line always was.
constexpr std::size_t max_streamed_block = std::size_t{1} << 22;

}  // namespace

struct command_lines::impl {
  impl(std::istream& in, std::size_t block_size) : lines(in, block_size) {
#ifdef SIMDJSON_THREADS_ENABLED  // as Debian's simdjson target defines it
    // One core: a stage 1 thread would only start for a stream longer than its batch, which the
    // batch size below rules out; this says so.
    stream_parser.threaded = false;
#endif
  }

  line_reader lines;
  command_reader reader;     // lines one by one, and the members of every document
  od::parser stream_parser;  // its own: a line read alone must not end the block's stage 1
  od::document_stream docs;  // over `block`
  od::document_stream::iterator next_doc;
  std::string_view block;       // whole lines from lines.block()
  std::size_t pos = 0;          // block[0, pos) is read
  bool streaming = false;       // block[pos, ...) is read from `docs`
  bool first_document = false;  // next_doc is the block's first document
  std::int64_t line = 0;
  std::size_t streamed = 0;

  // The end of the line that starts at `from` in block: its '\n', or the block's end.
  [[nodiscard]] std::size_t line_end(std::size_t from) const noexcept {
    return std::min(block.find('\n', from), block.size());
  }

  bool start_stream() {
    if (block.size() > max_streamed_block) return false;
    // One batch for the whole block, so that stage 1 runs once; its size a power of two, at least
    // 64 KB, since a batch size that changes reallocates the parser: the 1 MB blocks of a long
    // stream keep one room, and a short stream does not take megabytes (the parser takes about 6
    // bytes per byte of its batch).
    const std::size_t batch = std::bit_ceil(std::max(block.size(), std::size_t{1} << 16));
    if (stream_parser.iterate_many(block.data(), block.size(), batch).get(docs) != simdjson::SUCCESS) return false;
    next_doc = docs.begin();  // runs stage 1; a fault it finds is the first document's error
    first_document = true;
    // Stage 1 cuts off an unbalanced document at the end of a stream (truncated_bytes()): after
    // '{...}"x":1}' it keeps the object and drops the rest, so that nothing would seem to follow
    // the object on its line. Such a block is read line by line.
    return docs.truncated_bytes() == 0;
  }

  // The line at `pos` read from the next document, when that document is one object on a line of
  // its own (blank lines before it are passed); nullopt when it is not, or when no document is
  // left: then pos is unchanged but for blank lines passed, and that line and the rest of the
  // block are read one by one.
  std::optional<status> from_stream(command& c, std::string& why, std::string* id) {
    if (!(next_doc != docs.end())) return std::nullopt;
    od::document_reference doc;
    if ((*next_doc).get(doc) != simdjson::SUCCESS) return std::nullopt;
    // Where the document starts. current_index() gives the batch's start for the first document,
    // whatever spaces or blank lines come before it: there, its first token.
    std::size_t start = next_doc.current_index();
    if (first_document) {
      std::string_view token;
      if (doc.raw_json_token().get(token) != simdjson::SUCCESS) return std::nullopt;
      start = static_cast<std::size_t>(token.data() - block.data());
      first_document = false;
    }
    if (start < pos || start >= block.size()) return std::nullopt;
    std::size_t end = line_end(pos);
    while (end <= start) {  // a line before the document's: blank, as JSON has no token there
      if (!blank_line(block.substr(pos, end - pos))) return std::nullopt;
      ++line;
      pos = end + 1;
      end = line_end(pos);
    }
    od::object o;
    if (doc.get_object().get(o) != simdjson::SUCCESS || !command_reader_access::read_members(reader, o))
      return std::nullopt;
    // The object's raw text runs to the next document's first byte (or the block's end) through
    // the spaces after it: its last byte must be on this line and the next document past it.
    std::string_view raw;
    if (doc.raw_json().get(raw) != simdjson::SUCCESS) return std::nullopt;
    const char* const first = block.data() + start;
    const char* const next = raw.data() + raw.size();
    if (raw.data() != first || next > block.data() + block.size() || next < block.data() + end) return std::nullopt;
    const char* last = next;  // one past the object's closing brace
    while (last > first && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r' || last[-1] == '\n')) --last;
    if (last > block.data() + end) return std::nullopt;
    const bool ok =
        build_command(command_reader_access::fields(reader), c, why, id);  // copies what it keeps: the document can go
    ++next_doc;
    ++line;
    pos = std::min(end + 1, block.size());
    ++streamed;
    return ok ? status::command : status::refused;
  }
};

command_lines::command_lines(std::istream& in, std::size_t block) : p_(std::make_unique<impl>(in, block)) {}

command_lines::~command_lines() = default;

std::int64_t command_lines::line() const noexcept { return p_->line; }

std::size_t command_lines::streamed() const noexcept { return p_->streamed; }

command_lines::status command_lines::next(command& c, std::string& why, std::string* id) {
  impl& s = *p_;
  for (;;) {
    if (s.pos == s.block.size()) {
      s.block = s.lines.block();
      s.pos = 0;
      if (s.block.empty()) return status::end;
      s.streaming = s.start_stream();
    }
    if (s.streaming) {
      if (const std::optional<status> got = s.from_stream(c, why, id)) return *got;
      s.streaming = false;
      continue;  // blank lines passed may have ended the block
    }
    const std::size_t end = s.line_end(s.pos);
    const std::string_view text = s.block.substr(s.pos, end - s.pos);
    s.pos = std::min(end + 1, s.block.size());
    ++s.line;
    if (blank_line(text)) continue;
    return s.reader.read(text, true, c, why, id) ? status::command : status::refused;
  }
}

}  // namespace dueday::detail
