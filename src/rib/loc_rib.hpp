// Loc-RIB (RFC 4271 §3.2, §9.1): for every prefix, the paths all peers sent (each peer's
// Adj-RIB-In is the set of paths with its PeerId, as in BIRD's single-table design) with the
// best one kept first. Storage per prefix: one 8-octet path inline, more paths (only when several
// peers send the same prefix) in a side vector. Attributes are AttrStore ids.
//
// Concurrency contract: single-threaded (the protocol thread).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "rib/attr_store.hpp"
#include "rib/best_path.hpp"
#include "rib/prefix_table.hpp"

namespace msee::rib {

using PeerId = std::uint16_t;
inline constexpr PeerId kLocalPeer = 0;  // routes this speaker originates

struct Path {
  AttrId attr = kNoAttr;
  PeerId peer = 0;
  bool stale = false;  // RFC 7313 / RFC 4724: kept until refreshed or swept
};

// What the decision needs to know about a peer (see best_path.hpp Candidate).
struct PeerInfo {
  std::uint32_t weight = 0;
  bool ebgp = true;
  bgp::wire::RouterId router_id = 0;
  bgp::wire::IpAddress address;
};

class LocRib {
 public:
  explicit LocRib(AttrStore& store) : store_(store) {}
  ~LocRib();  // returns its attribute references to the store
  LocRib(const LocRib&) = delete;
  LocRib& operator=(const LocRib&) = delete;

  void set_peer(PeerId id, PeerInfo info);
  const PeerInfo& peer_info(PeerId id) const;  // a default PeerInfo for an unknown id

  // Adds or replaces `peer`'s path for `prefix`. The caller gives one reference on `attr`
  // (from AttrStore::intern); the RIB owns it from now on. True if the best path changed.
  bool update(const bgp::wire::Prefix& prefix, PeerId peer, AttrId attr);
  // update() for many prefixes sharing one attribute set (one UPDATE's NLRI): the caller gives
  // one reference on `attr` per prefix. Calls changed(prefix) for each whose best path changed.
  // Prefetches table slots ahead of use, which matters once the table outgrows the caches.
  template <class Changed>
  void update_all(const std::vector<bgp::wire::Prefix>& prefixes, PeerId peer, AttrId attr,
                  Changed&& changed) {
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = 0; i < prefixes.size(); ++i) {
      if (i + kAhead < prefixes.size()) {
        prefetch(prefixes[i + kAhead]);
      }
      if (update(prefixes[i], peer, attr)) {
        changed(prefixes[i]);
      }
    }
  }

  // Starts loading the prefix's slot into the cache: a lookup a few prefixes later then does
  // not wait on memory (a 1M table is far larger than the caches).
  void prefetch(const bgp::wire::Prefix& p) const {
    if (p.addr.is_v4()) {
      v4_.prefetch(Key4::from(p));
    } else {
      v6_.prefetch(Key6::from(p));
    }
  }

  // Removes `peer`'s path. True if the best path changed (including to none).
  bool withdraw(const bgp::wire::Prefix& prefix, PeerId peer);

  // The best path, or nullptr when the prefix has none.
  const Path* best(const bgp::wire::Prefix& prefix) const;
  // True if `peer` has a path for the prefix.
  bool has_path(const bgp::wire::Prefix& prefix, PeerId peer) const {
    const Dest* d = find(prefix);
    if (d == nullptr) {
      return false;
    }
    if (d->first.peer == peer) {
      return true;
    }
    return d->more && std::any_of(d->more->begin(), d->more->end(),
                                  [peer](const Path& p) { return p.peer == peer; });
  }
  // All paths for the prefix, best first.
  std::vector<Path> paths(const bgp::wire::Prefix& prefix) const;
  // Why the best path beats the second one (OnlyPath when alone).
  BestPathReason best_reason(const bgp::wire::Prefix& prefix) const;

  // Paths held from `peer` in `family` (its Adj-RIB-In size after policy).
  std::size_t count(PeerId peer, bgp::wire::AfiSafi family) const;
  std::size_t size(bgp::wire::AfiSafi family) const;  // prefixes with at least one path
  // Paths of `peer` in `family` still marked stale (kept as a count, see PeerSlot).
  std::size_t stale_count(PeerId peer, bgp::wire::AfiSafi family) const;

