// Loc-RIB (rib/loc_rib.hpp) against references of the decision process: an insertion- and
// withdrawal-order permutation test against a brute-force use of compare() and a literal
// reading of RFC 4271 §9.1.2.2, MED between some paths only, random updates and withdrawals,
// and best_reason's independence of the order. The other Loc-RIB tests are in loc_rib_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>
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
