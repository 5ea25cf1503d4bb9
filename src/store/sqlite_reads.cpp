// sqlite_storage's queries (store.hpp): the journal and the outbox read from their packed rows
// (sqlite_rows.hpp), ids, consumers, and the default queries of the storage interface. Every
// entry read back is checked against its row (a damaged row is refused, naming its entries).
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite_storage_impl.hpp"

namespace dueday {

bool sqlite_storage::has_command(std::string_view id) {
  impl::stmt q(*p_, "SELECT 1 FROM ids WHERE id = ?1");
  q.bind(1, id);
  return q.step();
}

// The writer asks SQLite only about the ids its filter (id_filter.hpp) may hold, a reader (which
// sees another connection's commits) about every id; a few statements for a batch: SQLite looks
// each up in the ids table's B-tree, without a statement step and reset per id.
std::vector<std::string> sqlite_storage::known_ids(std::span<const std::string_view> asked) {
  std::span<const std::string_view> ids = asked;
  std::vector<std::string_view> maybe;
  if (!p_->read_only) {
    detail::id_filter& f = p_->ids_seen;
    if (!f.built()) {  // from the ids table, sized for it
      impl::stmt count(*p_, "SELECT count(*) FROM ids");
      f.rebuild(count.step() ? static_cast<std::size_t>(count.integer(0)) : 0);
      impl::stmt all(*p_, "SELECT id FROM ids");
      while (all.step()) f.add(all.text(0));
    }
    for (const std::string_view id : asked)
      if (f.may_hold(id)) maybe.push_back(id);
    ids = maybe;
  }
  constexpr std::size_t chunk = 64;  // the ?s below
  impl::stmt q(*p_,
               "SELECT DISTINCT id FROM ids WHERE id IN (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
               "?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37,?38,?39,?40,?41,?42,"
               "?43,?44,?45,?46,?47,?48,?49,?50,?51,?52,?53,?54,?55,?56,?57,?58,?59,?60,?61,?62,?63,?64)");
  std::vector<std::string> known;
  for (std::size_t from = 0; from < ids.size(); from += chunk) {
    const std::size_t n = std::min(chunk, ids.size() - from);
    for (std::size_t k = 0; k < chunk; ++k) {  // unused places stay NULL, which matches no id
      if (k < n) q.bind_static(static_cast<int>(k + 1), ids[from + k]);
    }
    while (q.step()) known.emplace_back(q.text(0));
    q.reset();  // also clears the bindings
  }
  std::sort(known.begin(), known.end());  // an id asked for twice in two chunks is known once
  known.erase(std::unique(known.begin(), known.end()), known.end());
  return known;
}

void sqlite_storage::read_journal(std::uint64_t position, const std::function<void(const journal_entry&)>& each) {
  const impl::reading r(*p_);  // the trim point and the entries of one state
  const std::uint64_t trimmed = p_->counter("trimmed");
  if (position < trimmed) {
    p_->refuse(fmt::format("the journal up to position {} was trimmed: it cannot be read from position {}", trimmed,
                           position));
  }
  // From the row that holds position + 1 (or the first one after it).
  impl::stmt q(*p_,
               "SELECT first, last, ids, commands FROM journal WHERE first >= coalesce((SELECT first FROM journal "
               "WHERE first <= ?1 ORDER BY first DESC LIMIT 1), 0) ORDER BY first");
  q.bind(1, static_cast<std::int64_t>(std::min<std::uint64_t>(position, INT64_MAX - 1) + 1));
  journal_entry e;
  std::vector<std::string_view> lines;
  std::vector<std::string_view> names;
  while (q.step()) {
    const auto [first, n] = p_->row_span(q, "journal", "positions");
    if (!detail::split_row(q.text(3), n, lines) || (!q.null(2) && !detail::split_row(q.text(2), n, names)))
      p_->damaged("journal", "positions", first, n);
    for (std::uint64_t k = 0; k < n; ++k) {
      if (first + k <= position) continue;
      e.position = first + k;
      e.id.assign(q.null(2) ? std::string_view() : names[k]);
      e.command.assign(lines[k]);
      each(e);
    }
  }
}

std::vector<outbox_event> sqlite_storage::read_events(std::uint64_t sequence, std::size_t max) {
  const impl::reading r(*p_);
  impl::stmt q(*p_,
               "SELECT first, last, keys, events FROM outbox WHERE first >= coalesce((SELECT first FROM outbox "
               "WHERE first <= ?1 ORDER BY first DESC LIMIT 1), 0) ORDER BY first");
  q.bind(1, static_cast<std::int64_t>(std::min<std::uint64_t>(sequence, INT64_MAX - 1) + 1));
  std::vector<outbox_event> out;
  std::vector<std::string_view> keys;
  std::vector<std::string_view> texts;
  while (out.size() < max && q.step()) {
    const auto [first, n] = p_->row_span(q, "outbox", "events");
    if (!detail::split_row(q.text(2), n, keys) || !detail::split_row(q.text(3), n, texts))
      p_->damaged("outbox", "events", first, n);
    for (std::uint64_t k = 0; k < n && out.size() < max; ++k) {
      if (first + k > sequence) out.push_back({first + k, std::string(keys[k]), std::string(texts[k])});
    }
  }
  return out;
}

std::optional<std::uint64_t> sqlite_storage::acknowledged(std::string_view name) {
  impl::stmt q(*p_, "SELECT acked FROM consumers WHERE name = ?1");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  return static_cast<std::uint64_t>(q.integer(0));
}

std::optional<std::uint64_t> sqlite_storage::checkpoint_position() {
  impl::stmt q(*p_, "SELECT max(position) FROM checkpoint");
  if (!q.step() || q.null(0)) return std::nullopt;
  return static_cast<std::uint64_t>(q.integer(0));
}

}  // namespace dueday

