// The BGP decision process (RFC 4271 §9.1.2.2) with the usual tie-breakers, as numbered steps
// that each return a reason, so "why is this the best path" can be shown (GoBGP's
// BestPathReason, OpenBGPD's prefix_cmp).
//
// RFC:  LOCAL_PREF (§9.1.1), AS_PATH length, ORIGIN, MED among routes from the same neighbour
//       AS, eBGP over iBGP, (IGP cost), BGP Identifier, peer address (§9.1.2.2 a–g).
// Ours: a configured per-neighbour weight comes first (Cisco/FRR "weight"); locally originated
//       routes beat learned ones after weight; no IGP cost (next hops are not resolved);
//       ORIGINATOR_ID replaces the BGP Identifier when present (RFC 4456 §9).
#pragma once

#include <cstdint>
#include <vector>

#include "bgp/wire/message.hpp"

namespace msee::rib {

enum class BestPathReason : std::uint8_t {
  OnlyPath,
  Weight,
  LocalPref,
  LocallyOriginated,
  AsPathLength,
  Origin,
  Med,
  EbgpOverIbgp,
  RouterId,
  PeerAddress,
  Equal,  // identical candidates (same peer): no preference
};
const char* to_string(BestPathReason r);

// What the decision needs to know about one path besides its attributes.
struct Candidate {
  const bgp::wire::PathAttributes* attrs = nullptr;
  std::uint32_t weight = 0;
  bool local = false;            // originated by this speaker
  bool ebgp = false;             // learned from an external peer
  bgp::wire::RouterId peer_router_id = 0;
  bgp::wire::IpAddress peer_address;
};

struct Decision {
  bool first_wins = false;
  BestPathReason reason = BestPathReason::Equal;
};

// Compares two candidate paths for the same prefix.
Decision compare(const Candidate& a, const Candidate& b);

// The neighbour AS for MED comparison (RFC 4271 §9.1.2.2 c): the first AS of the path, 0 when
// the path is empty or starts with an AS_SET.
bgp::wire::Asn neighbour_as(const bgp::wire::PathAttributes& a);

// Index of the best of `cands` (non-empty). Because MED only compares paths from the same
// neighbour AS, pairwise comparison is not transitive (A beats B on MED, B beats C on router
// ID, C beats A on router ID); the result would depend on arrival order. So, like FRR's
// "deterministic-med": the best of each neighbour-AS group first, then the best of the
// group winners (where MED never applies).
std::size_t select_best(const std::vector<Candidate>& cands);

}  // namespace msee::rib
