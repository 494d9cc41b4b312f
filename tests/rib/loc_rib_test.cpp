// Loc-RIB (rib/loc_rib.hpp): update/withdraw return values, implicit withdraw (RFC 4271 §3.1),
// best-first ordering among several peers, per-peer counts, session removal, stale marking and
// sweeping (RFC 4724 §4.2, RFC 7313 §4), attribute reference counting, and an insertion- and
// withdrawal-order permutation test against a brute-force use of compare().
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <string>
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

// Paths for one prefix from peers 1..n: sets[p - 1] and infos[p - 1] belong to peer p.
struct Scenario {
  std::vector<wire::PathAttributes> sets;
  std::vector<rib::PeerInfo> infos;
  std::vector<PeerId> peers() const {
    std::vector<PeerId> out(sets.size());
    std::iota(out.begin(), out.end(), PeerId{1});
    return out;
  }
  rib::Candidate candidate(PeerId p) const {
    rib::Candidate c;
    c.attrs = &sets[p - 1u];
    c.weight = infos[p - 1u].weight;
    c.ebgp = infos[p - 1u].ebgp;
    c.peer_router_id = infos[p - 1u].router_id;
    c.peer_address = infos[p - 1u].address;
    return c;
  }
};

// Five paths, each pair decided by a different step; peers 1 and 2 share neighbour AS 65001,
// so MED is compared between them. Strict order: 5 > 4 > 3 > 2 > 1.
Scenario five_paths() {
  Scenario s;
  s.sets.push_back(attrs({65001, 7}, 200, 50));  // 1
  s.sets.push_back(attrs({65001, 8}, 200, 10));  // 2: beats 1 on MED
  s.sets.push_back(attrs({65003}, 200));         // 3: beats 1 and 2 on AS path length
  s.sets.push_back(attrs({65004}, 200));         // 4: ties with 3 up to router ID
  s.sets.push_back(attrs({65005}, 300));         // 5: beats everything on LOCAL_PREF
  for (std::uint8_t n = 1; n <= 5; ++n) {
    s.infos.push_back(peer_info(n));
  }
  s.infos[3].router_id = 0x01000000;  // peer 4 beats peer 3 on router ID
  return s;
}

// The path that beats every other one by compare() (0 if there is none).
PeerId brute_force_best(const Scenario& s, const std::vector<PeerId>& live) {
  PeerId winner = 0;
  for (PeerId a : live) {
    bool beats_all = true;
    for (PeerId b : live) {
      if (a != b && !rib::compare(s.candidate(a), s.candidate(b)).first_wins) {
        beats_all = false;
      }
    }
    if (beats_all) {
      winner = winner == 0 ? a : PeerId{0xFFFF};  // two winners: report as an error
    }
  }
  return winner;
}

// RFC 4271 §9.1.2.2 read literally, as a second reference: every step removes candidates from
// the whole remaining set (weight and "locally originated" first, as in best_path.hpp), and c)
// removes a route only when one from the same neighbour AS has a lower MED.
PeerId rfc_best(const Scenario& s, std::vector<PeerId> live) {
  auto keep_min = [&](auto key) {
    auto m = key(live.front());
    for (PeerId p : live) {
      m = std::min(m, key(p));
    }
    live.erase(std::remove_if(live.begin(), live.end(), [&](PeerId p) { return key(p) != m; }),
               live.end());
  };
  auto a = [&](PeerId p) -> const wire::PathAttributes& { return s.sets[p - 1u]; };
  auto info = [&](PeerId p) -> const rib::PeerInfo& { return s.infos[p - 1u]; };
  if (live.empty()) {
    return 0;
  }
  keep_min([&](PeerId p) { return -std::int64_t{info(p).weight}; });
  keep_min([&](PeerId p) { return -std::int64_t{a(p).local_pref.value_or(100)}; });
  keep_min([&](PeerId p) { return a(p).as_path ? a(p).as_path->length() : 0; });
  keep_min([&](PeerId p) {
    return static_cast<int>(a(p).origin.value_or(wire::Origin::Incomplete));
  });
  // c) The scenarios only use paths that start with an AS_SEQUENCE.
  auto nas = [&](PeerId p) { return a(p).as_path->segments.at(0).asns.at(0); };
  auto med = [&](PeerId p) { return a(p).med.value_or(0); };
  std::vector<PeerId> after_c;
  for (PeerId p : live) {
    bool beaten = std::any_of(live.begin(), live.end(),
                              [&](PeerId q) { return nas(q) == nas(p) && med(q) < med(p); });
    if (!beaten) {
      after_c.push_back(p);
    }
  }
  live = after_c;
  keep_min([&](PeerId p) { return info(p).ebgp ? 0 : 1; });
  keep_min([&](PeerId p) { return a(p).originator_id.value_or(info(p).router_id); });
  keep_min([&](PeerId p) { return info(p).address; });
  return live.size() == 1 ? live.front() : PeerId{0xFFFF};
}

