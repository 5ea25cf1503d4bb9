// The names of districts and units the commands gave, interned: each distinct name is stored once
// and known by a 32-bit id (1, 2, ... in the order first seen; 0 means "none"), so that a clock or
// a case keeps 4 bytes for it. Append-only while the engine runs: a name stays when the cases that
// named it are retired. A command that is undone takes back the names it added (truncate), so a
// refused command leaves no trace, in memory or in a snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dueday::detail {

class unit_names {
 public:
  // The id of `name` (>= 1), added when new. Strong guarantee: on an exception nothing changed.
  std::uint32_t intern(std::string_view name) {
    if (const auto it = index_.find(name); it != index_.end()) return it->second;
    names_.reserve(names_.size() + 1);  // first: the emplace below must be the last thing that throws
    const auto id = static_cast<std::uint32_t>(names_.size() + 1);
    const auto it = index_.emplace(std::string(name), id).first;
    names_.push_back(&it->first);
    return id;
  }
  // The name of an id intern() gave (not 0).
  [[nodiscard]] std::string_view operator[](std::uint32_t id) const noexcept { return *names_[id - 1]; }
  // How many names are held; the ids are 1 .. size().
  [[nodiscard]] std::size_t size() const noexcept { return names_.size(); }
  // Forgets the names added after the first n.
  void truncate(std::size_t n) noexcept {
    while (names_.size() > n) {
      index_.erase(index_.find(*names_.back()));
      names_.pop_back();
    }
  }

 private:
  std::map<std::string, std::uint32_t, std::less<>> index_;  // nodes never move: names_ points into them
  std::vector<const std::string*> names_;                    // by id - 1
};

}  // namespace dueday::detail
