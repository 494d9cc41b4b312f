// The speaker's outbound half: a best path changed -> queue it in every peer's Adj-RIB-Out
// (rib/adj_rib_out.hpp) -> send batches of UPDATEs while the peer's socket queue has room.
// The decisions (what goes to whom, with which attributes, packed how) are rib's; this file
// schedules them on the io_context and feeds the sockets.
#include <boost/asio/post.hpp>

#include <algorithm>

#include "speaker/speaker.hpp"
#include "util/log.hpp"

namespace msee::speaker {

namespace asio = boost::asio;
namespace wire = bgp::wire;
using bgp::io::Peer;

namespace {
bool negotiated_family(const Peer& peer, wire::AfiSafi family) {
  const auto* n = peer.negotiated();
  return n != nullptr &&
         std::find(n->families.begin(), n->families.end(), family) != n->families.end();
}
}  // namespace

void Speaker::changed(TableId table, const wire::Prefix& prefix, bool local_change) {
  auto family = prefix.addr.is_v4() ? wire::kIpv4Unicast : wire::kIpv6Unicast;
  auto& t = tables_[table];
  auto& journal = t.journal(family);
  if (!journal.has_readers()) {
    return;  // no established member negotiated the family
  }
  const auto& loc = *t.rib;
  // Peers with export off only ever get our own routes: the entry says whether one of our
  // paths is involved (present now, or just added/withdrawn), so they can skip the rest.
  bool local_involved =
      local_change || (any_export_off_ && loc.has_path(prefix, rib::kLocalPeer));
  journal.append(prefix, local_involved, loc.size(family));
  schedule_table_flush(table);
}

void Speaker::schedule_table_flush(TableId table) {
  if (tables_[table].flush_posted) {
    return;
  }
  tables_[table].flush_posted = true;
  asio::post(io_, [this, table] {
    tables_[table].flush_posted = false;
    for (auto i : tables_[table].members) {
      flush(states_[i]);
    }
  });
}

void Speaker::requeue_all(PeerState& ps) {
  const auto* n = ps.peer->negotiated();
  if (n == nullptr) {
    return;
  }
  for (auto family : n->families) {
    ps.out.requeue(home(ps), family);
  }
  schedule_flush(ps);
}

void Speaker::schedule_flush(PeerState& ps) {
  if (ps.flush_posted) {
    return;
  }
  ps.flush_posted = true;
  asio::post(io_, [this, &ps] {
    ps.flush_posted = false;
    flush(ps);
  });
}

std::optional<wire::IpAddress> Speaker::next_hop_for(const PeerState& ps,
                                                     wire::AfiSafi family) const {
  return rib::export_next_hop(family, ps.config->next_hop, ps.config->next_hop6,
                              ps.peer->local_address());
}

rib::ExportContext Speaker::export_context(const PeerState& ps, wire::Asn peer_as) const {
  rib::ExportContext ectx{config_.asn, peer_as};
  ectx.remove_private_as = ps.config->remove_private_as;
  ectx.extra_prepends = ps.extra_prepends;
  return ectx;
}

void Speaker::for_each_advertised(const Peer& peer, wire::AfiSafi family,
                                  const AdvertisedFn& fn) const {
  const auto& ps = state_of(peer);
  if (!negotiated_family(peer, family)) {
    return;
  }
  auto next_hop = next_hop_for(ps, family);
  if (!next_hop) {
    return;
  }
  // The same decision and transformation a batch applies, so the view is what was sent
  // (modulo UPDATEs still queued).
  auto ectx = export_context(ps, peer.negotiated()->peer_as);
  auto rule = export_rule(ps);
  const auto& loc = home(ps);
  loc.for_each_best(family, [&](const wire::Prefix& p, const rib::Path& best) {
    if (!rib::exportable(rule, best, p)) {
      return;
    }
    ectx.learned_from_ebgp = best.peer != rib::kLocalPeer && loc.peer_info(best.peer).ebgp;
    fn(p, rib::export_attributes(loc.store().get(best.attr), ectx), *next_hop);
  });
}

std::size_t Speaker::advertised_count(const Peer& peer, wire::AfiSafi family) const {
  const auto& ps = state_of(peer);
  if (!negotiated_family(peer, family) || !next_hop_for(ps, family)) {
    return 0;
  }
  auto rule = export_rule(ps);
  const auto& loc = home(ps);
  std::size_t n = 0;
  if (rule.local_only() && rule.local != nullptr && rule.local->size() != 0) {
    rule.local->for_each_for(ps.id, family.afi, [&](const wire::Prefix& p) {
      if (const auto* best = loc.best(p); best != nullptr && rib::exportable(rule, *best, p)) {
        ++n;
      }
    });
    return n;
  }
  loc.for_each_best(family, [&](const wire::Prefix& p, const rib::Path& best) {
    n += rib::exportable(rule, best, p) ? 1 : 0;
  });
  return n;
}

// Turns queued prefixes into UPDATEs while the peer's socket queue has room; resumes from
// on_drained() when it had none.
void Speaker::flush(PeerState& ps) {
  auto& peer = *ps.peer;
  const auto* n = peer.negotiated();
  if (n == nullptr) {
    return;
  }
  touched(ps.id);  // UPDATEs sent, prefixes advertised
  auto ectx = export_context(ps, n->peer_as);
  auto rule = export_rule(ps);
  auto ctx = peer.encode_context();
  for (auto family : n->families) {
    auto next_hop = next_hop_for(ps, family);
    while (ps.out.pending(family)) {
      if (peer.queued_bytes() >= Peer::kHighWater) {
        peer.notify_when_drained();  // resume in on_drained()
        return;
      }
      for (auto& u : ps.out.next_batch(family, home(ps), rule, ectx, next_hop, ctx)) {
        peer.send(u);
      }
    }
    auto end = ps.out.finish(family);
    if (!next_hop && end.dumped > 0) {
      log::warn("peer {}: no {} next hop for it (set nextHop{}): {} routes not announced",
                peer.name(), wire::to_string(family), family.afi == wire::Afi::Ipv4 ? "" : "6",
                end.dumped);
    }
    if (end.eorr) {
      peer.send(wire::RouteRefreshMessage{family, wire::RouteRefreshSubtype::EndOfRouteRefresh});
    }
    if (end.eor) {
      peer.send(wire::UpdateMessage::make_end_of_rib(family));
      log::info("peer {}: initial {} table sent ({} prefixes in the Loc-RIB), End-of-RIB",
                peer.name(), wire::to_string(family), home(ps).size(family));
    }
  }
}

}  // namespace msee::speaker
