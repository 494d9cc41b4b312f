// Adj-RIB-Out of one peer (RFC 4271 §3.2, §9.2): which prefixes still have to be (re)sent, and
// the UPDATEs that carry them. Like OpenBGPD's rde_update.c it never holds a socket: the speaker
// asks for the next batch while the peer's socket queue has room, sends it, and asks again
// (back-pressure: a slow receiver costs one queue entry per changed prefix, never unbounded
// encoded bytes).
//
// The queue holds prefixes, not routes: when a batch is built, each prefix's current best path
// decides — announce with the exported attributes, or withdraw. Entries of an initial dump (or a
// refresh) never withdraw: the peer has nothing from us yet.
//
// Two sources feed a family's batches: the peer's own queue (dumps, requeues, and what it took
// over from the journal when it fell behind) first, then its table's shared export journal
// (export_journal.hpp) from its cursor: a change is recorded once per table, not once per peer.
//
// Concurrency contract: single-threaded (the protocol thread), like the Loc-RIB it reads.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"
#include "rib/export.hpp"
#include "rib/export_journal.hpp"
#include "rib/loc_rib.hpp"

namespace msee::rib {

class AdjRibOut {
 public:
  // Queued prefixes turned into UPDATEs per batch, before the caller looks at its socket queue.
  static constexpr std::size_t kBatch = 4096;

  // Reads the changes of `family` from `journal` from now on (session up, for each negotiated
  // family, before the dump).
  void attach(bgp::wire::AfiSafi family, ExportJournal& journal) { journal.attach(out(family)); }
  bool attached(bgp::wire::AfiSafi family) const { return out(family).attached(); }

  // The best path of `prefix` may have changed: queued in this peer's own queue. `table_size` (prefixes of its family in the
  // Loc-RIB) bounds the queue: a prefix that flaps while the peer is not reading is queued
  // again each time, so duplicates are collapsed once the queue holds twice as many entries as
  // there can be distinct ones (and never below twice the last compacted size, so a mass
  // withdrawal does not sort the queue every few entries).
  void changed(const bgp::wire::Prefix& prefix, std::size_t table_size);
  // The whole table of `family` (session up, ROUTE-REFRESH): supersedes what was queued. A
  // peer that takes only our own routes (rule.local_only() with rule.local set) gets the
  // local routes it may have, from the index, instead of a walk of the whole table.
  void dump(const LocRib& rib, bgp::wire::AfiSafi family, const ExportRule& rule);
  // Every prefix of `family` re-evaluated, withdrawing what no longer goes to this peer (its
  // export rules or prepends changed). Withdrawing what it never had is harmless (RFC 4271
  // §9.1.3 ignores it).
  void requeue(const LocRib& rib, bgp::wire::AfiSafi family);
  // Session down: forget everything and stop reading the journals.
  void reset();

  // End-of-RIB (RFC 4724 §2) after the current pass of `family`; EoRR (RFC 7313) likewise.
  void set_eor_due(bgp::wire::AfiSafi family) { out(family).eor_due = true; }
  void set_eorr_due(bgp::wire::AfiSafi family, bool due) { out(family).eorr_due = due; }

  // True while prefixes of `family` wait to be sent.
  bool pending(bgp::wire::AfiSafi family) const {
    const auto& o = out(family);
    return o.next < o.pending.size() || o.unread() > 0;
  }
  // Entries still to look at: the own queue's and the journal's unread ones (before the
  // export-off filter).
  std::size_t queued(bgp::wire::AfiSafi family) const {
    const auto& o = out(family);
    return o.pending.size() - o.next + o.unread();
  }

  // The next batch (at most kBatch queued prefixes) of `family` as UPDATEs: withdrawals first,
  // then announcements grouped by attribute set and by "learned from an external peer" (which
  // decides whether MED is passed on, RFC 4271 §5.1.4), each packed to the message size.
  // `rule` says which routes this peer gets; without a next hop nothing is announced. The own
  // queue goes first, then the journal.
  std::vector<bgp::wire::UpdateMessage> next_batch(
      bgp::wire::AfiSafi family, const LocRib& rib, const ExportRule& rule, ExportContext ectx,
      const std::optional<bgp::wire::IpAddress>& next_hop, const bgp::wire::EncodeContext& ctx);

  // The pass of `family` is through (pending() is false): clears the queue and says which end
  // markers are due, in the order they are sent (EoRR, then End-of-RIB).
  struct PassEnd {
    bool eorr = false;
    bool eor = false;
    std::size_t dumped = 0;  // entries of the pass that came from a dump
  };
  PassEnd finish(bgp::wire::AfiSafi family);

 private:
  struct FamilyOut final : ExportJournal::Reader {
    std::vector<bgp::wire::Prefix> pending;  // prefixes whose best path may have changed
    std::size_t next = 0;                    // first unprocessed entry
    std::size_t dump_end = 0;                // entries before this index come from a dump
    std::size_t compacted = 0;               // distinct entries after the last compaction
    bool eor_due = false;
    bool eorr_due = false;

    FamilyOut() = default;
    FamilyOut(FamilyOut&& o) noexcept;
    FamilyOut& operator=(FamilyOut&&) = delete;
    ~FamilyOut();
    std::size_t unread() const {
      return attached() ? static_cast<std::size_t>(journal()->end() - cursor) : 0;
    }
    void clear();  // forget the queue and the markers, detach
    // Collapses the unprocessed entries after the dump to distinct prefixes.
    void compact();

   private:
    void take_over(const ExportJournal& journal) override;
  };
  FamilyOut& out(bgp::wire::AfiSafi f) { return f == bgp::wire::kIpv4Unicast ? v4_ : v6_; }
  const FamilyOut& out(bgp::wire::AfiSafi f) const {
    return f == bgp::wire::kIpv4Unicast ? v4_ : v6_;
  }

  FamilyOut v4_, v6_;
};

}  // namespace msee::rib
