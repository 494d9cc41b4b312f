// Loc-RIB (rib/loc_rib.hpp): update/withdraw return values, implicit withdraw (RFC 4271 §3.1),
// best-first ordering among several peers, per-peer counts, session removal, stale marking and
// sweeping (RFC 4724 §4.2, RFC 7313 §4), attribute reference counting, and an insertion- and
// withdrawal-order permutation test against a brute-force use of compare().
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <set>
#include <vector>

#include "rib/loc_rib.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;
using rib::BestPathReason;
using rib::PeerId;

namespace {

wire::Prefix pfx(const char* s) { return *wire::Prefix::parse(s); }

wire::PathAttributes attrs(std::vector<wire::Asn> path, std::uint32_t local_pref = 100,
                           std::optional<std::uint32_t> med = std::nullopt) {
  wire::PathAttributes a;
  a.origin = wire::Origin::Igp;
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, std::move(path)}}};
  a.next_hop = wire::IpAddress::v4(0xC0000201);
  a.local_pref = local_pref;
  a.med = med;
  return a;
}

rib::PeerInfo peer_info(std::uint8_t n, bool ebgp = true, std::uint32_t weight = 0) {
  rib::PeerInfo p;
  p.weight = weight;
  p.ebgp = ebgp;
  p.router_id = 0x0A000000u + n;
  p.address = wire::IpAddress::v4(0xC0A80000u + n);
  return p;
}

std::set<wire::Prefix> as_set(const std::vector<wire::Prefix>& v) { return {v.begin(), v.end()}; }

// A RIB with its store and peers 1..4 (eBGP, router ID and address growing with the number).
struct Fixture {
  rib::AttrStore store;
  rib::LocRib loc{store};
  Fixture() {
    for (std::uint8_t n = 1; n <= 4; ++n) {
      loc.set_peer(n, peer_info(n));
    }
  }
  bool update(const char* prefix, PeerId peer, const wire::PathAttributes& a) {
    return loc.update(pfx(prefix), peer, store.intern(a));
  }
  bool withdraw(const char* prefix, PeerId peer) { return loc.withdraw(pfx(prefix), peer); }
  PeerId best_peer(const char* prefix) {
    const rib::Path* b = loc.best(pfx(prefix));
    REQUIRE(b != nullptr);
    return b->peer;
  }
  const wire::PathAttributes& best_attrs(const char* prefix) {
    const rib::Path* b = loc.best(pfx(prefix));
    REQUIRE(b != nullptr);
    return store.get(b->attr);
  }
};

}  // namespace

TEST_CASE("Loc-RIB: first update installs the best, re-announcing the same set changes nothing",
          "[rib]") {
  Fixture f;
  CHECK(f.loc.best(pfx("10.0.0.0/8")) == nullptr);
  CHECK(f.update("10.0.0.0/8", 1, attrs({65001})));
  CHECK(f.best_peer("10.0.0.0/8") == 1);
  CHECK(f.loc.best_reason(pfx("10.0.0.0/8")) == BestPathReason::OnlyPath);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 1);
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 1);
  // Same attributes again: same interned id, no best change, still one reference.
  CHECK_FALSE(f.update("10.0.0.0/8", 1, attrs({65001})));
  CHECK(f.store.size() == 1);
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 1);
  CHECK(f.loc.paths(pfx("10.0.0.0/8")).size() == 1);
  CHECK(f.withdraw("10.0.0.0/8", 1));
  CHECK(f.store.size() == 0);
}

TEST_CASE("Loc-RIB: a new set from the same peer replaces its path (implicit withdraw)",
          "[rib]") {
  // RFC 4271 §3.1: a route with the same NLRI from the same peer replaces the previous one.
  Fixture f;
  REQUIRE(f.update("10.0.0.0/8", 1, attrs({65001})));
  CHECK(f.update("10.0.0.0/8", 1, attrs({65001, 65009})));
  auto ps = f.loc.paths(pfx("10.0.0.0/8"));
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].peer == 1);
  CHECK(f.store.get(ps[0].attr) == attrs({65001, 65009}));
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 1);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 1);
  // The first set has no reference left.
  CHECK(f.store.size() == 1);

  SECTION("a non-best path replaced by the same peer") {
    REQUIRE_FALSE(f.update("10.0.0.0/8", 2, attrs({65002, 1, 2})));
    CHECK_FALSE(f.update("10.0.0.0/8", 2, attrs({65002, 1, 2, 3})));
    CHECK(f.loc.paths(pfx("10.0.0.0/8")).size() == 2);
    CHECK(f.loc.count(2, wire::kIpv4Unicast) == 1);
    CHECK(f.store.size() == 2);
    // ... and now better than the best: it becomes best.
    CHECK(f.update("10.0.0.0/8", 2, attrs({65002})));
    CHECK(f.best_peer("10.0.0.0/8") == 2);
    CHECK(f.store.size() == 2);
  }
}

