#include "engine/case_store.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#include "detail/prefetch.hpp"

namespace dueday::detail {

case_id_text::case_id_text(std::string_view s) {
  if (s.size() <= in_place) {
    std::memcpy(bytes_.data(), s.data(), s.size());
    bytes_[tag_at] = static_cast<char>(s.size());
    return;
  }
  char* heap = new char[s.size()];
  std::memcpy(heap, s.data(), s.size());
  const std::size_t size = s.size();
  std::memcpy(bytes_.data(), &heap, sizeof heap);
  std::memcpy(bytes_.data() + sizeof heap, &size, sizeof size);
  bytes_[tag_at] = static_cast<char>(on_heap);
}

char* case_id_text::heap() const noexcept {
  char* p = nullptr;
  std::memcpy(&p, bytes_.data(), sizeof p);
  return p;
}

std::string_view case_id_text::view() const noexcept {
  const auto tag = static_cast<std::uint8_t>(bytes_[tag_at]);
  if (tag != on_heap) return {bytes_.data(), tag};
  std::size_t size = 0;
  std::memcpy(&size, bytes_.data() + sizeof(char*), sizeof size);
  return {heap(), size};
}

void case_id_text::release() noexcept {
  if (static_cast<std::uint8_t>(bytes_[tag_at]) != on_heap) return;
  delete[] heap();
  bytes_[tag_at] = 0;
}

record_chunks::~record_chunks() {
  while (size_ > 0) pop_back();
  for (std::size_t k = 0; k < chunks_.size(); ++k) free_big(chunks_[k], length_of(k) * sizeof(case_rec));
}

void record_chunks::push_back(case_rec&& r) {
  const std::size_t k = chunk_of(size_);
  if (k == chunks_.size()) {
    chunks_.reserve(k + 1);  // before the chunk: nothing to give back if this throws
    chunks_.push_back(static_cast<case_rec*>(allocate_big(length_of(k) * sizeof(case_rec))));
  }
  new (&chunks_[k][size_ - first_of(k)]) case_rec(std::move(r));  // noexcept
  ++size_;
}

void record_chunks::pop_back() noexcept {
  back().~case_rec();
  --size_;
}

clock_pool::~clock_pool() {
  for (const block& b : blocks_) free_big(b.memory, b.bytes);
}

namespace {

// A freed run of clocks holds the link to the next free run of its length in its first bytes.
struct free_link {
  clock_slot* next;
};
static_assert(std::is_trivially_destructible_v<clock_slot> && sizeof(clock_slot) >= sizeof(free_link));

}  // namespace

clock_slot* clock_pool::allocate(std::uint8_t n) {
  clock_slot* p = free_[n];
  if (p != nullptr) {
    free_link link{};
    std::memcpy(&link, static_cast<const void*>(p), sizeof link);
    free_[n] = link.next;
  } else {
    const std::size_t bytes = n * sizeof(clock_slot);
    if (left_ < bytes) {
      const std::size_t size =
          std::max(bytes, blocks_.empty() ? std::size_t{16} << 10 : std::min(2 * blocks_.back().bytes, huge_page));
      blocks_.reserve(blocks_.size() + 1);  // before the block: nothing to give back if this throws
      void* memory = allocate_big(size);
      blocks_.push_back({memory, size});
      next_ = static_cast<std::byte*>(memory);
      left_ = size;
    }
    p = reinterpret_cast<clock_slot*>(next_);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): raw memory
    next_ += bytes;
    left_ -= bytes;
  }
  std::uninitialized_value_construct_n(p, n);
  return p;
}

void clock_pool::free(clock_slot* p, std::uint8_t n) noexcept {
  if (p == nullptr) return;
  const free_link link{free_[n]};
  std::memcpy(static_cast<void*>(p), &link, sizeof link);
  free_[n] = p;
}

bool case_rec::had_transition(std::uint8_t k, bool pause, instant at) const noexcept {
  if (!transitions) return false;
  return std::any_of(transitions->begin(), transitions->end(),
                     [&](const transition_record& t) { return t.step == k && t.pause == pause && t.at == at; });
}

std::optional<std::uint32_t> case_store::find(std::string_view id) const noexcept {
  const std::uint32_t c = index_.find(id, id_of());
  if (c == id_index::none) return std::nullopt;
  return c;
}