// Inserts the scenario's paths in `insert_order`, then withdraws them in `withdraw_order`,
// checking after every step the best (peer and attributes) against rfc_best, the return value
// against "the best changed", and the path count. Returns false after a FAIL_CHECK.
bool check_order(const Scenario& s, const std::vector<PeerId>& insert_order,
                 const std::vector<PeerId>& withdraw_order) {
  const auto prefix = pfx("203.0.113.0/24");
  rib::AttrStore store;
  rib::LocRib r{store};
  for (PeerId p : s.peers()) {
    r.set_peer(p, s.infos[p - 1u]);
  }
  std::vector<PeerId> live;
  PeerId before = 0;
  auto check = [&](const char* op, PeerId p, bool changed) {
    PeerId want = rfc_best(s, live);
    const rib::Path* b = r.best(prefix);
    PeerId got = b ? b->peer : 0;
    bool ok = got == want && changed == (want != before) && r.paths(prefix).size() == live.size();
    if (ok && b != nullptr) {
      ok = store.get(b->attr) == s.sets[want - 1u];
    }
    if (!ok) {
      std::string ins, wd;
      for (PeerId q : insert_order) {
        ins += std::to_string(q);
      }
      for (PeerId q : withdraw_order) {
        wd += std::to_string(q);
      }
      FAIL_CHECK("insert order " << ins << ", withdraw order " << wd << ": after " << op << " "
                                 << p << " best is " << got << " (want " << want
                                 << "), returned " << changed);
    }
    before = want;
    return ok;
  };
  for (PeerId p : insert_order) {
    live.push_back(p);
    if (!check("update", p, r.update(prefix, p, store.intern(s.sets[p - 1u])))) {
      return false;
    }
  }
  for (PeerId p : withdraw_order) {
    live.erase(std::find(live.begin(), live.end(), p));
    if (!check("withdraw", p, r.withdraw(prefix, p))) {
      return false;
    }
  }
  if (store.size() != 0) {
    FAIL_CHECK("attribute sets left: " << store.size());
    return false;
  }
  return true;
}

// Every insertion order; for each, the withdrawal orders it, its reverse and a rotation, and
// for the first insertion order every withdrawal order.
void check_all_orders(const Scenario& s) {
  auto ins = s.peers();
  std::size_t runs = 0;
  bool first = true;
  do {
    std::vector<std::vector<PeerId>> wds;
    if (first) {
      auto w = s.peers();
      do {
        wds.push_back(w);
      } while (std::next_permutation(w.begin(), w.end()));
      first = false;
    } else {
      wds.push_back(ins);
      wds.emplace_back(ins.rbegin(), ins.rend());
      auto rot = ins;
      std::rotate(rot.begin(), rot.begin() + 2, rot.end());
      wds.push_back(rot);
    }
    for (const auto& w : wds) {
      ++runs;
      if (!check_order(s, ins, w)) {
        return;
      }
    }
  } while (std::next_permutation(ins.begin(), ins.end()));
  CHECK(runs > 0);
}

}  // namespace