TEST_CASE("Loc-RIB: update returns whether the best path changed", "[rib]") {
  Fixture f;
  REQUIRE(f.update("10.0.0.0/8", 1, attrs({65001, 2})));
  SECTION("a worse path from another peer does not change the best") {
    CHECK_FALSE(f.update("10.0.0.0/8", 2, attrs({65002, 2, 3})));
    CHECK(f.best_peer("10.0.0.0/8") == 1);
    CHECK(f.loc.best_reason(pfx("10.0.0.0/8")) == BestPathReason::AsPathLength);
  }
  SECTION("a better path from another peer becomes best") {
    CHECK(f.update("10.0.0.0/8", 2, attrs({65002})));
    CHECK(f.best_peer("10.0.0.0/8") == 2);
    CHECK(f.loc.best_reason(pfx("10.0.0.0/8")) == BestPathReason::AsPathLength);
  }
  SECTION("an equally long path loses on router ID") {
    CHECK_FALSE(f.update("10.0.0.0/8", 2, attrs({65002, 2})));
    CHECK(f.best_peer("10.0.0.0/8") == 1);
    CHECK(f.loc.best_reason(pfx("10.0.0.0/8")) == BestPathReason::RouterId);
  }
  SECTION("the best peer sends a new set that is still best: the best changed") {
    REQUIRE_FALSE(f.update("10.0.0.0/8", 2, attrs({65002, 2, 3})));
    CHECK(f.update("10.0.0.0/8", 1, attrs({65001, 3})));
    CHECK(f.best_peer("10.0.0.0/8") == 1);
    CHECK(f.best_attrs("10.0.0.0/8") == attrs({65001, 3}));
  }
  SECTION("the best peer sends a set worse than the second: the second takes over") {
    REQUIRE_FALSE(f.update("10.0.0.0/8", 2, attrs({65002, 2, 3})));
    CHECK(f.update("10.0.0.0/8", 1, attrs({65001, 2, 3, 4})));
    CHECK(f.best_peer("10.0.0.0/8") == 2);
    auto ps = f.loc.paths(pfx("10.0.0.0/8"));
    REQUIRE(ps.size() == 2);
    CHECK(ps[1].peer == 1);
    CHECK(f.store.get(ps[1].attr) == attrs({65001, 2, 3, 4}));
  }
}

