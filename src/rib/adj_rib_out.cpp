// Adj-RIB-Out queues and UPDATE batches (adj_rib_out.hpp).
#include "rib/adj_rib_out.hpp"

#include <algorithm>
#include <unordered_map>

namespace msee::rib {

namespace wire = bgp::wire;

void AdjRibOut::changed(const wire::Prefix& prefix, std::size_t table_size) {
  auto& o = out(prefix.addr.is_v4() ? wire::kIpv4Unicast : wire::kIpv6Unicast);
  o.pending.push_back(prefix);
  std::size_t limit = 2 * std::max(table_size, o.compacted) + 65536;
  if (o.pending.size() - o.next > limit) {
    std::vector<wire::Prefix> live(o.pending.begin() + static_cast<std::ptrdiff_t>(o.next),
                                   o.pending.end());
    std::sort(live.begin(), live.end());
    live.erase(std::unique(live.begin(), live.end()), live.end());
    o.pending = std::move(live);
    o.next = 0;
    o.dump_end = 0;
    o.compacted = o.pending.size();
  }
}

void AdjRibOut::dump(const LocRib& rib, wire::AfiSafi family) {
  auto& o = out(family);
  o.pending.clear();
  o.next = 0;
  o.pending.reserve(rib.size(family));
  rib.for_each_best(family, [&](const wire::Prefix& p, const Path&) { o.pending.push_back(p); });
  o.dump_end = o.pending.size();
}

void AdjRibOut::requeue(const LocRib& rib, wire::AfiSafi family) {
  auto& o = out(family);
  rib.for_each_best(family, [&](const wire::Prefix& p, const Path&) { o.pending.push_back(p); });
}

void AdjRibOut::reset() {
  v4_ = FamilyOut{};
  v6_ = FamilyOut{};
}

std::vector<wire::UpdateMessage> AdjRibOut::next_batch(
    wire::AfiSafi family, const LocRib& rib, const ExportRule& rule, ExportContext ectx,
    const std::optional<wire::IpAddress>& next_hop, const wire::EncodeContext& ctx) {
  auto& o = out(family);
  std::unordered_map<std::uint64_t, std::vector<wire::Prefix>> groups;
  std::vector<wire::Prefix> withdrawals;
  auto end = std::min(o.pending.size(), o.next + kBatch);
  for (; o.next < end; ++o.next) {
    const auto& p = o.pending[o.next];
    const Path* best = rib.best(p);
    if (best != nullptr && next_hop && exportable(rule, *best, p)) {
      bool from_ebgp = best->peer != kLocalPeer && rib.peer_info(best->peer).ebgp;
      groups[(std::uint64_t{best->attr} << 1) | (from_ebgp ? 1u : 0u)].push_back(p);
    } else if (o.next >= o.dump_end) {
      // Changed to nothing, or to something this peer must not get: withdraw.
      withdrawals.push_back(p);
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
  o.pending.clear();
  o.pending.shrink_to_fit();
  o.next = 0;
  o.dump_end = 0;
  o.compacted = 0;
  o.eorr_due = false;
  o.eor_due = false;
  return end;
}

}  // namespace msee::rib