TEST_CASE("Loc-RIB: every insertion and withdrawal order gives the same best", "[rib]") {
  auto s = five_paths();
  // The two references agree on every subset: the candidates are totally ordered.
  auto peers = s.peers();
  for (unsigned mask = 1; mask < (1u << peers.size()); ++mask) {
    std::vector<PeerId> live;
    for (std::size_t i = 0; i < peers.size(); ++i) {
      if ((mask >> i & 1u) != 0) {
        live.push_back(peers[i]);
      }
    }
    INFO("subset mask " << mask);
    REQUIRE(brute_force_best(s, live) == rfc_best(s, live));
  }
  REQUIRE(brute_force_best(s, peers) == 5);
  check_all_orders(s);
}

TEST_CASE("Loc-RIB: best_reason names the step against the strongest other path", "[rib]") {
  auto s = five_paths();
  rib::AttrStore store;
  rib::LocRib r{store};
  for (PeerId p : s.peers()) {
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
  r.remove_peer(5);
  r.remove_peer(4);
  r.remove_peer(3);
  r.remove_peer(2);
  r.remove_peer(1);
  CHECK(store.size() == 0);
}

TEST_CASE("Loc-RIB: MED between some paths only gives the same best in any order", "[rib]") {
  // RFC 4271 §9.1.2.2 c) removes, among the routes from the same neighbour AS, those with a
  // higher MED before the later steps run, so the outcome is one fixed route. Pairwise compare()
  // is not transitive here: A beats B on MED (both AS 65001), B beats C on router ID (MED not
  // compared across ASes), C beats A on router ID. The RFC's answer is C: B is removed by c),
  // then C beats A on router ID. Withdrawing A (not the best) makes B the best.
  Scenario s;
  s.sets = {
      attrs({65001, 7}, 100, 5),   // A, peer 1, router ID 3
      attrs({65001, 8}, 100, 10),  // B, peer 2, router ID 1
      attrs({65002, 9}, 100, 0),   // C, peer 3, router ID 2
  };
  for (std::uint8_t n = 1; n <= 3; ++n) {
    s.infos.push_back(peer_info(n));
  }
  s.infos[0].router_id = 3;
  s.infos[1].router_id = 1;
  s.infos[2].router_id = 2;
  REQUIRE(brute_force_best(s, {1, 2, 3}) == 0);  // no path beats both others
  REQUIRE(rfc_best(s, {1, 2, 3}) == 3);
  REQUIRE(rfc_best(s, {2, 3}) == 2);
  check_all_orders(s);

  SECTION("with a fourth path in A's group") {
    // D: AS 65001, MED 1, router ID 9: removes A and B in c), loses to C on router ID.
    s.sets.push_back(attrs({65001, 6}, 100, 1));
    s.infos.push_back(peer_info(4));
    s.infos[3].router_id = 9;
    REQUIRE(rfc_best(s, {1, 2, 3, 4}) == 3);
    check_all_orders(s);
  }
}

TEST_CASE("Loc-RIB: random updates and withdrawals agree with RFC 4271 §9.1.2.2", "[rib]") {
  // Seeded: the seed is printed on failure; --rng-seed N adds N.
  std::vector<std::uint64_t> seeds = {7, 1234, 0xBADC0DE};
  if (Catch::rngSeed() != 0) {
    seeds.push_back(Catch::rngSeed());
  }
  for (auto seed : seeds) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint64_t n) { return rng() % n; };
    for (int trial = 0; trial < 300; ++trial) {
      INFO("trial " << trial);
      constexpr std::uint8_t kPeers = 6;
      Scenario s;
      rib::AttrStore store;
      rib::LocRib r{store};
      for (std::uint8_t n = 1; n <= kPeers; ++n) {
        auto info = peer_info(n, pick(3) != 0, pick(6) == 0 ? 10 : 0);
        info.router_id = static_cast<wire::RouterId>(1 + pick(4));  // ties go to the address
        s.infos.push_back(info);
        s.sets.emplace_back();
        r.set_peer(n, info);
      }
      const auto prefix = pfx("198.51.100.0/24");
      std::vector<PeerId> live;
      PeerId before = 0;
      rib::AttrId before_attr = rib::kNoAttr;
      for (int op = 0; op < 25; ++op) {
        auto p = static_cast<PeerId>(1 + pick(kPeers));
        bool has = std::find(live.begin(), live.end(), p) != live.end();
        bool changed = false;
        if (pick(10) < 6) {
          std::vector<wire::Asn> path = {static_cast<wire::Asn>(65001 + pick(3))};
          for (auto extra = pick(3); extra > 0; --extra) {
            path.push_back(static_cast<wire::Asn>(100 + pick(50)));
          }
          static const std::optional<std::uint32_t> kMeds[] = {std::nullopt, 0, 5, 10};
          auto a = attrs(path, pick(4) == 0 ? 200 : 100, kMeds[pick(4)]);
          if (pick(5) == 0) {
            a.local_pref.reset();
          }
          if (pick(3) == 0) {
            a.origin = wire::Origin::Egp;
          }
          if (pick(5) == 0) {
            a.originator_id = static_cast<wire::RouterId>(1 + pick(4));
          }
          s.sets[p - 1u] = a;
          if (!has) {
            live.push_back(p);
          }
          changed = r.update(prefix, p, store.intern(a));
        } else {
          if (has) {
            live.erase(std::find(live.begin(), live.end(), p));
          }
          changed = r.withdraw(prefix, p);
        }
        PeerId want = rfc_best(s, live);
        const rib::Path* b = r.best(prefix);
        INFO("op " << op << " peer " << p << " best " << (b ? b->peer : 0) << " want " << want
                   << " returned " << changed);
        REQUIRE((b ? b->peer : 0) == want);
        if (b != nullptr) {
          REQUIRE(store.get(b->attr) == s.sets[want - 1u]);
        }
        REQUIRE(r.paths(prefix).size() == live.size());
        bool p_live = std::find(live.begin(), live.end(), p) != live.end();
        REQUIRE(r.count(p, wire::kIpv4Unicast) == (p_live ? 1u : 0u));
        // The best changed if its peer or its attributes (interned: the id) changed.
        rib::AttrId now_attr = b ? b->attr : rib::kNoAttr;
        REQUIRE(changed == (want != before || now_attr != before_attr));
        before_attr = now_attr;
        before = want;
      }
      for (PeerId p = 1; p <= kPeers; ++p) {
        r.remove_peer(p);
      }
      REQUIRE(store.size() == 0);
    }
  }
}

