// Best path steps (see best_path.hpp for the RFC vs ours notes).
#include "rib/best_path.hpp"

#include <algorithm>

namespace msee::rib {

namespace wire = bgp::wire;

const char* to_string(BestPathReason r) {
  switch (r) {
    case BestPathReason::OnlyPath: return "only path";
    case BestPathReason::Weight: return "weight";
    case BestPathReason::LocalPref: return "local preference";
    case BestPathReason::LocallyOriginated: return "locally originated";
    case BestPathReason::AsPathLength: return "AS path length";
    case BestPathReason::Origin: return "origin";
    case BestPathReason::Med: return "MED";
    case BestPathReason::EbgpOverIbgp: return "eBGP over iBGP";
    case BestPathReason::RouterId: return "router ID";
    case BestPathReason::PeerAddress: return "peer address";
    case BestPathReason::Equal: return "equal";
  }
  return "?";
}

namespace {

Decision pick(bool a_better, BestPathReason reason) { return Decision{a_better, reason}; }

}  // namespace

wire::Asn neighbour_as(const wire::PathAttributes& a) {
  if (!a.as_path) {
    return 0;
  }
  for (const auto& seg : a.as_path->segments) {
    if (seg.type == wire::AsSegmentType::AsSequence && !seg.asns.empty()) {
      return seg.asns.front();
    }
    if (seg.type == wire::AsSegmentType::AsSet) {
      return 0;
    }
  }
  return 0;
}

std::size_t select_best(const std::vector<Candidate>& cands) {
  // Group winners, keyed by neighbour AS (few groups: a linear scan is enough).
  std::vector<std::pair<wire::Asn, std::size_t>> winners;
  for (std::size_t i = 0; i < cands.size(); ++i) {
    auto as = neighbour_as(*cands[i].attrs);
    auto it = std::find_if(winners.begin(), winners.end(),
                           [as](const auto& w) { return w.first == as; });
    if (it == winners.end()) {
      winners.emplace_back(as, i);
    } else if (compare(cands[i], cands[it->second]).first_wins &&
               compare(cands[i], cands[it->second]).reason != BestPathReason::Equal) {
      it->second = i;
    }
  }
  std::size_t best = winners.front().second;
  for (std::size_t w = 1; w < winners.size(); ++w) {
    auto d = compare(cands[winners[w].second], cands[best]);
    if (d.first_wins && d.reason != BestPathReason::Equal) {
      best = winners[w].second;
    }
  }
  return best;
}

Decision compare(const Candidate& ca, const Candidate& cb) {
  const auto& a = *ca.attrs;
  const auto& b = *cb.attrs;
  // 0. Ours: weight, higher wins.
  if (ca.weight != cb.weight) {
    return pick(ca.weight > cb.weight, BestPathReason::Weight);
  }
  // 1. RFC 4271 §9.1.1: degree of preference = LOCAL_PREF (100 when absent), higher wins.
  auto lp_a = a.local_pref.value_or(100), lp_b = b.local_pref.value_or(100);
  if (lp_a != lp_b) {
    return pick(lp_a > lp_b, BestPathReason::LocalPref);
  }
  // 2. Ours: a route this speaker originates beats a learned one.
  if (ca.local != cb.local) {
    return pick(ca.local, BestPathReason::LocallyOriginated);
  }
  // 3. §9.1.2.2 a: shorter AS_PATH (an AS_SET counts 1).
  auto len_a = a.as_path ? a.as_path->length() : 0, len_b = b.as_path ? b.as_path->length() : 0;
  if (len_a != len_b) {
    return pick(len_a < len_b, BestPathReason::AsPathLength);
  }
  // 4. §9.1.2.2 b: lower ORIGIN (IGP < EGP < INCOMPLETE).
  auto o_a = static_cast<int>(a.origin.value_or(wire::Origin::Incomplete));
  auto o_b = static_cast<int>(b.origin.value_or(wire::Origin::Incomplete));
  if (o_a != o_b) {
    return pick(o_a < o_b, BestPathReason::Origin);
  }
  // 5. §9.1.2.2 c: lower MED, only between routes from the same neighbour AS; a missing MED
  //    is the lowest value (0).
  if (neighbour_as(a) == neighbour_as(b)) {
    auto m_a = a.med.value_or(0), m_b = b.med.value_or(0);
    if (m_a != m_b) {
      return pick(m_a < m_b, BestPathReason::Med);
    }
  }
  // 6. §9.1.2.2 d: eBGP-learned over iBGP-learned.
  if (ca.ebgp != cb.ebgp) {
    return pick(ca.ebgp, BestPathReason::EbgpOverIbgp);
  }
  // 7. §9.1.2.2 f: lower BGP Identifier (ORIGINATOR_ID when present, RFC 4456 §9).
  auto id_a = a.originator_id.value_or(ca.peer_router_id);
  auto id_b = b.originator_id.value_or(cb.peer_router_id);
  if (id_a != id_b) {
    return pick(id_a < id_b, BestPathReason::RouterId);
  }
  // 8. §9.1.2.2 g: lower peer address.
  if (ca.peer_address != cb.peer_address) {
    return pick(ca.peer_address < cb.peer_address, BestPathReason::PeerAddress);
  }
  return Decision{true, BestPathReason::Equal};
}

}  // namespace msee::rib