TEST_CASE("Loc-RIB: several peers on one prefix, best first, withdrawals promote the next",
          "[rib]") {
  Fixture f;
  // Peer 3 best (LOCAL_PREF 300), then 1 (200), then 4 (150), then 2 (100).
  CHECK(f.update("192.0.2.0/24", 2, attrs({65002})));
  CHECK(f.update("192.0.2.0/24", 1, attrs({65001}, 200)));
  CHECK_FALSE(f.update("192.0.2.0/24", 4, attrs({65004}, 150)));
  CHECK(f.update("192.0.2.0/24", 3, attrs({65003}, 300)));
  auto ps = f.loc.paths(pfx("192.0.2.0/24"));
  REQUIRE(ps.size() == 4);
  CHECK(ps[0].peer == 3);
  std::set<PeerId> peers;
  for (const auto& p : ps) {
    peers.insert(p.peer);
  }
  CHECK(peers == std::set<PeerId>{1, 2, 3, 4});
  CHECK(f.loc.best_reason(pfx("192.0.2.0/24")) == BestPathReason::LocalPref);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 1);

  // Withdrawing a non-best path returns false and keeps the best.
  CHECK_FALSE(f.withdraw("192.0.2.0/24", 2));
  CHECK(f.best_peer("192.0.2.0/24") == 3);
  CHECK(f.loc.paths(pfx("192.0.2.0/24")).size() == 3);
  // Withdrawing a path the peer does not have returns false and changes nothing.
  CHECK_FALSE(f.withdraw("192.0.2.0/24", 2));
  CHECK_FALSE(f.withdraw("198.51.100.0/24", 1));
  CHECK(f.loc.paths(pfx("192.0.2.0/24")).size() == 3);

  // Withdrawing the best promotes the next best each time.
  CHECK(f.withdraw("192.0.2.0/24", 3));
  CHECK(f.best_peer("192.0.2.0/24") == 1);
  CHECK(f.withdraw("192.0.2.0/24", 1));
  CHECK(f.best_peer("192.0.2.0/24") == 4);
  CHECK(f.loc.best_reason(pfx("192.0.2.0/24")) == BestPathReason::OnlyPath);
  CHECK(f.withdraw("192.0.2.0/24", 4));
  CHECK(f.loc.best(pfx("192.0.2.0/24")) == nullptr);
  CHECK(f.loc.paths(pfx("192.0.2.0/24")).empty());
  CHECK(f.loc.size(wire::kIpv4Unicast) == 0);
  CHECK(f.store.size() == 0);
}

TEST_CASE("Loc-RIB: peer properties take part in the decision", "[rib]") {
  rib::AttrStore store;
  rib::LocRib r{store};
  r.set_peer(1, peer_info(1, /*ebgp=*/false));
  r.set_peer(2, peer_info(2, /*ebgp=*/true));
  r.set_peer(3, peer_info(3, /*ebgp=*/true, /*weight=*/10));
  auto p = pfx("10.1.0.0/16");
  SECTION("eBGP over iBGP") {
    r.update(p, 1, store.intern(attrs({65001})));
    CHECK(r.update(p, 2, store.intern(attrs({65002}))));
    CHECK(r.best(p)->peer == 2);
    CHECK(r.best_reason(p) == BestPathReason::EbgpOverIbgp);
  }
  SECTION("weight first") {
    r.update(p, 2, store.intern(attrs({65002}, 500)));
    CHECK(r.update(p, 3, store.intern(attrs({65003, 1, 2}, 100))));
    CHECK(r.best(p)->peer == 3);
    CHECK(r.best_reason(p) == BestPathReason::Weight);
  }
  SECTION("locally originated beats learned") {
    r.update(p, 2, store.intern(attrs({65002})));
    wire::PathAttributes own;
    own.origin = wire::Origin::Incomplete;
    own.as_path = wire::AsPath{};
    CHECK(r.update(p, rib::kLocalPeer, store.intern(own)));
    CHECK(r.best(p)->peer == rib::kLocalPeer);
    CHECK(r.best_reason(p) == BestPathReason::LocallyOriginated);
  }
}

TEST_CASE("Loc-RIB: counts per peer and family", "[rib]") {
  Fixture f;
  f.update("10.0.0.0/8", 1, attrs({65001}));
  f.update("10.0.0.0/8", 2, attrs({65002}));
  f.update("10.1.0.0/16", 1, attrs({65001}));
  f.update("10.2.0.0/16", 1, attrs({65001}));
  f.update("2001:db8::/32", 1, attrs({65001}));
  f.update("2001:db8:1::/48", 2, attrs({65002}));
  f.update("2001:db8:2::/48", 2, attrs({65002}));
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 3);
  CHECK(f.loc.count(2, wire::kIpv4Unicast) == 1);
  CHECK(f.loc.count(1, wire::kIpv6Unicast) == 1);
  CHECK(f.loc.count(2, wire::kIpv6Unicast) == 2);
  CHECK(f.loc.count(3, wire::kIpv4Unicast) == 0);
  CHECK(f.loc.count(999, wire::kIpv6Unicast) == 0);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 3);
  CHECK(f.loc.size(wire::kIpv6Unicast) == 3);
  // Two interned sets shared by every path.
  CHECK(f.store.size() == 2);

  f.withdraw("10.0.0.0/8", 2);
  f.withdraw("2001:db8::/32", 1);
  CHECK(f.loc.count(2, wire::kIpv4Unicast) == 0);
  CHECK(f.loc.count(1, wire::kIpv6Unicast) == 0);
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 3);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 3);
  CHECK(f.loc.size(wire::kIpv6Unicast) == 2);

  std::size_t n = 0;
  f.loc.for_each_path(1, wire::kIpv4Unicast, [&](const wire::Prefix&, const rib::Path& p) {
    CHECK(p.peer == 1);
    ++n;
  });
  CHECK(n == 3);
}

