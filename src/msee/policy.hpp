// MSEE routing policy, pure: link addressing of a peering (R9, R10), the route limits of a
// session (R36), which ASNs are private or reserved (R19, R22, RFC 6996), and the inbound
// policy a peering applies to what the customer advertises (R22, R39–R42).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "msee/circuit.hpp"
#include "rib/import_policy.hpp"

namespace msee {

// MSEE: R9, R10 — in a /30 (/126) the customer takes the first host, the MSEE the second.
struct LinkAddresses {
  IpAddress ce;
  IpAddress msee;
};
std::optional<LinkAddresses> link_addresses(const Prefix& link);

using bgp::wire::is_private_asn;  // RFC 6996
// MSEE: R19 — 65515–65520, reserved for Microsoft on private peering.
bool is_reserved_private_peering_asn(Asn asn);
// MSEE: R22 — RFC 5398 documentation ASNs 64496–64511, never allowed in a path.
bool is_documentation_asn(Asn asn);

// True for addresses that are not public unicast (RFC 1918, RFC 6598, loopback, link-local,
// multicast, documentation, ULA ...): Microsoft peering refuses them (R11, R41).
// `documentation_public`: the RFC 5737 / RFC 3849 ranges count as public (lab setting).
bool is_non_public(const Prefix& p, bool documentation_public = false);

// MSEE: R36, Q2 — the per-session limit for one address family.
std::uint32_t route_limit(const Circuit& circuit, const Peering& peering, bgp::wire::Afi afi);

// Cisco-style remove-private-as (R23): drops the private ASNs of a path only when the path
// consists of private ASNs alone; returns whether anything was removed.
bool remove_private_as_if_all_private(bgp::wire::AsPath& path);
// R22: removes every private ASN of the path (Microsoft peering inbound).
std::size_t strip_private_asns(bgp::wire::AsPath& path);

// The inbound policy of one peering (both sessions, both address families).
class InboundPolicy final : public rib::ImportPolicy {
 public:
  // `other_link_prefixes`: the peering link subnets of the other emulated circuits; Microsoft
  // peering must not accept them (R41).
  InboundPolicy(const Peering& peering, std::vector<Prefix> other_link_prefixes,
                bool documentation_public = false);
  // The same with every circuit's link subnets shared by all policies (one list, not one copy
  // per peering: at 1,000 circuits the copies were quadratic), minus the peering's own
  // circuit's `own_links`.
  InboundPolicy(const Peering& peering, std::shared_ptr<const std::vector<Prefix>> all_links,
                std::vector<Prefix> own_links, bool documentation_public);

  std::optional<std::string> attributes(bgp::wire::PathAttributes& attrs) const override;
  std::optional<std::string> prefix(const Prefix& prefix) const override;

 private:
  PeeringType type_;
  bool strip_communities_;
  std::vector<Prefix> declared_;  // Microsoft peering: advertisedPublicPrefixes (v4 + v6)
  bool declared_v4_validated_ = false;
  bool declared_v6_validated_ = false;
  std::shared_ptr<const std::vector<Prefix>> link_prefixes_;  // Microsoft peering only
  std::vector<Prefix> own_links_;                             // left out of link_prefixes_
  bool documentation_public_ = false;
};

// True if `inner` lies within `outer` (equal or more specific).
bool covers(const Prefix& outer, const Prefix& inner);

}  // namespace msee
