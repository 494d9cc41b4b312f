// The decision process (rib/best_path.hpp) step by step: one reference candidate, and for every
// step a variant that is better in exactly that step, compared in both directions (the layout of
// OpenBGPD's regress rde_decide_test.c). Then every pair of steps, to show an earlier step
// decides before a later one. RFC 4271 §9.1.1, §9.1.2.2; RFC 4456 §9; RFC 5065 §5.3.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "rib/best_path.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;
using rib::BestPathReason;

namespace {

wire::AsSegment seq(std::vector<wire::Asn> asns) {
  return wire::AsSegment{wire::AsSegmentType::AsSequence, std::move(asns)};
}
wire::AsSegment set(std::vector<wire::Asn> asns) {
  return wire::AsSegment{wire::AsSegmentType::AsSet, std::move(asns)};
}
wire::AsSegment confed_seq(std::vector<wire::Asn> asns) {
  return wire::AsSegment{wire::AsSegmentType::AsConfedSequence, std::move(asns)};
}
wire::AsSegment confed_set(std::vector<wire::Asn> asns) {
  return wire::AsSegment{wire::AsSegmentType::AsConfedSet, std::move(asns)};
}

// A candidate that owns its attributes (Candidate only points at them).
struct Route {
  wire::PathAttributes attrs;
  std::uint32_t weight = 100;
  bool local = false;
  bool ebgp = false;
  wire::RouterId router_id = 0x0A000005;
  wire::IpAddress address = wire::IpAddress::v4(0x0A000005);

  rib::Candidate candidate() const {
    rib::Candidate c;
    c.attrs = &attrs;
    c.weight = weight;
    c.local = local;
    c.ebgp = ebgp;
    c.peer_router_id = router_id;
    c.peer_address = address;
    return c;
  }
};

// The reference: iBGP-learned, LOCAL_PREF absent (100), path "65001 65002", ORIGIN EGP,
// MED 20, no ORIGINATOR_ID. Every field sits in the middle of its range so that a variant can
// be better in any one step.
Route reference() {
  Route r;
  r.attrs.origin = wire::Origin::Egp;
  r.attrs.as_path = wire::AsPath{{seq({65001, 65002})}};
  r.attrs.next_hop = wire::IpAddress::v4(0xC0000201);
  r.attrs.med = 20;
  return r;
}

// compare(better, worse) picks `better` for `reason`, and compare(worse, better) agrees.
void check_both_ways(const Route& better, const Route& worse, BestPathReason reason) {
  auto fwd = rib::compare(better.candidate(), worse.candidate());
  auto rev = rib::compare(worse.candidate(), better.candidate());
  INFO("expected reason: " << rib::to_string(reason));
  INFO("forward: " << rib::to_string(fwd.reason) << ", reverse: " << rib::to_string(rev.reason));
  CHECK(fwd.first_wins);
  CHECK(fwd.reason == reason);
  CHECK_FALSE(rev.first_wins);
  CHECK(rev.reason == reason);
}

void check_equal(const Route& a, const Route& b) {
  auto fwd = rib::compare(a.candidate(), b.candidate());
  auto rev = rib::compare(b.candidate(), a.candidate());
  INFO("forward: " << rib::to_string(fwd.reason) << ", reverse: " << rib::to_string(rev.reason));
  CHECK(fwd.reason == BestPathReason::Equal);
  CHECK(rev.reason == BestPathReason::Equal);
}

// One mutator per decision step, in decision order, each making the reference better in that
// step only (the fields they touch are disjoint, and the AS path keeps its neighbour AS).
struct Step {
  BestPathReason reason;
  std::function<void(Route&)> improve;
};
std::vector<Step> steps() {
  return {
      {BestPathReason::Weight, [](Route& r) { r.weight = 200; }},
      {BestPathReason::LocalPref, [](Route& r) { r.attrs.local_pref = 150; }},
      {BestPathReason::LocallyOriginated, [](Route& r) { r.local = true; }},
      {BestPathReason::AsPathLength,
       [](Route& r) { r.attrs.as_path = wire::AsPath{{seq({65001})}}; }},
      {BestPathReason::Origin, [](Route& r) { r.attrs.origin = wire::Origin::Igp; }},
      {BestPathReason::Med, [](Route& r) { r.attrs.med = 10; }},
      {BestPathReason::EbgpOverIbgp, [](Route& r) { r.ebgp = true; }},
      {BestPathReason::RouterId, [](Route& r) { r.router_id = 0x0A000001; }},
      {BestPathReason::PeerAddress, [](Route& r) { r.address = wire::IpAddress::v4(0x0A000001); }},
  };
}

}  // namespace

TEST_CASE("Identical candidates compare Equal", "[rib]") {
  check_equal(reference(), reference());
  CHECK(std::string(rib::to_string(BestPathReason::Equal)) == "equal");
}

