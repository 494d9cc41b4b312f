// The shared export journal (export_journal.hpp).
#include "rib/export_journal.hpp"

#include <algorithm>

namespace msee::rib {

ExportJournal::~ExportJournal() {
  for (auto* r : readers_) {
    r->journal_ = nullptr;
  }
}

void ExportJournal::Reader::take_attachment(Reader& from) {
  cursor = from.cursor;
  local_only = from.local_only;
  journal_ = from.journal_;
  from.journal_ = nullptr;
  if (journal_ != nullptr) {
    std::replace(journal_->readers_.begin(), journal_->readers_.end(), &from, this);
  }
}

void ExportJournal::attach(Reader& r) {
  if (r.journal_ == this) {
    return;
  }
  if (r.journal_ != nullptr) {
    r.journal_->detach(r);
  }
  r.journal_ = this;
  r.cursor = end();
  readers_.push_back(&r);
}

void ExportJournal::detach(Reader& r) {
  if (r.journal_ != this) {
    return;
  }
  readers_.erase(std::find(readers_.begin(), readers_.end(), &r));
  r.journal_ = nullptr;
  trim();
}

void ExportJournal::append(const bgp::wire::Prefix& prefix, bool local, std::size_t table_size) {
  if (readers_.empty()) {
    return;
  }
  entries_.push_back(Entry{prefix, local});
  // The same bound the per-peer queues had: room for a full table twice over before anyone's
  // duplicates are collapsed, so a mass change does not sort a queue every few entries.
  high_ = std::max(high_, table_size);
  std::size_t bound = 2 * high_ + 65536;
  if (entries_.size() > bound) {
    relieve();
  }
}

void ExportJournal::relieve() {
  // Readers still in the older half hand their backlog over; the others are close behind the
  // head and keep reading from here.
  Seq cutoff = first_ + entries_.size() / 2;
  for (auto* r : readers_) {
    if (r->cursor < cutoff) {
      r->take_over(*this);
      r->cursor = end();
    }
  }
  trim();
}

void ExportJournal::trim() {
  Seq low = end();
  for (const auto* r : readers_) {
    low = std::min(low, r->cursor);
  }
  if (low <= first_) {
    return;
  }
  auto drop = static_cast<std::size_t>(low - first_);
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
  first_ = low;
  if (entries_.empty()) {
    entries_.shrink_to_fit();  // a burst's memory goes back once everyone has read it
    high_ = 0;
  }
}

}  // namespace msee::rib