  // Removes every path of `peer` (session down without graceful restart); returns the
  // prefixes whose best path changed.
  std::vector<bgp::wire::Prefix> remove_peer(PeerId peer);
  // RFC 7313 §4 / RFC 4724 §4.2: mark the peer's paths stale; sweep removes those still stale.
  void mark_stale(PeerId peer, bgp::wire::AfiSafi family);
  std::vector<bgp::wire::Prefix> sweep_stale(PeerId peer, bgp::wire::AfiSafi family);

  // Calls fn(prefix, best path) for every prefix of the family.
  template <class Fn>
  void for_each_best(bgp::wire::AfiSafi family, Fn&& fn) const {
    if (family == bgp::wire::kIpv4Unicast) {
      v4_.for_each([&](const Key4& k, const Dest& d) { fn(k.prefix(), d.first); });
    } else if (family == bgp::wire::kIpv6Unicast) {
      v6_.for_each([&](const Key6& k, const Dest& d) { fn(k.prefix(), d.first); });
    }
  }
  // Calls fn(prefix, path) for every path of `peer` in the family.
  template <class Fn>
  void for_each_path(PeerId peer, bgp::wire::AfiSafi family, Fn&& fn) const {
    auto visit = [&](const auto& k, const Dest& d) {
      if (d.first.peer == peer) {
        fn(k.prefix(), d.first);
      } else if (d.more) {
        for (const auto& p : *d.more) {
          if (p.peer == peer) {
            fn(k.prefix(), p);
          }
        }
      }
    };
    if (family == bgp::wire::kIpv4Unicast) {
      v4_.for_each(visit);
    } else if (family == bgp::wire::kIpv6Unicast) {
      v6_.for_each(visit);
    }
  }

  std::size_t memory_bytes() const { return v4_.memory_bytes() + v6_.memory_bytes(); }
  const AttrStore& store() const { return store_; }

 private:
  struct Dest {
    Path first;                                // the best path
    std::unique_ptr<std::vector<Path>> more;   // the others, unordered
  };
  template <class Table, class Key>
  bool update_in(Table& t, const Key& k, PeerId peer, AttrId attr, bgp::wire::AfiSafi fam);
  template <class Table, class Key>
  bool withdraw_in(Table& t, const Key& k, PeerId peer, bgp::wire::AfiSafi fam);
  const Dest* find(const bgp::wire::Prefix& p) const;
  // Moves the best path to `first`; true if it changed (peer or attributes).
  bool select(Dest& d);
  Candidate candidate(const Path& p) const;
  std::size_t& counter(PeerId peer, bgp::wire::AfiSafi family);
  std::size_t& stale_counter(PeerId peer, bgp::wire::AfiSafi family);
  // A path of `peer` leaves the table or is replaced: its stale mark goes with it.
  void forget_stale(const Path& p, bgp::wire::AfiSafi family) {
    if (p.stale) {
      stale_counter(p.peer, family)--;
    }
  }

  AttrStore& store_;
  PrefixTable<Key4, Dest> v4_;
  PrefixTable<Key6, Dest> v6_;
  // What the table keeps per peer. Indexed by PeerId - base_, so that a circuit's table
  // (whose peers have neighbouring ids) holds a few slots, not one per peer of the speaker:
  // with one table per circuit, slots for every id made memory grow with circuits squared.
  // The local peer (0, in every table) has its own slot.
  struct PeerSlot {
    PeerInfo info;
    std::size_t count4 = 0;
    std::size_t count6 = 0;
    // Paths still marked stale: an End-of-RIB from a peer with none (every fresh session's)
    // costs nothing instead of a walk of the whole table, which in one shared router-mode
    // table made N sessions' End-of-RIBs O(N x table) (issue #15).
    std::size_t stale4 = 0;
    std::size_t stale6 = 0;
  };
  PeerSlot* slot(PeerId id);
  const PeerSlot* slot(PeerId id) const;
  PeerSlot& ensure_slot(PeerId id);
  PeerSlot local_;
  std::vector<PeerSlot> slots_;
  PeerId base_ = 1;
};

}  // namespace msee::rib
