// Commands to their partitions' logs (publisher.hpp).
#include "cluster/publisher.hpp"

#include <fmt/format.h>
#include <dueday/jsonl.hpp>
#include <dueday/partition.hpp>

#include <stdexcept>

namespace dueday::cluster {

namespace {

void check_range(partition_range r, std::uint32_t partitions) {
  if (partitions == 0) throw std::invalid_argument("dueday::cluster: partitions must be at least 1");
  if (r.first > r.last || r.last >= partitions)
    throw std::invalid_argument(fmt::format("dueday::cluster: ticks to partitions {}..{}, but there are {} (0..{})",
                                            r.first, r.last, partitions, partitions - 1));
}

}  // namespace

partition_range route(const dueday::command& c, std::uint32_t partitions, std::optional<partition_range> ticks) {
  if (ticks) check_range(*ticks, partitions);
  if (const auto p = dueday::partition_of(c, partitions)) return {*p, *p};
  return ticks.value_or(partition_range{0, partitions - 1});
}

publisher::publisher(transport& log, std::optional<partition_range> ticks)
    : log_(&log), partitions_(log.partitions()), ticks_(ticks) {
  if (ticks_) check_range(*ticks_, partitions_);
}

publish_answer publisher::publish(const dueday::command& c, std::string_view json, std::string_view id,
                                  std::int64_t line) {
  publish_answer a;
  a.line = line;
  a.id = std::string(id);
  a.to = route(c, partitions_, ticks_);
  a.ticks = !dueday::partition_of(c, partitions_).has_value();
  // Ids are per partition: a tick with an id is stored once in each partition's log.
  for (std::uint32_t p = a.to.first; p <= a.to.last; ++p)
    if (!log_->publish_command({p}, json, id)) ++a.duplicates;
  return a;
}

publish_answer publisher::publish_line(std::string_view line, const std::string& source, std::int64_t line_no) {
  std::string id;
  std::optional<dueday::command> c;
  try {
    c = dueday::parse_command(line, source, line_no, id);
  } catch (const dueday::error& e) {
    publish_answer a;
    a.line = line_no;
    a.id = std::move(id);
    a.error = e.what();
    return a;
  }
  return publish(*c, line, id, line_no);
}

std::vector<publish_answer> publisher::publish_lines(std::string_view text, const std::string& source,
                                                     std::int64_t first_line) {
  std::vector<publish_answer> out;
  std::int64_t n = first_line;
  for (std::size_t start = 0; start < text.size(); ++n) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      out.push_back(publish_line(line, source, n));
    } catch (const transport_error& e) {
      throw transport_error(fmt::format("{} (at {}:{}; the lines before it were published)", e.what(), source, n));
    }
  }
  return out;
}

}  // namespace dueday::cluster
