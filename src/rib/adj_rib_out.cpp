// Adj-RIB-Out queues and UPDATE batches (adj_rib_out.hpp).
#include "rib/adj_rib_out.hpp"

#include <algorithm>
#include <unordered_map>

namespace msee::rib {

namespace wire = bgp::wire;

AdjRibOut::FamilyOut::FamilyOut(FamilyOut&& o) noexcept
    : pending(std::move(o.pending)),
      next(o.next),
      dump_end(o.dump_end),
      compacted(o.compacted),
      eor_due(o.eor_due),
      eorr_due(o.eorr_due) {
  take_attachment(o);
}

AdjRibOut::FamilyOut::~FamilyOut() {
  if (attached()) {
    journal()->detach(*this);
  }
}

void AdjRibOut::FamilyOut::clear() {
  if (attached()) {
    journal()->detach(*this);
  }
  pending.clear();
  pending.shrink_to_fit();
  next = dump_end = compacted = 0;
  eor_due = eorr_due = false;
}

void AdjRibOut::FamilyOut::compact() {
  auto from = std::max(next, dump_end);
  std::sort(pending.begin() + static_cast<std::ptrdiff_t>(from), pending.end());
  pending.erase(std::unique(pending.begin() + static_cast<std::ptrdiff_t>(from), pending.end()),
                pending.end());
  compacted = pending.size() - next;
}

void AdjRibOut::FamilyOut::take_over(const ExportJournal& journal) {
  // The journal leaves this peer behind: keep its unread changes here, once each.
  for (auto s = cursor; s < journal.end(); ++s) {
    const auto& e = journal.at(s);
    if (e.local || !local_only) {
      pending.push_back(e.prefix);
    }
  }
  compact();
}

void AdjRibOut::changed(const wire::Prefix& prefix, std::size_t table_size) {
  auto& o = out(prefix.addr.is_v4() ? wire::kIpv4Unicast : wire::kIpv6Unicast);
  o.pending.push_back(prefix);
  std::size_t limit = 2 * std::max(table_size, o.compacted) + 65536;
  if (o.pending.size() - o.next > limit) {
    o.compact();
  }
}

void AdjRibOut::dump(const LocRib& rib, wire::AfiSafi family, const ExportRule& rule) {
  auto& o = out(family);
  o.pending.clear();
  o.next = 0;
  if (rule.local_only() && rule.local != nullptr) {
    rule.local->for_each_for(rule.self, family.afi, [&](const wire::Prefix& p) {
      if (rib.best(p) != nullptr) {
        o.pending.push_back(p);
      }
    });
  } else {
    o.pending.reserve(rib.size(family));
    rib.for_each_best(family, [&](const wire::Prefix& p, const Path&) { o.pending.push_back(p); });
  }
  o.dump_end = o.pending.size();
}

void AdjRibOut::requeue(const LocRib& rib, wire::AfiSafi family) {
  auto& o = out(family);
  rib.for_each_best(family, [&](const wire::Prefix& p, const Path&) { o.pending.push_back(p); });
}

void AdjRibOut::reset() {
  v4_.clear();
  v6_.clear();
}

std::vector<wire::UpdateMessage> AdjRibOut::next_batch(
    wire::AfiSafi family, const LocRib& rib, const ExportRule& rule, ExportContext ectx,
    const std::optional<wire::IpAddress>& next_hop, const wire::EncodeContext& ctx) {
  auto& o = out(family);
  std::unordered_map<std::uint64_t, std::vector<wire::Prefix>> groups;
  std::vector<wire::Prefix> withdrawals;
  auto consider = [&](const wire::Prefix& p, bool may_withdraw) {
    const Path* best = rib.best(p);
    if (best != nullptr && next_hop && exportable(rule, *best, p)) {
      bool from_ebgp = best->peer != kLocalPeer && rib.peer_info(best->peer).ebgp;
      groups[(std::uint64_t{best->attr} << 1) | (from_ebgp ? 1u : 0u)].push_back(p);
    } else if (may_withdraw) {
      // Changed to nothing, or to something this peer must not get: withdraw.
      withdrawals.push_back(p);
    }
  };
  // Each prefix is looked up in the Loc-RIB: its slot is fetched a few entries ahead.
  constexpr std::size_t kAhead = 8;
  auto end = std::min(o.pending.size(), o.next + kBatch);
  std::size_t taken = end - o.next;
  for (; o.next < end; ++o.next) {
    if (o.next + kAhead < end) {
      rib.prefetch(o.pending[o.next + kAhead]);
    }
    consider(o.pending[o.next], o.next >= o.dump_end);
  }
  // Then the table's journal, from this peer's cursor. With export off (and no exportFrom) the
  // peer only gets our own routes: changes that never involved one are skipped unread.
  o.local_only = rule.local_only();
  if (auto* j = o.journal(); j != nullptr && taken < kBatch) {
    bool was_oldest = o.cursor == j->begin();
    auto stop = std::min(j->end(), o.cursor + (kBatch - taken));
    for (; o.cursor < stop; ++o.cursor) {
      if (o.cursor + kAhead < stop) {
        rib.prefetch(j->at(o.cursor + kAhead).prefix);
      }
      const auto& e = j->at(o.cursor);
      if (e.local || !o.local_only) {
        consider(e.prefix, true);
      }
    }
    if (was_oldest) {
      j->trim();
    }
  }
  std::vector<wire::UpdateMessage> updates;
  if (!withdrawals.empty()) {
    updates = pack_withdrawals(family, withdrawals, ctx);
  }
  for (auto& [key, prefixes] : groups) {
    ectx.learned_from_ebgp = (key & 1u) != 0;
    auto exported = export_attributes(rib.store().get(static_cast<AttrId>(key >> 1)), ectx);
    auto packed = pack_updates(family, prefixes, exported, *next_hop, std::nullopt, ctx);
    if (updates.empty()) {
      updates = std::move(packed);
    } else {
      std::move(packed.begin(), packed.end(), std::back_inserter(updates));
    }
  }
  return updates;
}

AdjRibOut::PassEnd AdjRibOut::finish(wire::AfiSafi family) {
  auto& o = out(family);
  PassEnd end{o.eorr_due, o.eor_due, o.dump_end};
  o.pending.clear();  // the journal stays attached: the cursor is at its end
  o.pending.shrink_to_fit();
  o.next = 0;
  o.dump_end = 0;
  o.compacted = 0;
  o.eorr_due = false;
  o.eor_due = false;
  return end;
}

}  // namespace msee::rib
