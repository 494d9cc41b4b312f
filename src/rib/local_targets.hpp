// Our own routes (announce[] and generate[] of a router config) and the neighbours each may go
// to, indexed both ways: by prefix, for the export decision on every batch (a hash lookup and
// a search in a short sorted list of PeerIds, where a std::map of name sets compared prefixes
// and strings), and by neighbour, so that the initial dump of a neighbour that takes only our
// routes ("export": false) visits its own announcements and the unrestricted ones, not the
// whole Loc-RIB. A harness with 1,000 neighbours each sent its own block of 100 /24s did
// neighbours × every prefix of the table before (issue #15); now neighbours × own block.
//
// Prefixes going to the same neighbour list share one group, so a block of N prefixes for
// [primary, secondary] costs one list, not N.
//
// Concurrency contract: single-threaded (the protocol thread), like the Loc-RIB.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

#include "bgp/wire/types.hpp"
#include "rib/loc_rib.hpp"

namespace msee::rib {

struct PrefixHash {
  std::size_t operator()(const bgp::wire::Prefix& p) const;
};

class LocalTargets {
 public:
  // Records `prefix` as one of our routes going to `peers` (empty: to every neighbour);
  // replaces what was recorded for it.
  void set(const bgp::wire::Prefix& prefix, std::vector<PeerId> peers);
  // The same prefix listed again (another announce[] or generate[] entry): restricted to the
  // union of the lists that name neighbours; an empty list adds no restriction.
  void add(const bgp::wire::Prefix& prefix, std::vector<PeerId> peers);
  void erase(const bgp::wire::Prefix& prefix);
  // Whether our route for `prefix` may go to `peer`: yes unless it is restricted to others.
  bool allows(const bgp::wire::Prefix& prefix, PeerId peer) const;
  // Every recorded prefix of `afi` that may go to `peer`: the unrestricted ones, then those
  // restricted to lists that name it. Each once, in the order they were recorded.
  void for_each_for(PeerId peer, bgp::wire::Afi afi,
                    const std::function<void(const bgp::wire::Prefix&)>& fn) const;
  std::size_t size() const { return where_.size(); }

 private:
  struct Group {
    std::vector<PeerId> peers;                      // sorted, unique; empty: everyone
    std::vector<bgp::wire::Prefix> prefixes[2];     // [0] IPv4, [1] IPv6
  };
  struct Where {
    std::uint32_t group = 0;
    std::uint32_t index = 0;  // into the group's prefixes of the prefix's family
  };
  std::uint32_t group_for(std::vector<PeerId> peers);

  std::unordered_map<bgp::wire::Prefix, Where, PrefixHash> where_;
  std::vector<Group> groups_{Group{}};  // 0: every neighbour
  std::map<std::vector<PeerId>, std::uint32_t> group_ids_;
  std::unordered_map<PeerId, std::vector<std::uint32_t>> groups_of_;  // a peer's own groups
};

}  // namespace msee::rib
