// Shared builders of the Loc-RIB tests (loc_rib_test.cpp, loc_rib_order_test.cpp): prefixes,
// attribute sets with an AS_PATH, LOCAL_PREF and MED, and the per-peer facts the decision
// process reads (RFC 4271 §9.1.2.2: weight, eBGP, router ID, peer address).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "rib/loc_rib.hpp"

namespace msee::rib::test {

namespace wire = bgp::wire;

inline wire::Prefix pfx(const char* s) { return *wire::Prefix::parse(s); }

inline wire::PathAttributes attrs(std::vector<wire::Asn> path, std::uint32_t local_pref = 100,
                                  std::optional<std::uint32_t> med = std::nullopt) {
  wire::PathAttributes a;
  a.origin = wire::Origin::Igp;
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, std::move(path)}}};
  a.next_hop = wire::IpAddress::v4(0xC0000201);
  a.local_pref = local_pref;
  a.med = med;
  return a;
}

inline PeerInfo peer_info(std::uint8_t n, bool ebgp = true, std::uint32_t weight = 0) {
  PeerInfo p;
  p.weight = weight;
  p.ebgp = ebgp;
  p.router_id = 0x0A000000u + n;
  p.address = wire::IpAddress::v4(0xC0A80000u + n);
  return p;
}

}  // namespace msee::rib::test