TEST_CASE("Each decision step alone decides, in both comparison directions", "[rib]") {
  for (const auto& step : steps()) {
    DYNAMIC_SECTION(rib::to_string(step.reason)) {
      Route better = reference();
      step.improve(better);
      check_both_ways(better, reference(), step.reason);
    }
  }
}

TEST_CASE("Weight: the higher configured weight wins", "[rib]") {
  Route better = reference(), worse = reference();
  better.weight = 1;
  worse.weight = 0;
  check_both_ways(better, worse, BestPathReason::Weight);
}

TEST_CASE("LOCAL_PREF: higher wins and an absent LOCAL_PREF counts as 100", "[rib]") {
  // RFC 4271 §9.1.1: the reference has no LOCAL_PREF.
  SECTION("150 beats absent") {
    Route better = reference();
    better.attrs.local_pref = 150;
    check_both_ways(better, reference(), BestPathReason::LocalPref);
  }
  SECTION("absent beats 99") {
    Route worse = reference();
    worse.attrs.local_pref = 99;
    check_both_ways(reference(), worse, BestPathReason::LocalPref);
  }
  SECTION("absent beats 0") {
    Route worse = reference();
    worse.attrs.local_pref = 0;
    check_both_ways(reference(), worse, BestPathReason::LocalPref);
  }
  SECTION("101 beats absent") {
    Route better = reference();
    better.attrs.local_pref = 101;
    check_both_ways(better, reference(), BestPathReason::LocalPref);
  }
  SECTION("explicit 100 ties with absent") {
    Route explicit100 = reference();
    explicit100.attrs.local_pref = 100;
    check_equal(explicit100, reference());
    // ... so a later step decides.
    explicit100.router_id = 0x0A000001;
    check_both_ways(explicit100, reference(), BestPathReason::RouterId);
  }
}

TEST_CASE("A locally originated route beats a learned one", "[rib]") {
  Route local = reference();
  local.local = true;
  check_both_ways(local, reference(), BestPathReason::LocallyOriginated);
}

TEST_CASE("AS_PATH length: shorter wins, AS_SET counts 1, confederation segments 0", "[rib]") {
  SECTION("one AS shorter") {
    Route worse = reference();
    worse.attrs.as_path = wire::AsPath{{seq({65001, 65002, 65003})}};
    check_both_ways(reference(), worse, BestPathReason::AsPathLength);
  }
  SECTION("an AS_SET of three counts as one") {
    // "65001 {7 8 9}" has length 2 like the reference; "65001 {7 8 9} 4" has 3.
    Route same = reference();
    same.attrs.as_path = wire::AsPath{{seq({65001}), set({7, 8, 9})}};
    check_equal(same, reference());
    Route longer = reference();
    longer.attrs.as_path = wire::AsPath{{seq({65001}), set({7, 8, 9}), seq({4})}};
    check_both_ways(reference(), longer, BestPathReason::AsPathLength);
    Route better = reference();
    better.attrs.as_path = wire::AsPath{{set({65001, 65002, 65003, 65004})}};
    // Leading AS_SET: neighbour AS unknown, but the length step decides first.
    check_both_ways(better, reference(), BestPathReason::AsPathLength);
  }
  SECTION("confederation segments do not count") {
    // RFC 5065 §5.3.
    Route confed = reference();
    confed.attrs.as_path =
        wire::AsPath{{confed_seq({64512, 64513, 64514}), confed_set({64515, 64516}),
                      seq({65001, 65002})}};
    check_equal(confed, reference());
    Route shorter = reference();
    shorter.attrs.as_path = wire::AsPath{{confed_seq({64512, 64513, 64514}), seq({65001})}};
    check_both_ways(shorter, reference(), BestPathReason::AsPathLength);
  }
  SECTION("an absent AS_PATH has length 0") {
    Route none = reference();
    none.attrs.as_path.reset();
    check_both_ways(none, reference(), BestPathReason::AsPathLength);
  }
}

TEST_CASE("ORIGIN: IGP beats EGP beats INCOMPLETE", "[rib]") {
  Route igp = reference(), egp = reference(), incomplete = reference();
  igp.attrs.origin = wire::Origin::Igp;
  incomplete.attrs.origin = wire::Origin::Incomplete;
  check_both_ways(igp, egp, BestPathReason::Origin);
  check_both_ways(egp, incomplete, BestPathReason::Origin);
  check_both_ways(igp, incomplete, BestPathReason::Origin);
}

