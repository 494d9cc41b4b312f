// The export journal of one table and family: every prefix whose best path changed, in order,
// once, shared by every peer the table is sent to, each reading it through its own cursor
// (issue #15; the shape of BIRD 3's export journal). Before it, each exporting peer queued its
// own copy of every change: 10 exporting peers x 1M changes held 10M queue entries; now they
// hold 1M and ten cursors.
//
// Memory stays bounded when a peer stops reading (a full socket, a slow CE): once the journal
// holds more than `bound` entries (twice the table, at its largest since the readers last
// caught up, plus a constant), the readers in its older
// half take their unread entries over into their own queue, collapsed to distinct prefixes,
// and the journal drops what every remaining reader has read. A slow peer therefore costs at
// most one entry per distinct prefix of its own, and never holds the journal for fast peers.
//
// Entries carry `local`: one of our own paths was involved in the change, which is all a peer
// with export off needs to see (it skips the others when reading).
//
// Concurrency contract: single-threaded (the table's protocol thread), like the Loc-RIB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "bgp/wire/types.hpp"

namespace msee::rib {

class ExportJournal {
 public:
  using Seq = std::uint64_t;
  struct Entry {
    bgp::wire::Prefix prefix;
    bool local = false;  // one of our own paths was added, withdrawn or present
  };

  // A peer reading the journal. `cursor` is the sequence number of the next entry it reads.
  class Reader {
   public:
    Reader() = default;
    virtual ~Reader() = default;
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    bool attached() const { return journal_ != nullptr; }
    ExportJournal* journal() const { return journal_; }
    Seq cursor = 0;
    bool local_only = false;  // export off: reads entries with `local` only

   protected:
    // Moves the attachment of `from` (if any) to this reader (used by movable owners).
    void take_attachment(Reader& from);

   private:
    friend class ExportJournal;
    // The journal is about to drop entries [cursor, end()) that this reader has not read: it
    // keeps them itself (filtered by local_only); the cursor then moves to end().
    virtual void take_over(const ExportJournal& journal) = 0;
    ExportJournal* journal_ = nullptr;
  };

  ExportJournal() = default;
  ExportJournal(const ExportJournal&) = delete;
  ExportJournal& operator=(const ExportJournal&) = delete;
  ~ExportJournal();

  // A reader starts at end(): it sees the changes from now on.
  void attach(Reader& r);
  void detach(Reader& r);
  bool has_readers() const { return !readers_.empty(); }
  std::size_t readers() const { return readers_.size(); }

  // A change of `prefix`; nothing is kept while no one reads. `table_size` (prefixes of the
  // family in the table) sets the bound beyond which lagging readers take their entries over.
  void append(const bgp::wire::Prefix& prefix, bool local, std::size_t table_size);

  Seq begin() const { return first_; }
  Seq end() const { return first_ + entries_.size(); }
  std::size_t size() const { return entries_.size(); }
  const Entry& at(Seq s) const { return entries_[static_cast<std::size_t>(s - first_)]; }

  // Drops the entries every reader has read (a reader calls it after reading).
  void trim();

 private:
  void relieve();
  std::deque<Entry> entries_;
  Seq first_ = 0;
  // The largest table size since the readers last caught up: the bound follows it, not the
  // table's size now, or a mass withdrawal (a full-table peer going down, the table shrinking
  // to nothing) made every 64k entries a take-over, each sorting the lagging reader's whole
  // backlog again: 1M withdrawals cost seconds of sorting (perf, bgpbench teardown).
  std::size_t high_ = 0;
  std::vector<Reader*> readers_;
};

}  // namespace msee::rib
