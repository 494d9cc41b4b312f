// Adj-RIB-In (RFC 4271 §3.2): the routes one peer advertised to us, per AFI/SAFI, after
// RFC 7606 handling, before any policy. Attribute sets are shared between the prefixes of one
// UPDATE. Stale marking supports the RFC 7313 enhanced route refresh (BoRR … EoRR) sweep.
//
// TODO(rib): compact prefix storage and an attribute intern table shared across peers, with
// the Loc-RIB decision process (issue #3).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>

#include "bgp/wire/message.hpp"

namespace msee::rib {

struct RouteEntry {
  std::shared_ptr<const bgp::wire::PathAttributes> attributes;
  std::optional<bgp::wire::IpAddress> next_hop;             // NEXT_HOP or MP_REACH next hop
  std::optional<bgp::wire::IpAddress> link_local_next_hop;  // RFC 2545
  bool stale = false;
};

class AdjRibIn {
 public:
  using Table = std::map<bgp::wire::Prefix, RouteEntry>;

  // Inserts or replaces (an implicit withdraw of the previous path, RFC 4271 §3.1).
  void announce(bgp::wire::AfiSafi family, const bgp::wire::Prefix& prefix, RouteEntry entry);
  // True if the prefix was present.
  bool withdraw(bgp::wire::AfiSafi family, const bgp::wire::Prefix& prefix);

  std::size_t size(bgp::wire::AfiSafi family) const;
  std::size_t size() const;
  const Table* table(bgp::wire::AfiSafi family) const;
  void clear() { tables_.clear(); }

  // RFC 7313 §4: on BoRR mark the family's routes stale; on EoRR remove those still stale.
  void mark_stale(bgp::wire::AfiSafi family);
  std::size_t sweep_stale(bgp::wire::AfiSafi family);

 private:
  std::map<bgp::wire::AfiSafi, Table> tables_;
};

}  // namespace msee::rib
