#include "engine/case_store.hpp"

#include <algorithm>

#include "detail/prefetch.hpp"

namespace dueday::detail {

bool case_rec::had_transition(std::uint8_t k, bool pause, instant at) const noexcept {
  if (!transitions) return false;
  return std::any_of(transitions->begin(), transitions->end(),
                     [&](const transition_record& t) { return t.step == k && t.pause == pause && t.at == at; });
}

std::optional<std::uint32_t> case_store::find(std::string_view id) const noexcept {
  const std::uint32_t c = index_.find(id, [&](std::uint32_t n) -> std::string_view { return records_[n].id; });
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
  prefetch(r.id.data());
  prefetch(r.clocks.get(), r.clock_count * sizeof(clock_slot));
}

std::uint32_t case_store::add(std::string_view id, instant opened, std::uint16_t policy, std::uint16_t variant,
                              std::uint8_t clocks) {
  case_rec r;
  r.id = id;
  r.opened = opened;
  r.policy = policy;
  r.variant = variant;
  if (variant != no_variant) {
    r.clocks = std::make_unique<clock_slot[]>(clocks);
    r.clock_count = clocks;
  } else {
    r.status = case_status::out_of_scope;
    r.closed = opened;
  }
  index_.reserve(records_.size() + 1);  // may grow: before anything changes
  records_.push_back(std::move(r));     // strong guarantee
  const auto c = static_cast<std::uint32_t>(records_.size() - 1);
  index_.insert(records_.back().id, c);  // room reserved: cannot fail
  if (variant != no_variant) ++open_;
  return c;
}

void case_store::pop_back() noexcept {
  const case_rec& r = records_.back();
  if (r.status == case_status::open) --open_;
  index_.erase(r.id, [&](std::uint32_t n) -> std::string_view { return records_[n].id; });
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
    const case_rec& r = records_[c];
    if (r.status != case_status::open && r.closed < before) continue;
    renumber[c] = kept;
    if (kept != c) records_[kept] = std::move(records_[c]);  // noexcept moves, in place
    ++kept;
  }
  while (records_.size() > kept) records_.pop_back();
  // Rebuilt from the kept ids within the index's present room: no allocation.
  index_.clear();
  for (std::uint32_t c = 0; c < kept; ++c) index_.insert(records_[c].id, c);
  return renumber;
}

case_store::guard::guard(case_store& store, std::uint32_t c) : store_(store), c_(c) {
  const case_rec& r = store.records_[c];
  store.saved_.assign(r.clocks.get(), r.clocks.get() + r.clock_count);
  status_ = r.status;
  closed_ = r.closed;
  had_transitions_ = r.transitions != nullptr;
  transitions_ = had_transitions_ ? r.transitions->size() : 0;
}

void case_store::guard::rollback() noexcept {
  active_ = false;
  case_rec& r = store_.records_[c_];
  std::copy(store_.saved_.begin(), store_.saved_.end(), r.clocks.get());
  store_.set_status(c_, status_, closed_);
  if (!had_transitions_) {
    r.transitions.reset();
  } else {
    r.transitions->resize(transitions_);  // shrinking: no allocation
  }
}

}  // namespace dueday::detail