TEST_CASE("MED: lower wins between routes from the same neighbour AS", "[rib]") {
  SECTION("10 beats 20") {
    Route better = reference();
    better.attrs.med = 10;
    check_both_ways(better, reference(), BestPathReason::Med);
  }
  SECTION("a missing MED is 0, so it beats 20") {
    Route missing = reference();
    missing.attrs.med.reset();
    check_both_ways(missing, reference(), BestPathReason::Med);
  }
  SECTION("a missing MED ties with MED 0") {
    Route missing = reference(), zero = reference();
    missing.attrs.med.reset();
    zero.attrs.med = 0;
    check_equal(missing, zero);
  }
  SECTION("same neighbour AS, rest of the path different") {
    Route better = reference(), worse = reference();
    better.attrs.as_path = wire::AsPath{{seq({65001, 7})}};
    better.attrs.med = 10;
    worse.attrs.as_path = wire::AsPath{{seq({65001, 8})}};
    check_both_ways(better, worse, BestPathReason::Med);
  }
  SECTION("the neighbour AS is the first AS after confederation segments") {
    Route better = reference();
    better.attrs.as_path = wire::AsPath{{confed_seq({64512}), seq({65001, 65002})}};
    better.attrs.med = 10;
    check_both_ways(better, reference(), BestPathReason::Med);
  }
}

TEST_CASE("MED is ignored between routes from different neighbour ASes", "[rib]") {
  // The variant has the lower MED but comes from AS 65009; the router ID decides instead.
  Route other_as = reference();
  other_as.attrs.as_path = wire::AsPath{{seq({65009, 65002})}};
  other_as.attrs.med = 0;
  other_as.router_id = 0x0A000009;
  check_both_ways(reference(), other_as, BestPathReason::RouterId);
  SECTION("a missing MED is not compared either") {
    other_as.attrs.med.reset();
    check_both_ways(reference(), other_as, BestPathReason::RouterId);
  }
  SECTION("with equal router ID and address the two are Equal") {
    other_as.router_id = reference().router_id;
    check_equal(reference(), other_as);
  }
}

TEST_CASE("eBGP-learned beats iBGP-learned", "[rib]") {
  Route ebgp = reference();
  ebgp.ebgp = true;
  check_both_ways(ebgp, reference(), BestPathReason::EbgpOverIbgp);
}

TEST_CASE("Router ID: lower wins, ORIGINATOR_ID replaces it when present", "[rib]") {
  SECTION("lower BGP Identifier") {
    Route better = reference();
    better.router_id = 0x0A000001;
    check_both_ways(better, reference(), BestPathReason::RouterId);
  }
  SECTION("ORIGINATOR_ID lower than the other's router ID") {
    // RFC 4456 §9: peer router ID 0x0A000009 is higher, but ORIGINATOR_ID 0x01000000 is used.
    Route reflected = reference();
    reflected.router_id = 0x0A000009;
    reflected.attrs.originator_id = 0x01000000;
    check_both_ways(reflected, reference(), BestPathReason::RouterId);
  }
  SECTION("ORIGINATOR_ID higher than the other's router ID") {
    Route reflected = reference();
    reflected.router_id = 0x01000000;
    reflected.attrs.originator_id = 0x0A000009;
    check_both_ways(reference(), reflected, BestPathReason::RouterId);
  }
  SECTION("ORIGINATOR_ID equal to the other's router ID falls through to the address") {
    Route reflected = reference();
    reflected.router_id = 0x01000000;
    reflected.attrs.originator_id = reference().router_id;
    reflected.address = wire::IpAddress::v4(0x0A000001);
    check_both_ways(reflected, reference(), BestPathReason::PeerAddress);
  }
}

TEST_CASE("Peer address: lower wins, IPv4 before IPv6", "[rib]") {
  SECTION("IPv4") {
    Route better = reference();
    better.address = wire::IpAddress::v4(0x0A000004);
    check_both_ways(better, reference(), BestPathReason::PeerAddress);
  }
  SECTION("IPv6") {
    Route a = reference(), b = reference();
    a.address = *wire::IpAddress::parse("2001:db8::1");
    b.address = *wire::IpAddress::parse("2001:db8::2");
    check_both_ways(a, b, BestPathReason::PeerAddress);
    check_both_ways(reference(), b, BestPathReason::PeerAddress);
  }
}

TEST_CASE("An earlier decision step dominates every later one", "[rib]") {
  // For steps i < j: `a` is better in step i only, `b` better in step j only; i decides.
  auto all = steps();
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      INFO(rib::to_string(all[i].reason) << " before " << rib::to_string(all[j].reason));
      Route a = reference(), b = reference();
      all[i].improve(a);
      all[j].improve(b);
      check_both_ways(a, b, all[i].reason);
    }
  }
}

TEST_CASE("Higher LOCAL_PREF with a longer AS path wins by local preference", "[rib]") {
  Route pref = reference(), shortp = reference();
  pref.attrs.local_pref = 200;
  pref.attrs.as_path = wire::AsPath{{seq({65001, 65002, 65003, 65004, 65005})}};
  pref.attrs.origin = wire::Origin::Incomplete;
  pref.attrs.med = 1000;
  shortp.attrs.as_path = wire::AsPath{{seq({65001})}};
  shortp.attrs.origin = wire::Origin::Igp;
  shortp.ebgp = true;
  shortp.router_id = 1;
  check_both_ways(pref, shortp, BestPathReason::LocalPref);
}