TEST_CASE("Loc-RIB: IPv6 prefixes", "[rib]") {
  Fixture f;
  CHECK(f.update("2001:db8::/32", 1, attrs({65001, 2})));
  CHECK(f.update("2001:db8::/32", 2, attrs({65002})));
  CHECK(f.update("2001:db8::/33", 1, attrs({65001})));
  CHECK(f.update("::/0", 3, attrs({65003})));
  CHECK(f.best_peer("2001:db8::/32") == 2);
  CHECK(f.best_peer("2001:db8::/33") == 1);
  CHECK(f.best_peer("::/0") == 3);
  CHECK(f.loc.best(pfx("2001:db8::/31")) == nullptr);
  CHECK(f.loc.best(pfx("0.0.0.0/0")) == nullptr);
  CHECK(f.loc.size(wire::kIpv6Unicast) == 3);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 0);

  std::set<wire::Prefix> seen;
  f.loc.for_each_best(wire::kIpv6Unicast, [&](const wire::Prefix& p, const rib::Path&) {
    seen.insert(p);
  });
  CHECK(seen == std::set<wire::Prefix>{pfx("2001:db8::/32"), pfx("2001:db8::/33"), pfx("::/0")});
  std::size_t v4 = 0;
  f.loc.for_each_best(wire::kIpv4Unicast, [&](const wire::Prefix&, const rib::Path&) { ++v4; });
  CHECK(v4 == 0);

  CHECK(f.withdraw("2001:db8::/32", 2));
  CHECK(f.best_peer("2001:db8::/32") == 1);
  CHECK(f.withdraw("2001:db8::/32", 1));
  CHECK(f.withdraw("2001:db8::/33", 1));
  CHECK(f.withdraw("::/0", 3));
  CHECK(f.loc.size(wire::kIpv6Unicast) == 0);
  CHECK(f.store.size() == 0);
}

TEST_CASE("Loc-RIB: remove_peer returns exactly the prefixes whose best changed", "[rib]") {
  Fixture f;
  f.update("10.1.0.0/16", 1, attrs({65001}));          // 1 best over 2
  f.update("10.1.0.0/16", 2, attrs({65002, 9}));
  f.update("10.2.0.0/16", 1, attrs({65001, 9}));       // 2 best over 1
  f.update("10.2.0.0/16", 2, attrs({65002}));
  f.update("10.3.0.0/16", 1, attrs({65001}));          // 1 alone
  f.update("10.4.0.0/16", 2, attrs({65002}));          // 2 alone
  f.update("2001:db8:1::/48", 1, attrs({65001}));      // 1 best over 3
  f.update("2001:db8:1::/48", 3, attrs({65003, 9}));
  f.update("2001:db8:2::/48", 3, attrs({65003}));      // 3 best over 1
  f.update("2001:db8:2::/48", 1, attrs({65001, 9}));
  REQUIRE(f.best_peer("10.2.0.0/16") == 2);
  REQUIRE(f.best_peer("2001:db8:2::/48") == 3);

  auto changed = f.loc.remove_peer(1);
  CHECK(changed.size() == 3);
  CHECK(as_set(changed) ==
        std::set<wire::Prefix>{pfx("10.1.0.0/16"), pfx("10.3.0.0/16"), pfx("2001:db8:1::/48")});
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 0);
  CHECK(f.loc.count(1, wire::kIpv6Unicast) == 0);
  CHECK(f.best_peer("10.1.0.0/16") == 2);
  CHECK(f.best_peer("10.2.0.0/16") == 2);
  CHECK(f.loc.best(pfx("10.3.0.0/16")) == nullptr);
  CHECK(f.best_peer("2001:db8:1::/48") == 3);
  CHECK(f.loc.paths(pfx("2001:db8:2::/48")).size() == 1);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 3);
  CHECK(f.loc.size(wire::kIpv6Unicast) == 2);
  CHECK(f.loc.remove_peer(1).empty());

  f.loc.remove_peer(2);
  f.loc.remove_peer(3);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 0);
  CHECK(f.loc.size(wire::kIpv6Unicast) == 0);
  CHECK(f.store.size() == 0);
}

