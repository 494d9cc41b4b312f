// Import: what one UPDATE from a peer does to that peer's Adj-RIB-In, decided in one pure step
// (RFC 4271 §9.1, RFC 7606). The speaker hands over the decoded UPDATE and what it knows of the
// peer; import returns a delta — the prefixes whose path from this peer goes, the announced
// prefixes with the attribute set to store for them, and the refusals with their reasons — and
// the speaker applies it to the Loc-RIB once. No RIB, no clock, no log: the speaker logs and
// counts from the delta.
//
// Order of the checks, as a router applies them:
//   1. RFC 7606 §2 treat-as-withdraw: every announced prefix is withdrawn;
//   2. the import policy (MSEE policy of a peering, rib/import_policy.hpp): first the attribute
//      set (one verdict refuses every prefix of the UPDATE), then each prefix;
//   3. RFC 4271 §9.1.2 loop check: our AS in the AS_PATH (more than allow-as-in times) makes the
//      route unfeasible: its prefixes are withdrawn (an earlier path of them goes);
//   4. RFC 7606 §7.5: LOCAL_PREF from an external peer is discarded.
// A refused or looped prefix replaces — withdraws — an earlier path of that peer for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bgp/wire/message.hpp"
#include "rib/import_policy.hpp"

namespace msee::rib {

// What import needs to know about the peer the UPDATE came from.
struct ImportContext {
  bgp::wire::Asn local_as = 0;
  bool ebgp = true;                   // the peer is in another AS
  std::uint8_t allow_as_in = 0;       // our AS may appear this many times (Cisco allowas-in)
  const ImportPolicy* policy = nullptr;  // none: accept everything
};

// Prefixes of one family announced with one attribute set (the next hop included: for
// MP_REACH_NLRI the attribute set's NEXT_HOP field holds the MP next hop).
struct Announced {
  bgp::wire::AfiSafi family;
  std::vector<bgp::wire::Prefix> prefixes;
  bgp::wire::PathAttributes attributes;
};

// A prefix the import policy refused, and why (MSEE: R19, R36, R52, Q1).
struct Rejection {
  bgp::wire::Prefix prefix;
  std::string reason;
};

// The lists are applied in this order, which is the order a router meets them in the UPDATE.
struct ImportDelta {
  // Explicit withdrawals (Withdrawn Routes, MP_UNREACH_NLRI), and with treat-as-withdraw every
  // announced prefix too: the peer's path for each goes.
  std::vector<bgp::wire::Prefix> withdrawn;
  // Refused by the import policy: the peer's earlier path for each goes as well.
  std::vector<Rejection> rejected;
  // Unfeasible (RFC 4271 §9.1.2, our AS in the path): the earlier path goes.
  std::vector<bgp::wire::Prefix> unfeasible;
  // Accepted: at most two sets, the IPv4 NLRI field and MP_REACH_NLRI.
  std::vector<Announced> announced;
  bool loop = false;               // the path holds our AS (even if no prefix was left)
  // Accepted although our AS is in the path (allowed by allow_as_in): the neighbour sends back
  // routes learned from us, e.g. a CE echoing Azure's routes to the other MSEE.
  bool own_as_allowed = false;
  bool treat_as_withdraw = false;  // RFC 7606 §2
  bool attributes_refused = false;  // the policy refused the attribute set as a whole
};

// Consumes the UPDATE (its prefix lists and attributes move into the delta). An End-of-RIB
// marker gives an empty delta; the caller tells it apart with UpdateMessage::end_of_rib().
ImportDelta import_update(bgp::wire::UpdateMessage&& update, const ImportContext& ctx);

// RFC 4271 §9.1.2: true if `asn` appears in the AS_PATH more than `allowed` times.
bool path_holds_as(const bgp::wire::PathAttributes& attrs, bgp::wire::Asn asn,
                   std::uint8_t allowed);

}  // namespace msee::rib