TEST_CASE("Loc-RIB: best_reason does not depend on the insertion order", "[rib]") {
  // C is best (see the MED test above: A removes B in its AS, C removes E in its AS, C beats A
  // on router ID). The runner-up, the best without C, is E (A removes B, E beats A on router
  // ID), and C beats E on MED. A pairwise "strongest of the others" scan instead ends on B for
  // some orders of the other paths (E beats A, B beats E), and C vs B is decided on router ID,
  // where C even loses.
  Scenario s;
  s.sets = {
      attrs({65001, 7}, 100, 5),   // A, router ID 30
      attrs({65001, 8}, 100, 10),  // B, router ID 10
      attrs({65002, 9}, 100, 0),   // C, router ID 20
      attrs({65002, 6}, 100, 5),   // E, router ID 25
  };
  const std::vector<wire::RouterId> ids = {30, 10, 20, 25};
  for (std::uint8_t n = 1; n <= 4; ++n) {
    s.infos.push_back(peer_info(n));
    s.infos.back().router_id = ids[n - 1u];
  }
  REQUIRE(rfc_best(s, {1, 2, 3, 4}) == 3);
  REQUIRE(rfc_best(s, {1, 2, 4}) == 4);
  REQUIRE(rib::compare(s.candidate(3), s.candidate(4)).reason == BestPathReason::Med);

  const auto prefix = pfx("203.0.113.0/24");
  auto order = s.peers();
  do {
    rib::AttrStore store;
    rib::LocRib r{store};
    for (PeerId p : s.peers()) {
      r.set_peer(p, s.infos[p - 1u]);
    }
    for (PeerId p : order) {
      r.update(prefix, p, store.intern(s.sets[p - 1u]));
    }
    INFO("insertion order " << order[0] << order[1] << order[2] << order[3]);
    CHECK(r.best(prefix)->peer == 3);
    CHECK(rib::to_string(r.best_reason(prefix)) == std::string("MED"));
    for (PeerId p : s.peers()) {
      r.remove_peer(p);
    }
  } while (std::next_permutation(order.begin(), order.end()));
}