TEST_CASE("Loc-RIB: mark_stale, re-announce and sweep_stale", "[rib]") {
  // RFC 4724 §4.2 / RFC 7313 §4: paths not refreshed before the end are removed.
  Fixture f;
  f.update("10.1.0.0/16", 1, attrs({65001}));          // refreshed below
  f.update("10.2.0.0/16", 1, attrs({65001}));          // 1 best over 2, not refreshed
  f.update("10.2.0.0/16", 2, attrs({65002, 9}));
  f.update("10.3.0.0/16", 2, attrs({65002}));          // 2 best over 1, not refreshed
  f.update("10.3.0.0/16", 1, attrs({65001, 9}));
  f.update("10.4.0.0/16", 1, attrs({65001}));          // 1 alone, not refreshed
  f.update("10.5.0.0/16", 1, attrs({65001}));          // refreshed with a new set
  f.update("2001:db8::/32", 1, attrs({65001}));        // other family: untouched
  f.update("10.9.0.0/16", 2, attrs({65002}));          // other peer: untouched

  f.loc.mark_stale(1, wire::kIpv4Unicast);
  std::size_t stale = 0;
  f.loc.for_each_path(1, wire::kIpv4Unicast, [&](const wire::Prefix&, const rib::Path& p) {
    stale += p.stale ? 1 : 0;
  });
  CHECK(stale == 5);
  f.loc.for_each_path(1, wire::kIpv6Unicast, [&](const wire::Prefix&, const rib::Path& p) {
    CHECK_FALSE(p.stale);
  });
  f.loc.for_each_path(2, wire::kIpv4Unicast, [&](const wire::Prefix&, const rib::Path& p) {
    CHECK_FALSE(p.stale);
  });

  // Re-announce: same set (no best change), and a new set.
  CHECK_FALSE(f.update("10.1.0.0/16", 1, attrs({65001})));
  CHECK(f.update("10.5.0.0/16", 1, attrs({65001, 5})));
  CHECK_FALSE(f.loc.best(pfx("10.1.0.0/16"))->stale);
  CHECK_FALSE(f.loc.best(pfx("10.5.0.0/16"))->stale);
  CHECK(f.loc.best(pfx("10.4.0.0/16"))->stale);

  auto changed = f.loc.sweep_stale(1, wire::kIpv4Unicast);
  CHECK(as_set(changed) == std::set<wire::Prefix>{pfx("10.2.0.0/16"), pfx("10.4.0.0/16")});
  std::set<wire::Prefix> left;
  f.loc.for_each_path(1, wire::kIpv4Unicast, [&](const wire::Prefix& p, const rib::Path& path) {
    CHECK_FALSE(path.stale);
    left.insert(p);
  });
  CHECK(left == std::set<wire::Prefix>{pfx("10.1.0.0/16"), pfx("10.5.0.0/16")});
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 2);
  CHECK(f.loc.count(1, wire::kIpv6Unicast) == 1);
  CHECK(f.best_peer("10.2.0.0/16") == 2);
  CHECK(f.loc.paths(pfx("10.3.0.0/16")).size() == 1);
  CHECK(f.loc.best(pfx("10.4.0.0/16")) == nullptr);
  CHECK(f.best_peer("10.9.0.0/16") == 2);
  // A second sweep finds nothing.
  CHECK(f.loc.sweep_stale(1, wire::kIpv4Unicast).empty());
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 2);

  SECTION("a stale path that moves within the destination stays stale") {
    // Peer 2 improves on 10.1/16 after peer 1 was marked stale: peer 1's path leaves `first`.
    f.loc.mark_stale(1, wire::kIpv4Unicast);
    CHECK(f.update("10.1.0.0/16", 2, attrs({})));
    CHECK(f.best_peer("10.1.0.0/16") == 2);
    auto swept = f.loc.sweep_stale(1, wire::kIpv4Unicast);
    CHECK(as_set(swept) == std::set<wire::Prefix>{pfx("10.5.0.0/16")});
    CHECK(f.loc.count(1, wire::kIpv4Unicast) == 0);
  }
}

