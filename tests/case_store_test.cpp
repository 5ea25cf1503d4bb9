// The engine's case store alone: ids in place and on the heap, records across their chunks, the
// clock pool's reuse, retire and undo, all against plain expectations.
#include "engine/case_store.hpp"  // first: proves the header stands alone

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

using dueday::instant;
using dueday::detail::case_id_text;
using dueday::detail::case_store;
using dueday::detail::clock_slot;
using dueday::detail::hash_key;

namespace {

instant t(long s) { return instant{std::chrono::seconds{s}}; }

}  // namespace

TEST_CASE("case store: an id of any length reads back, in place up to 21 bytes and on the heap past that") {
  for (std::size_t n : {0U, 1U, 18U, 20U, 21U, 22U, 25U, 26U, 40U, 1000U}) {
    CAPTURE(n);
    std::string s(n, 'x');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    case_id_text id(s);
    CHECK(id.view() == s);
    case_id_text moved(std::move(id));
    CHECK(moved.view() == s);
    CHECK(id.view().empty());  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move): defined empty
    case_id_text assigned(std::string_view("other"));
    assigned = std::move(moved);
    CHECK(assigned.view() == s);
  }
}

TEST_CASE("case store: 100,000 cases across the record chunks keep their ids, numbers and clocks") {
  case_store store(hash_key{});
  std::vector<const dueday::detail::case_rec*> where;
  const std::size_t n = 100'000;
  for (std::size_t i = 0; i < n; ++i) {
    // Every fifth id is long (on the heap); out-of-scope cases have no clocks.
    const std::string id =
        i % 5 == 0 ? fmt::format("KM-2026-10-{:07}-with-a-long-suffix", i) : fmt::format("KM-{:07}", i);
    const bool in_scope = i % 7 != 0;
    const auto c = store.add(id, t(static_cast<long>(i)), 0, in_scope ? 1 : dueday::detail::no_variant,
                             static_cast<std::uint8_t>(in_scope ? 1 + i % 6 : 0));
    REQUIRE(c == i);
    auto& r = store[c];
    for (clock_slot& s : r.slots()) s.fired = static_cast<std::uint8_t>(i % 251);
    where.push_back(&store[c]);
  }
  std::set<const clock_slot*> clocks;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string id =
        i % 5 == 0 ? fmt::format("KM-2026-10-{:07}-with-a-long-suffix", i) : fmt::format("KM-{:07}", i);
    REQUIRE(store.find(id) == i);
    const auto& r = store[static_cast<std::uint32_t>(i)];
    CHECK(&r == where[i]);  // records never move as others are added
    CHECK(r.id.view() == id);
    CHECK(r.opened == t(static_cast<long>(i)));
    for (const clock_slot& s : r.slots()) {
      CHECK(s.fired == i % 251);
      CHECK(clocks.insert(&s).second);  // no two cases share a clock
    }
  }
  CHECK_FALSE(store.find("KM-0100000"));
}

TEST_CASE("case store: undone and retired cases give their clocks back, and new cases reuse them") {
  case_store store(hash_key{});
  for (int i = 0; i < 10; ++i) (void)store.add(fmt::format("c{}", i), t(i), 0, 1, 3);
  const clock_slot* last = store[9].clocks;
  store.pop_back();
  CHECK_FALSE(store.find("c9"));
  CHECK(store.add("c9-again", t(9), 0, 1, 3) == 9);
  CHECK(store[9].clocks == last);         // the freed run of three, reused
  CHECK(store[9].slots()[0].fired == 0);  // and idle again

  std::set<const clock_slot*> retired;
  for (std::uint32_t c = 0; c < 10; c += 2) {
    store.set_status(c, dueday::case_status::completed, t(100));
    retired.insert(store[c].clocks);
  }
  const auto renumber = store.retire(t(200));
  CHECK(store.size() == 5);
  for (std::uint32_t c = 0; c < 10; ++c) CHECK(renumber[c] == (c % 2 == 0 ? dueday::detail::id_index::none : c / 2));
  CHECK(store.find("c1") == 0);
  CHECK(store.find("c9-again") == 4);
  CHECK_FALSE(store.find("c0"));
  std::set<const clock_slot*> before;
  for (std::uint32_t c = 0; c < 5; ++c) before.insert(store[c].clocks);
  // Five retired runs of three are free: the next five cases of three clocks take exactly those.
  for (int i = 0; i < 5; ++i) {
    const auto c = store.add(fmt::format("n{}", i), t(300), 0, 1, 3);
    CHECK(before.count(store[c].clocks) == 0);
    CHECK(retired.erase(store[c].clocks) == 1);
  }
}
