#include "detail/id_index.hpp"  // first: proves the header stands alone
#include <doctest/doctest.h>

#include "detail/siphash.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using dueday::detail::hash_key;
using dueday::detail::id_index;
using dueday::detail::siphash24;

namespace {

// The reference implementation's vectors.h (github.com/veorq/SipHash), vectors_sip64: SipHash-2-4
// with the key bytes 00 01 .. 0f of the message of bytes 00 .. i-1, for i = 0 .. 63. The reference
// lists each output as 8 bytes; here they are those bytes read little-endian.
constexpr std::array<std::uint64_t, 64> sip64_vectors = {
    0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL, 0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL,
    0x18765564cd99a68dULL, 0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL, 0x9e0082df0ba9e4b0ULL,
    0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL, 0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
    0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL, 0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL,
    0xbed65cf21aa2ee98ULL, 0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL, 0xb8ad50c6f649af94ULL,
    0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL, 0x2f2e6163076bcfadULL, 0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
    0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL, 0x7127512f72f27cceULL, 0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL,
    0x15e034d40fa197aeULL, 0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL, 0x9abfd8766a33735cULL,
    0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL, 0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL, 0xf935451de4f21df2ULL,
    0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL, 0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL,
    0xee64435a9752fe72ULL, 0xa192d576b245165aULL, 0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL, 0x7fa8220ba3b2eceaULL,
    0x245731c13ca42499ULL, 0xb78dbfaf3a8d83bdULL, 0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
    0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL, 0x958a324ceb064572ULL,
};
constexpr std::uint64_t vector_k0 = 0x0706050403020100;  // key bytes 00 .. 07, little-endian
constexpr std::uint64_t vector_k1 = 0x0f0e0d0c0b0a0908;  // key bytes 08 .. 0f

}  // namespace

TEST_CASE("siphash: SipHash-2-4 gives the 64 reference vectors") {
  std::string message;
  for (std::size_t i = 0; i < sip64_vectors.size(); ++i) {
    CAPTURE(i);
    CHECK(siphash24(vector_k0, vector_k1, message) == sip64_vectors[i]);
    message.push_back(static_cast<char>(i));
  }
}

// Usable in constant expressions: the empty message and one that spans a whole word and a tail.
static_assert(siphash24(vector_k0, vector_k1, "") == sip64_vectors[0]);
static_assert(siphash24(vector_k0, vector_k1, std::string_view{"\x00\x01\x02\x03\x04\x05\x06\x07\x08", 9}) ==
              sip64_vectors[9]);

namespace {

// The ids of cases by number, as the engine keeps them: an erased case keeps its number.
struct case_ids {
  std::vector<std::string> ids;
  std::string_view operator()(std::uint32_t n) const { return ids.at(n); }
};

// Random inserts, finds and erases (of present and absent ids) from a pool of `pool` ids, checked
// op by op against std::map; FAIL only on a mismatch, as a CHECK per op costs more than the op.
// The first half mostly inserts, so the index grows from empty; the second half mostly erases. A
// pool of 7 keeps 16 slots, where runs often wrap past the last slot.
void check_against_map(hash_key key, std::uint32_t seed, std::uint32_t pool, int ops) {
  CAPTURE(seed);
  CAPTURE(pool);
  std::mt19937 rng{seed};
  id_index ix{key};
  case_ids cases;
  std::map<std::string, std::uint32_t> model;
  for (int op = 0; op < ops; ++op) {
    CAPTURE(op);
    const std::string id = "KM-2026-10-" + std::to_string(rng() % pool);
    const auto it = model.find(id);
    const std::uint32_t want = it == model.end() ? id_index::none : it->second;
    const auto roll = rng() % 10;
    const bool growing = op < ops / 2;
    if (roll < (growing ? 5U : 2U)) {  // insert, if absent
      if (it == model.end()) {
        const auto n = static_cast<std::uint32_t>(cases.ids.size());
        cases.ids.push_back(id);
        ix.insert(id, n);
        model.emplace(id, n);
      }
    } else if (roll < 7) {  // erase, present or not
      const bool erased = ix.erase(id, cases);
      if (erased != (it != model.end())) FAIL("erase(" << id << ") gave " << erased);
      if (it != model.end()) model.erase(it);
    } else {
      const std::uint32_t got = ix.find(id, cases);
      if (got != want) FAIL("find(" << id << ") gave " << got << ", not " << want);
    }
    if (ix.size() != model.size()) FAIL("size() is " << ix.size() << ", not " << model.size());
    if (op % 1000 == 999) {  // every stored id is still found, and every absent one is not
      std::uint32_t wrong = 0;
      for (std::uint32_t k = 0; k < pool; ++k) {
        const std::string other = "KM-2026-10-" + std::to_string(k);
        const auto m = model.find(other);
        if (ix.find(other, cases) != (m == model.end() ? id_index::none : m->second)) ++wrong;
      }
      REQUIRE(wrong == 0);
      REQUIRE(ix.longest_probe() <= ix.size());
    }
  }
}

}  // namespace