TEST_CASE("Loc-RIB: attribute references are released when everything is withdrawn", "[rib]") {
  Fixture f;
  for (std::uint32_t i = 0; i < 200; ++i) {
    auto p = wire::Prefix{wire::IpAddress::v4(0x0A000000u | (i << 8)), 24};
    for (PeerId peer = 1; peer <= 3; ++peer) {
      // A few distinct sets, shared across prefixes; re-announced once with another set.
      f.loc.update(p, peer, f.store.intern(attrs({65000u + peer}, 100 + i % 3)));
      if (i % 7 == 0) {
        f.loc.update(p, peer, f.store.intern(attrs({65000u + peer, 1}, 100)));
      }
    }
  }
  CHECK(f.store.size() > 0);
  CHECK(f.loc.size(wire::kIpv4Unicast) == 200);
  for (std::uint32_t i = 0; i < 200; ++i) {
    auto p = wire::Prefix{wire::IpAddress::v4(0x0A000000u | (i << 8)), 24};
    for (PeerId peer = 1; peer <= 3; ++peer) {
      f.loc.withdraw(p, static_cast<PeerId>(1 + (peer + i) % 3));
    }
  }
  CHECK(f.loc.size(wire::kIpv4Unicast) == 0);
  CHECK(f.store.size() == 0);
}

namespace {

// Five paths for one prefix from peers 1..5, each pair decided by a different step. Peers 1 and
// 2 share neighbour AS 65001, so MED is compared between them.
struct PermutationSetup {
  std::vector<PeerId> peers{1, 2, 3, 4, 5};
  std::vector<wire::PathAttributes> sets;
  std::vector<rib::PeerInfo> infos;
  PermutationSetup() {
    sets.push_back(attrs({65001, 7}, 200, 50));  // 1
    sets.push_back(attrs({65001, 8}, 200, 10));  // 2: beats 1 on MED
    sets.push_back(attrs({65003}, 200));         // 3: beats 1 and 2 on AS path length
    sets.push_back(attrs({65004}, 200));         // 4: ties with 3 up to router ID
    sets.push_back(attrs({65005}, 300));         // 5: beats everything on LOCAL_PREF
    for (std::uint8_t n = 1; n <= 5; ++n) {
      infos.push_back(peer_info(n));
    }
    infos[3].router_id = 0x01000000;  // peer 4 beats peer 3 on router ID
  }
};

// The path that beats every other one by compare(), as the reference for LocRib's choice.
PeerId brute_force_best(const PermutationSetup& s, const std::vector<PeerId>& live) {
  auto cand = [&](PeerId p) {
    rib::Candidate c;
    c.attrs = &s.sets[p - 1u];
    c.weight = s.infos[p - 1u].weight;
    c.ebgp = s.infos[p - 1u].ebgp;
    c.peer_router_id = s.infos[p - 1u].router_id;
    c.peer_address = s.infos[p - 1u].address;
    return c;
  };
  PeerId winner = 0;
  for (PeerId a : live) {
    bool beats_all = true;
    for (PeerId b : live) {
      if (a != b && !rib::compare(cand(a), cand(b)).first_wins) {
        beats_all = false;
      }
    }
    if (beats_all) {
      REQUIRE(winner == 0);
      winner = a;
    }
  }
  REQUIRE(winner != 0);
  return winner;
}

}  // namespace

