// The JSON Lines front: parse_command, to_json, jsonl_sink and replay, over the line reader here,
// the command readers (command_reader.cpp, command_dom.cpp) and the event writer (event_writer.cpp).
#include "dueday/jsonl.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <istream>
#include <ostream>
#include <utility>
#include <vector>

#include "detail/command_json.hpp"
#include "detail/event_writer.hpp"
#include "dueday/error.hpp"

namespace dueday {

// --- lines ---------------------------------------------------------------------------------------

detail::line_reader::line_reader(std::istream& in, std::size_t block)
    : in_(&in), buf_(new char[block + line_padding]()), capacity_(block) {}

detail::line_reader::~line_reader() = default;

std::optional<std::string_view> detail::line_reader::next() {
  std::size_t searched = begin_;  // no '\n' in buf_[begin_, searched)
  for (;;) {
    if (const void* nl = std::memchr(buf_.get() + searched, '\n', end_ - searched)) {
      const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.get());
      const std::string_view line(buf_.get() + begin_, at - begin_);
      begin_ = at + 1;
      return line;
    }
    if (eof_) {
      if (begin_ == end_) return std::nullopt;
      const std::string_view line(buf_.get() + begin_, end_ - begin_);
      begin_ = end_;
      return line;
    }
    searched = end_ - begin_;  // where the partial line ends once refill() moved it
    refill();
  }
}

std::string_view detail::line_reader::block() {
  for (;;) {
    const std::string_view data(buf_.get() + begin_, end_ - begin_);
    const std::size_t last = eof_ ? data.size() : data.rfind('\n') + 1;  // npos + 1 == 0: no whole line
    if (last > 0 || eof_) {
      begin_ += last;
      return data.substr(0, last);
    }
    refill();
  }
}

void detail::line_reader::refill() {
  const std::size_t kept = end_ - begin_;
  if (kept == capacity_) {
    std::unique_ptr<char[]> bigger(new char[2 * capacity_ + line_padding]());
    std::memcpy(bigger.get(), buf_.get() + begin_, kept);
    buf_ = std::move(bigger);
    capacity_ *= 2;
  } else if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, kept);
  }
  begin_ = 0;
  end_ = kept;
  in_->read(buf_.get() + end_, static_cast<std::streamsize>(capacity_ - end_));
  const auto got = in_->gcount();
  if (got <= 0) {
    eof_ = true;
  } else {
    end_ += static_cast<std::size_t>(got);
  }
}

namespace {

// Buffered output is written once it reaches this size.
constexpr std::size_t flush_at = std::size_t{1} << 16;

// One reader per thread, for both forms of parse_command.
command parse_with_id(std::string_view line, const std::string& source, std::int64_t line_no, std::string* id) {
  thread_local detail::command_reader reader;
  command c;
  std::string why;
  if (!reader.read(line, false, c, why, id)) throw parse_error(source, static_cast<int>(line_no), why);
  return c;
}

}  // namespace

command parse_command(std::string_view line, const std::string& source, std::int64_t line_no) {
  return parse_with_id(line, source, line_no, nullptr);
}

command parse_command(std::string_view line, const std::string& source, std::int64_t line_no, std::string& id) {
  return parse_with_id(line, source, line_no, &id);
}

std::string to_json(const event& e, utc_offset offset) {
  detail::event_writer writer(offset);
  writer.append(e, false);
  return fmt::to_string(writer.buffer());
}

jsonl_sink::jsonl_sink(std::ostream& out, utc_offset offset)
    : out_(&out), writer_(std::make_unique<detail::event_writer>(offset)) {}

jsonl_sink::~jsonl_sink() {
  try {
    flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; flush() first to see errors
  }
}

void jsonl_sink::write_out() {
  fmt::memory_buffer& buf = writer_->buffer();
  if (buf.size() == 0) return;
  out_->write(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.clear();
}

void jsonl_sink::flush() {
  write_out();
  out_->flush();
}

void jsonl_sink::on_event(const event& e) { on_events(std::span<const event>(&e, 1)); }

void jsonl_sink::on_events(std::span<const event> batch) {
  // Earlier lines go out first, so that a stream that throws does so before this batch is taken.
  if (writer_->buffer().size() >= flush_at) write_out();
  const std::size_t before = writer_->buffer().size();
  try {
    for (const event& e : batch) writer_->append(e, true);
  } catch (...) {  // all or nothing: a batch the sink could not take leaves no part behind
    writer_->buffer().resize(before);
    throw;
  }
}

// Rejected events carry the line number: their reasons name no source. Commands go to the engine
// in runs of up to `run` (engine::apply over a span, which prefetches the cases of the commands
// ahead); a malformed line ends a run, so that events and rejections keep the input's order.
replay_stats replay(std::istream& in, const std::string& /*source*/, engine& e, event_sink& sink,
                    std::int64_t lines_before, command_ids* ids) {
  constexpr std::size_t run = 64;
  e.set_sink(sink);
  replay_stats stats;
  detail::command_lines lines(in);
  std::vector<command> batch(run);  // reused: the commands' strings keep their room
  std::array<std::int64_t, run> batch_lines{};
  std::size_t size = 0;
  std::string why;
  std::string id;   // the line's id, "" for none
  command_ids own;  // the ids of the lines read as commands
  command_ids& seen = ids ? *ids : own;
  std::int64_t line = lines_before;
  auto reject = [&](const command* cmd, std::int64_t at_line, instant at, reject_code code, std::string_view reason) {
    ++stats.rejected;
    event r;
    r.kind = event_kind::rejected;
    r.at = at;
    if (cmd) r.case_id = cmd->case_id;
    r.line = at_line;
    r.code = to_string(code);
    r.detail = reason;
    sink.on_event(r);
  };
  const auto apply_batch = [&] {
    const std::span<const command> commands(batch.data(), size);
    size = 0;
    e.apply(commands, [&](std::size_t i, const outcome& o) {
      switch (o.result) {
        case outcome::status::accepted:
          ++stats.accepted;
          break;
        case outcome::status::duplicate:
          ++stats.duplicates;
          break;
        case outcome::status::rejected:
          reject(&commands[i], batch_lines[i], o.at, o.code, o.reason);
          break;
      }
    });
  };
  for (;;) {
    const auto got = lines.next(batch[size], why, &id);
    if (got == detail::command_lines::status::end) break;
    line = lines_before + lines.line();
    ++stats.lines;
    if (got == detail::command_lines::status::refused) {
      apply_batch();
      reject(nullptr, line, e.now(), reject_code::malformed, why);  // the event carries the line itself
      continue;
    }
    if (!id.empty() && !seen.insert(id).second) {  // as the store answers a repeated id
      ++stats.duplicates;
      continue;
    }
    batch_lines[size++] = line;
    if (size == run) apply_batch();
  }
  apply_batch();
  return stats;
}

}  // namespace dueday