TEST_CASE("id_index: random inserts, finds and erases agree with std::map") {
  for (const hash_key key : {hash_key{}, hash_key{1, 2}}) {
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      check_against_map(key, seed, 7, 5000);
      check_against_map(key, seed, 60, 10000);
      check_against_map(key, seed, 5000, 40000);
    }
  }
}

TEST_CASE("id_index: an empty index finds and erases nothing") {
  const case_ids cases;
  id_index ix;
  CHECK(ix.size() == 0);
  CHECK(ix.longest_probe() == 0);
  CHECK(ix.find("KM-2026-10-0000001", cases) == id_index::none);
  CHECK_FALSE(ix.erase("KM-2026-10-0000001", cases));
  ix.reserve(100);  // slots, but still nothing in them
  CHECK(ix.find("KM-2026-10-0000001", cases) == id_index::none);
  CHECK_FALSE(ix.erase("KM-2026-10-0000001", cases));
}

TEST_CASE("id_index: find given a hash answers as find, whether the hash is the id's or any other") {
  case_ids cases;
  id_index ix{hash_key{7, 8}};
  for (std::uint32_t n = 0; n < 1000; ++n) {
    cases.ids.push_back("KM-2026-10-" + std::to_string(n));
    ix.insert(cases.ids.back(), n);
  }
  for (std::uint32_t n = 0; n < 1000; ++n) {
    const std::string& id = cases.ids[n];
    CHECK(ix.find(id, ix.hash(id), cases) == n);                  // the right hint
    CHECK(ix.find(id, ix.hash(id) + 1, cases) == n);              // a wrong one: the miss is confirmed under hash(id)
    CHECK(ix.find(id, ix.hash(cases.ids[999 - n]), cases) == n);  // another id's
  }
  const std::string absent = "KM-2026-10-absent";
  CHECK(ix.find(absent, ix.hash(absent), cases) == id_index::none);
  CHECK(ix.find(absent, ix.hash(cases.ids[0]), cases) == id_index::none);  // the hash of a present id
}

TEST_CASE("id_index: clear empties the index, which then takes the same ids again") {
  case_ids cases;
  id_index ix{hash_key{3, 4}};
  for (std::uint32_t n = 0; n < 100; ++n) {
    cases.ids.push_back("KM-2026-10-" + std::to_string(n));
    ix.insert(cases.ids.back(), n);
  }
  ix.clear();
  CHECK(ix.size() == 0);
  CHECK(ix.longest_probe() == 0);
  CHECK(ix.key() == hash_key{3, 4});
  for (std::uint32_t n = 0; n < 100; ++n) CHECK(ix.find(cases.ids[n], cases) == id_index::none);
  for (std::uint32_t n = 0; n < 100; ++n) {
    cases.ids.push_back(cases.ids[n]);
    ix.insert(cases.ids[n], n + 100);
  }
  for (std::uint32_t n = 0; n < 100; ++n) CHECK(ix.find(cases.ids[n], cases) == n + 100);
}