TEST_CASE("Loc-RIB: every insertion and withdrawal order gives the same best", "[rib]") {
  PermutationSetup s;
  const auto prefix = pfx("203.0.113.0/24");
  REQUIRE(brute_force_best(s, s.peers) == 5);

  std::vector<PeerId> insert_order = s.peers;
  std::size_t insert_perms = 0;
  do {
    ++insert_perms;
    std::vector<PeerId> withdraw_order = s.peers;
    do {
      rib::AttrStore store;
      rib::LocRib r{store};
      for (PeerId p : s.peers) {
        r.set_peer(p, s.infos[p - 1u]);
      }
      std::vector<PeerId> live;
      PeerId expected = 0;
      for (PeerId p : insert_order) {
        live.push_back(p);
        PeerId want = brute_force_best(s, live);
        bool changed = r.update(prefix, p, store.intern(s.sets[p - 1u]));
        if (changed != (want != expected) || r.best(prefix)->peer != want) {
          FAIL_CHECK("insert " << p << " changed=" << changed << " best="
                               << r.best(prefix)->peer << " want " << want);
        }
        expected = want;
      }
      if (r.best(prefix)->peer != 5 || !(store.get(r.best(prefix)->attr) == s.sets[4])) {
        FAIL_CHECK("after all insertions best is peer " << r.best(prefix)->peer);
      }
      for (PeerId p : withdraw_order) {
        live.erase(std::find(live.begin(), live.end(), p));
        bool changed = r.withdraw(prefix, p);
        if (live.empty()) {
          if (!changed || r.best(prefix) != nullptr) {
            FAIL_CHECK("last withdrawal left a best path");
          }
          break;
        }
        PeerId want = brute_force_best(s, live);
        const rib::Path* b = r.best(prefix);
        if (b == nullptr || changed != (p == expected) || b->peer != want ||
            !(store.get(b->attr) == s.sets[want - 1u]) ||
            r.paths(prefix).size() != live.size()) {
          FAIL_CHECK("withdraw " << p << " changed=" << changed << " want " << want);
        }
        expected = want;
      }
      if (store.size() != 0) {
        FAIL_CHECK("attribute sets left: " << store.size());
      }
    } while (std::next_permutation(withdraw_order.begin(), withdraw_order.end()));
  } while (std::next_permutation(insert_order.begin(), insert_order.end()));
  CHECK(insert_perms == 120);
}

TEST_CASE("Loc-RIB: best_reason names the step against the strongest other path", "[rib]") {
  PermutationSetup s;
  rib::AttrStore store;
  rib::LocRib r{store};
  for (PeerId p : s.peers) {
    r.set_peer(p, s.infos[p - 1u]);
  }
  const auto prefix = pfx("203.0.113.0/24");
  auto add = [&](PeerId p) { r.update(prefix, p, store.intern(s.sets[p - 1u])); };
  add(1);
  add(2);
  CHECK(r.best(prefix)->peer == 2);
  CHECK(r.best_reason(prefix) == BestPathReason::Med);
  add(3);
  CHECK(r.best_reason(prefix) == BestPathReason::AsPathLength);
  add(4);
  CHECK(r.best(prefix)->peer == 4);
  CHECK(r.best_reason(prefix) == BestPathReason::RouterId);
  add(5);
  CHECK(r.best_reason(prefix) == BestPathReason::LocalPref);
}

TEST_CASE("Loc-RIB: MED between some paths only gives the same best in any insertion order",
          "[rib]") {
  // RFC 4271 §9.1.2.2 c) removes, among the routes from the same neighbour AS, those with a
  // higher MED before the later steps run, so the outcome is one fixed route. Pairwise compare()
  // is not transitive here: A beats B on MED (both AS 65001), B beats C on router ID (MED not
  // compared across ASes), C beats A on router ID. The RFC's answer is C: B is removed by c),
  // then C beats A on router ID.
  rib::AttrStore store;
  std::vector<wire::PathAttributes> sets = {
      attrs({65001, 7}, 100, 5),   // A, peer 1, router ID 3
      attrs({65001, 8}, 100, 10),  // B, peer 2, router ID 1
      attrs({65002, 9}, 100, 0),   // C, peer 3, router ID 2
  };
  std::vector<wire::RouterId> ids = {3, 1, 2};
  std::vector<PeerId> order = {1, 2, 3};
  do {
    rib::LocRib r{store};
    for (PeerId p = 1; p <= 3; ++p) {
      auto info = peer_info(static_cast<std::uint8_t>(p));
      info.router_id = ids[p - 1u];
      r.set_peer(p, info);
    }
    const auto prefix = pfx("198.51.100.0/24");
    for (PeerId p : order) {
      r.update(prefix, p, store.intern(sets[p - 1u]));
    }
    INFO("insertion order " << order[0] << " " << order[1] << " " << order[2]);
    CHECK(r.best(prefix)->peer == 3);
    r.remove_peer(1);
    r.remove_peer(2);
    r.remove_peer(3);
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(store.size() == 0);
}
