#include "store/id_filter.hpp"  // first: proves the header stands alone
#include <doctest/doctest.h>
#include <dueday/store.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store_support.hpp"

using dueday::journal_entry;
using dueday::sqlite_storage;
using dueday::detail::id_filter;

TEST_CASE("id filter: every id added is held; few others may be") {
  id_filter f;
  CHECK_FALSE(f.built());
  f.rebuild(20'000);  // sized for 65,536 ids (at least 65,536, and twice 20,000 is less)
  CHECK(f.built());
  for (int k = 0; k < 20'000; ++k) f.add("id-" + std::to_string(k));
  for (int k = 0; k < 20'000; ++k) REQUIRE(f.may_hold("id-" + std::to_string(k)));
  // 20,000 ids in 524,288 bits (8 per id of 65,536), 4 bits each: a bit is set with probability
  // 1 - e^(-4 * 20,000 / 524,288) = 0.1415, so a new id passes all 4 with 0.1415^4 = 0.04%: of
  // 100,000 new ids about 40; more than 200 would be a broken filter.
  int passed = 0;
  for (int k = 0; k < 100'000; ++k) passed += f.may_hold("new-" + std::to_string(k)) ? 1 : 0;
  CHECK_MESSAGE(passed < 200, passed);
  CHECK(f.room_for(45'536));
  CHECK_FALSE(f.room_for(45'537));
}

TEST_CASE("store: the writer's id filter grows with the ids table and never misses a known id") {
  // 70,000 ids pass the filter's first size (65,536): it is built from the table again, larger.
  dueday::test::store_dir dir;
  std::vector<std::string> names;  // each batch's first and last id
  {
    sqlite_storage s(dir.path / "s.db");
    s.initialize({0, "cal", {"p@1"}});
    std::uint64_t pos = 0;
    for (int batch = 0; batch < 70; ++batch) {
      std::vector<journal_entry> b;
      for (std::uint64_t k = pos + 1; k <= pos + 1000; ++k) b.push_back({k, "id-" + std::to_string(k), "{}"});
      // Asked before its batch, as durable_engine does: none is known yet; the one before is.
      std::vector<std::string_view> asked;
      for (const journal_entry& e : b) asked.push_back(e.id);
      REQUIRE(s.known_ids(asked).empty());
      if (pos != 0) REQUIRE(s.known_ids(std::vector<std::string_view>{names.back()}).size() == 1);
      s.append(pos, b, {});
      pos += b.size();
      names.push_back(b.front().id);
      names.push_back(b.back().id);
    }
    const std::vector<std::string_view> asked(names.begin(), names.end());
    CHECK(s.known_ids(asked).size() == 140);
  }
  // Opened again: the filter is built from the table on the first question.
  sqlite_storage again(dir.path / "s.db");
  const std::vector<std::string_view> asked(names.begin(), names.end());
  CHECK(again.known_ids(asked).size() == 140);
  CHECK(again.known_ids(std::vector<std::string_view>{"id-70001", "id-0"}).empty());
}
