// partition_of: the documented FNV-1a 64 of the case id, modulo the deployment's partitions.
#include "dueday/partition.hpp"

#include <stdexcept>

namespace dueday {

std::uint32_t partition_of(std::string_view case_id, std::uint32_t partitions) {
  if (partitions == 0) throw std::invalid_argument("dueday::partition_of: partitions must be at least 1");
  return static_cast<std::uint32_t>(fnv1a_64(case_id) % partitions);
}

std::optional<std::uint32_t> partition_of(const command& c, std::uint32_t partitions) {
  if (partitions == 0) throw std::invalid_argument("dueday::partition_of: partitions must be at least 1");
  if (c.kind == command_kind::tick) return std::nullopt;
  return partition_of(c.case_id, partitions);
}

}  // namespace dueday