std::optional<std::uint32_t> case_store::find(std::string_view id, std::uint32_t hash) const noexcept {
  const std::uint32_t c = index_.find(id, hash, id_of());
  if (c == id_index::none) return std::nullopt;
  return c;
}

std::uint32_t case_store::prefetch_record(std::uint32_t hash) const noexcept {
  const std::uint32_t c = index_.candidate(hash);
  if (c < records_.size()) prefetch(&records_[c], sizeof(case_rec));
  return c;
}

void case_store::prefetch_contents(std::uint32_t c) const noexcept {
  if (c >= records_.size()) return;
  const case_rec& r = records_[c];
  prefetch(r.id.view().data());
  prefetch(r.clocks, r.clock_count * sizeof(clock_slot));
  if (r.transitions) prefetch(r.transitions.get());
}

void case_store::prefetch_history(std::uint32_t c) const noexcept {
  if (c >= records_.size()) return;
  const case_rec& r = records_[c];
  if (r.transitions && !r.transitions->empty())
    prefetch(r.transitions->data(), r.transitions->size() * sizeof(transition_record));
}

std::uint32_t case_store::add(std::string_view id, instant opened, std::uint16_t policy, std::uint16_t variant,
                              std::uint8_t clocks) {
  index_.reserve(records_.size() + 1);  // may grow: before anything changes
  case_rec r;
  r.id = case_id_text(id);
  r.opened = opened;
  r.policy = policy;
  r.variant = variant;
  if (variant != no_variant) {
    r.clocks = clocks_.allocate(clocks);
    r.clock_count = clocks;
  } else {
    r.status = case_status::out_of_scope;
    r.closed = opened;
  }
  try {
    records_.push_back(std::move(r));  // strong guarantee
  } catch (...) {
    clocks_.free(r.clocks, r.clock_count);
    throw;
  }
  const auto c = static_cast<std::uint32_t>(records_.size() - 1);
  index_.insert(id, c);  // room reserved: cannot fail
  if (variant != no_variant) ++open_;
  return c;
}

void case_store::pop_back() noexcept {
  case_rec& r = records_.back();
  if (r.status == case_status::open) --open_;
  index_.erase(r.id, id_of());
  clocks_.free(r.clocks, r.clock_count);
  records_.pop_back();
}

void case_store::set_status(std::uint32_t c, case_status s, instant at) noexcept {
  case_rec& r = records_[c];
  if (r.status == case_status::open && s != case_status::open) --open_;
  if (r.status != case_status::open && s == case_status::open) ++open_;
  r.status = s;
  r.closed = at;
}

void case_store::reserve(std::size_t cases) { index_.reserve(cases); }

std::vector<std::uint32_t> case_store::retire(instant before) {
  std::vector<std::uint32_t> renumber(records_.size(), id_index::none);  // the only allocation
  std::uint32_t kept = 0;
  for (std::size_t c = 0; c < records_.size(); ++c) {
    case_rec& r = records_[c];
    if (r.status != case_status::open && r.closed < before) {
      clocks_.free(r.clocks, r.clock_count);
      r.clocks = nullptr;
      continue;
    }
    renumber[c] = kept;
    if (kept != c) records_[kept] = std::move(records_[c]);  // noexcept moves, in place
    ++kept;
  }
  while (records_.size() > kept) records_.pop_back();
  // Rebuilt from the kept ids within the index's present room: no allocation.
  index_.clear();
  for (std::uint32_t c = 0; c < kept; ++c) index_.insert(records_[c].id.view(), c);
  return renumber;
}

case_store::guard::guard(case_store& store, std::uint32_t c) : store_(store), c_(c) {
  const case_rec& r = store.records_[c];
  store.saved_.assign(r.clocks, r.clocks + r.clock_count);
  status_ = r.status;
  closed_ = r.closed;
  had_transitions_ = r.transitions != nullptr;
  transitions_ = had_transitions_ ? r.transitions->size() : 0;
}

void case_store::guard::rollback() noexcept {
  active_ = false;
  case_rec& r = store_.records_[c_];
  std::copy(store_.saved_.begin(), store_.saved_.end(), r.clocks);
  store_.set_status(c_, status_, closed_);
  if (!had_transitions_) {
    r.transitions.reset();
  } else {
    r.transitions->resize(transitions_);  // shrinking: no allocation
  }
}

}  // namespace dueday::detail
