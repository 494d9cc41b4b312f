// Outbound path: the attribute changes every speaker makes when it advertises a route
// (RFC 4271 §5.1), and packing of prefixes that share one attribute set into as few UPDATEs
// as the negotiated message size allows (RFC 4271 §9.2, RFC 8654). Pure functions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"
#include "rib/loc_rib.hpp"
#include "rib/local_targets.hpp"

namespace msee::rib {

struct ExportContext {
  bgp::wire::Asn local_as = 0;
  bgp::wire::Asn peer_as = 0;
  bool learned_from_ebgp = false;  // the route came from an external peer (not originated)
  bool remove_private_as = false;  // empty an all-private AS path before prepending (R23)
  std::uint8_t extra_prepends = 0;  // prepend our AS this many more times (drain, R64)
  bool ebgp() const { return local_as != peer_as; }
};

// Which Loc-RIB routes go to one peer (the speaker's per-neighbour export settings).
struct ExportRule {
  PeerId self = 0;             // never back to the peer a route came from
  bool export_routes = true;   // routes learned from peers; false: only our own
  const std::set<PeerId>* export_from = nullptr;  // when not empty: only these peers' routes
  // Our own routes and the neighbours each goes to; none recorded: every local route to all.
  const LocalTargets* local = nullptr;
  // Only our own routes reach this peer (export off, no exportFrom).
  bool local_only() const {
    return !export_routes && (export_from == nullptr || export_from->empty());
  }
};
bool exportable(const ExportRule& rule, const Path& best, const bgp::wire::Prefix& prefix);

// The next hop we put on routes to a peer: the configured one for the family, else our end of
// the session when it is of that family; none otherwise (the routes are then not announced).
std::optional<bgp::wire::IpAddress> export_next_hop(
    bgp::wire::AfiSafi family, const std::optional<bgp::wire::IpAddress>& configured_v4,
    const std::optional<bgp::wire::IpAddress>& configured_v6,
    const std::optional<bgp::wire::IpAddress>& local_address);

// RFC 4271 §5.1.2: on eBGP prepend our AS (to the leading AS_SEQUENCE, or a new one if the
// path starts with an AS_SET or the sequence is full at 255); §5.1.5: LOCAL_PREF is sent to
// internal peers only (default 100 when absent); §5.1.4: a MED received from a neighbouring AS
// is not passed on to other neighbouring ASes; §5: unknown optional non-transitive
// attributes are not passed on. NEXT_HOP is set by pack_updates.
bgp::wire::PathAttributes export_attributes(const bgp::wire::PathAttributes& attrs,
                                            const ExportContext& ctx);

// Builds UPDATEs announcing `prefixes` (all of `family`) with `attrs` and the given next hop:
// IPv4 unicast in the NLRI field with NEXT_HOP, anything else in MP_REACH_NLRI (RFC 4760).
// Each UPDATE fits ctx.max_message_size().
std::vector<bgp::wire::UpdateMessage> pack_updates(
    bgp::wire::AfiSafi family, const std::vector<bgp::wire::Prefix>& prefixes,
    const bgp::wire::PathAttributes& attrs, const bgp::wire::IpAddress& next_hop,
    const std::optional<bgp::wire::IpAddress>& link_local_next_hop,
    const bgp::wire::EncodeContext& ctx);

// Withdrawals for `prefixes`, packed the same way (IPv4 in Withdrawn Routes, else
// MP_UNREACH_NLRI).
std::vector<bgp::wire::UpdateMessage> pack_withdrawals(
    bgp::wire::AfiSafi family, const std::vector<bgp::wire::Prefix>& prefixes,
    const bgp::wire::EncodeContext& ctx);

}  // namespace msee::rib