TEST_CASE("id_index: longest_probe is the most slots a find examines, by linear probing from hash()") {
  const std::uint32_t n = 1000;
  id_index ix{hash_key{5, 6}};
  ix.reserve(n);  // 2048 slots: the least power of two >= 2n
  std::vector<bool> taken(2048);
  std::size_t longest = 0;
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::string id = "KM-2026-10-" + std::to_string(k);
    ix.insert(id, k);
    std::size_t i = ix.hash(id) & 2047;
    std::size_t probes = 1;
    for (; taken[i]; i = (i + 1) & 2047) ++probes;
    taken[i] = true;
    longest = std::max(longest, probes);
  }
  CHECK(longest > 1);
  CHECK(ix.longest_probe() == longest);
}

TEST_CASE("id_index: the key changes the hash of an id; the default key is fixed") {
  const id_index a;
  const id_index b{hash_key{0x0123456789abcdef, 0xfedcba9876543210}};
  CHECK(a.key() == hash_key{});
  CHECK(b.key() == hash_key{0x0123456789abcdef, 0xfedcba9876543210});
  for (const char* id : {"", "KM-2026-10-0000123", "KM-2026-10-0000124"}) {
    CAPTURE(id);
    CHECK(a.hash(id) != b.hash(id));
    CHECK(a.hash(id) == id_index{}.hash(id));  // no hidden per-instance seed
  }
}

namespace {

// The hash the index used before it was keyed.
std::uint32_t unkeyed_hash(std::string_view id) {
  const auto h = static_cast<std::uint64_t>(std::hash<std::string_view>{}(id));
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

// 2000 ids of the form "KM-2026-MM-nnnnnnn" whose unkeyed hash agrees in the low 12 bits with
// that of "KM-2026-01-0000000": what someone who knows the hash can submit. About one candidate
// in 4096 fits, so this hashes some 8 million ids.
std::vector<std::string> colliding_ids() {
  std::vector<std::string> ids;
  const std::uint32_t target = unkeyed_hash("KM-2026-01-0000000") & 0xfff;
  for (int month = 1; month <= 12 && ids.size() < 2000; ++month) {
    std::string id = "KM-2026-00-0000000";
    id[8] = static_cast<char>('0' + month / 10);
    id[9] = static_cast<char>('0' + month % 10);
    for (int n = 0; n < 10'000'000 && ids.size() < 2000; ++n) {
      if ((unkeyed_hash(id) & 0xfff) == target) ids.push_back(id);
      // The next serial number; the carry out of 9999999 is never used.
      std::size_t d = id.size() - 1;
      while (d > 10 && id[d] == '9') id[d--] = '0';
      ++id[d];
    }
  }
  return ids;
}

}  // namespace

TEST_CASE("id_index: ids chosen to collide under the unkeyed hash do not collide under the key") {
  const std::vector<std::string> ids = colliding_ids();
  REQUIRE(ids.size() == 2000);
  for (const std::string& id : ids) REQUIRE(id.size() == 18);

  // The old index held 2000 ids in 4096 slots and started each probe at the hash's low 12 bits:
  // every id had the same home, so the ids formed one run and the last took 2000 probes.
  std::vector<bool> taken(4096);
  std::size_t old_longest = 0;
  for (const std::string& id : ids) {
    std::size_t i = unkeyed_hash(id) & 0xfff;
    std::size_t probes = 1;
    for (; taken[i]; i = (i + 1) & 0xfff) ++probes;
    taken[i] = true;
    old_longest = std::max(old_longest, probes);
  }
  CHECK(old_longest > 1000);

  for (const hash_key key : {hash_key{}, hash_key{0x0123456789abcdef, 0xfedcba9876543210}}) {
    case_ids cases{ids};
    id_index ix{key};
    for (std::uint32_t n = 0; n < ids.size(); ++n) ix.insert(ids[n], n);
    CHECK(ix.longest_probe() <= 32);
    for (std::uint32_t n = 0; n < ids.size(); ++n) CHECK(ix.find(ids[n], cases) == n);
  }
}
