// Loc-RIB (rib/loc_rib.hpp): update/withdraw return values, implicit withdraw (RFC 4271 §3.1),
// best-first ordering among several peers, per-peer counts, session removal, stale marking and
// sweeping (RFC 4724 §4.2, RFC 7313 §4) and attribute reference counting. The order and
// permutation tests of the decision are in loc_rib_order_test.cpp.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "rib/loc_rib.hpp"

#include "loc_rib_helpers.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;
using rib::BestPathReason;
using rib::PeerId;

namespace {

using rib::test::attrs;
using rib::test::peer_info;
using rib::test::pfx;

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

TEST_CASE("Loc-RIB: the stale count follows every path that is marked, replaced or removed",
          "[rib]") {
  // sweep_stale trusts the count to skip its walk (issue #15): it must never fall short.
  Fixture f;
  auto counted = [&](PeerId peer) {
    std::size_t n = 0;
    f.loc.for_each_path(peer, wire::kIpv4Unicast, [&](const wire::Prefix&, const rib::Path& p) {
      n += p.stale ? 1 : 0;
    });
    CHECK(f.loc.stale_count(peer, wire::kIpv4Unicast) == n);
    return n;
  };
  for (const char* p : {"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"}) {
    f.update(p, 1, attrs({65001}));
  }
  f.update("10.3.0.0/16", 2, attrs({65002}));          // peer 1's path in `more` or `first`
  CHECK(counted(1) == 0);
  CHECK(f.loc.sweep_stale(1, wire::kIpv4Unicast).empty());
  f.loc.mark_stale(1, wire::kIpv4Unicast);
  CHECK(counted(1) == 4);
  f.loc.mark_stale(1, wire::kIpv4Unicast);             // twice: still 4
  CHECK(counted(1) == 4);
  CHECK(counted(2) == 0);
  f.loc.withdraw(pfx("10.1.0.0/16"), 1);               // a stale path withdrawn
  CHECK(counted(1) == 3);
  f.update("10.2.0.0/16", 1, attrs({65001, 7}));       // refreshed
  CHECK(counted(1) == 2);
  f.update("10.3.0.0/16", 2, attrs({}));               // moves peer 1's stale path aside
  CHECK(counted(1) == 2);
  f.loc.withdraw(pfx("10.3.0.0/16"), 2);               // and back to `first`
  CHECK(counted(1) == 2);
  auto swept = f.loc.sweep_stale(1, wire::kIpv4Unicast);
  CHECK(as_set(swept) == std::set<wire::Prefix>{pfx("10.3.0.0/16"), pfx("10.4.0.0/16")});
  CHECK(counted(1) == 0);
  CHECK(f.loc.count(1, wire::kIpv4Unicast) == 1);
  f.loc.mark_stale(1, wire::kIpv4Unicast);             // marks again after a sweep
  CHECK(counted(1) == 1);
  CHECK(f.loc.remove_peer(1).size() == 1);
  CHECK(counted(1) == 0);
  CHECK(f.loc.remove_peer(1).empty());                 // nothing left: no walk, nothing found
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

TEST_CASE("Loc-RIB: peers with far-apart ids keep their info and counts (sparse slots)",
          "[rib]") {
  // One table per circuit holds a few peers whose ids can be in the thousands; the table keeps
  // slots for those ids only, and a lower id joining later (a reload) keeps the others'.
  rib::AttrStore store;
  rib::LocRib loc{store};
  auto a = attrs({65001});
  loc.set_peer(2000, peer_info(1, true, 50));
  loc.set_peer(2001, peer_info(2, false));
  CHECK(loc.update(pfx("10.0.0.0/24"), 2000, store.intern(a)));
  loc.update(pfx("10.0.1.0/24"), 2001, store.intern(a));
  loc.update(pfx("10.0.2.0/24"), 2001, store.intern(a));
  CHECK(loc.count(2000, wire::kIpv4Unicast) == 1);
  CHECK(loc.count(2001, wire::kIpv4Unicast) == 2);
  CHECK(loc.count(7, wire::kIpv4Unicast) == 0);  // never seen: no slot, no count
  CHECK(loc.peer_info(2000).weight == 50);
  CHECK_FALSE(loc.peer_info(2001).ebgp);
  CHECK(loc.peer_info(1999).weight == 0);  // unknown id: the default
  loc.set_peer(3, peer_info(3, true, 7));
  loc.update(pfx("10.0.3.0/24"), 3, store.intern(a));
  CHECK(loc.count(3, wire::kIpv4Unicast) == 1);
  CHECK(loc.count(2001, wire::kIpv4Unicast) == 2);
  CHECK(loc.peer_info(2000).weight == 50);
  CHECK(loc.peer_info(3).weight == 7);
  // The local peer (0) has its own slot.
  loc.update(pfx("10.0.4.0/24"), rib::kLocalPeer, store.intern(a));
  CHECK(loc.count(rib::kLocalPeer, wire::kIpv4Unicast) == 1);
  CHECK(loc.count(3, wire::kIpv4Unicast) == 1);
}