// --- Queries for status displays (storage::consumers, storage::last_identified) ----------------

namespace dueday {

std::vector<std::string> storage::known_ids(std::span<const std::string_view> ids) {
  std::vector<std::string> known;
  for (const std::string_view id : ids) {
    if (has_command(id) && std::find(known.begin(), known.end(), id) == known.end()) known.emplace_back(id);
  }
  return known;
}

std::vector<std::pair<std::string, std::uint64_t>> storage::consumers() {
  throw store_error(fmt::format("store {}: this storage does not list its consumers", name()));
}

std::optional<journal_entry> storage::last_identified() {
  std::optional<journal_entry> last;
  read_journal(0, [&](const journal_entry& e) {
    if (!e.id.empty()) last = e;
  });
  return last;
}

std::vector<std::pair<std::string, std::uint64_t>> sqlite_storage::consumers() {
  impl::stmt q(*p_, "SELECT name, acked FROM consumers ORDER BY name");
  std::vector<std::pair<std::string, std::uint64_t>> out;
  while (q.step()) out.emplace_back(std::string(q.text(0)), static_cast<std::uint64_t>(q.integer(1)));
  return out;
}

// One read transaction (WAL: one snapshot of the database) around all of body's statements.
void sqlite_storage::read_together(const std::function<void()>& body) {
  const impl::reading r(*p_);
  body();
}

// From the ids, which outlive the journal rows a checkpoint trimmed (their command is then "").
std::optional<journal_entry> sqlite_storage::last_identified() {
  const impl::reading r(*p_);
  impl::stmt q(*p_, "SELECT position, id FROM ids ORDER BY position DESC LIMIT 1");
  if (!q.step()) return std::nullopt;
  journal_entry last{static_cast<std::uint64_t>(q.integer(0)), std::string(q.text(1)), {}};
  impl::stmt row(*p_, "SELECT first, last, ids, commands FROM journal WHERE first <= ?1 ORDER BY first DESC LIMIT 1");
  row.bind(1, static_cast<std::int64_t>(last.position));
  if (row.step()) {
    const auto [first, n] = p_->row_span(row, "journal", "positions");
    std::vector<std::string_view> lines;
    if (!detail::split_row(row.text(3), n, lines)) p_->damaged("journal", "positions", first, n);
    if (last.position - first < n) last.command = lines[last.position - first];  // else trimmed
  }
  return last;
}

}  // namespace dueday
