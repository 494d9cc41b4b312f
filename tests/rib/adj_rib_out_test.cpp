// Adj-RIB-Out (rib/adj_rib_out.hpp): what a batch turns queued prefixes into — announcements
// grouped by attribute set, withdrawals for what changed to nothing (never for dump entries),
// the export rule (not back to the sender, export off, exportFrom, restricted local routes),
// the next hop, MED by origin (RFC 4271 §5.1.4), batch size, queue compaction, and the
// End-of-RIB / EoRR markers at the end of a pass (RFC 4724 §2, RFC 7313 §4).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "rib/adj_rib_out.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {
wire::Prefix pfx(const char* s) { return *wire::Prefix::parse(s); }
wire::IpAddress ip(const char* s) { return *wire::IpAddress::parse(s); }

wire::PathAttributes path(std::vector<wire::Asn> asns, std::optional<std::uint32_t> med = {}) {
  wire::PathAttributes a;
  a.origin = wire::Origin::Igp;
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, std::move(asns)}}};
  a.next_hop = ip("192.0.2.9");
  a.med = med;
  return a;
}

// A Loc-RIB with peers 1 (eBGP, AS 65001), 2 (eBGP, AS 65002) and our own routes (peer 0).
struct Rib {
  rib::AttrStore store;
  rib::LocRib loc{store};
  Rib() {
    loc.set_peer(1, {0, true, 1, ip("192.0.2.1")});
    loc.set_peer(2, {0, true, 2, ip("192.0.2.2")});
  }
  void add(const char* p, rib::PeerId peer, const wire::PathAttributes& a) {
    loc.update(pfx(p), peer, store.intern(a));
  }
};

const wire::EncodeContext kCtx{true, false};
const auto kNextHop = std::optional<wire::IpAddress>(ip("192.0.2.254"));

rib::ExportRule rule_for(rib::PeerId self) {
  rib::ExportRule r;
  r.self = self;
  return r;
}

// Everything one pass sends: announced prefixes (with their AS path) and withdrawn ones.
struct Sent {
  std::map<wire::Prefix, wire::PathAttributes> announced;
  std::vector<wire::Prefix> withdrawn;
  std::size_t updates = 0;
};
Sent drain(rib::AdjRibOut& out, const Rib& r, const rib::ExportRule& rule,
           const std::optional<wire::IpAddress>& next_hop = kNextHop,
           wire::AfiSafi family = wire::kIpv4Unicast) {
  Sent s;
  rib::ExportContext ectx{12076, 65010};
  while (out.pending(family)) {
    for (const auto& u : out.next_batch(family, r.loc, rule, ectx, next_hop, kCtx)) {
      ++s.updates;
      for (const auto& p : u.nlri) {
        s.announced[p] = u.attributes;
      }
      if (u.mp_reach) {
        for (const auto& p : u.mp_reach->nlri) {
          s.announced[p] = u.attributes;
        }
      }
      s.withdrawn.insert(s.withdrawn.end(), u.withdrawn_routes.begin(), u.withdrawn_routes.end());
      if (u.mp_unreach) {
        s.withdrawn.insert(s.withdrawn.end(), u.mp_unreach->withdrawn.begin(),
                           u.mp_unreach->withdrawn.end());
      }
    }
  }
  return s;
}
}  // namespace

TEST_CASE("A dump announces every best path, one UPDATE per attribute set",
          "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}));
  r.add("198.51.101.0/24", 1, path({65001}));
  r.add("203.0.113.0/24", 2, path({65002}));
  rib::AdjRibOut out;
  out.dump(r.loc, wire::kIpv4Unicast, {});
  auto s = drain(out, r, rule_for(3));
  CHECK(s.updates == 2);
  REQUIRE(s.announced.size() == 3);
  CHECK(s.announced.at(pfx("198.51.100.0/24")).as_path->to_string() == "12076 65001");
  CHECK(s.announced.at(pfx("203.0.113.0/24")).next_hop == ip("192.0.2.254"));
  CHECK(s.withdrawn.empty());
}

TEST_CASE("A route never goes back to the peer it came from, and a dump never withdraws",
          "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}));
  r.add("203.0.113.0/24", 2, path({65002}));
  rib::AdjRibOut out;
  out.dump(r.loc, wire::kIpv4Unicast, {});
  auto s = drain(out, r, rule_for(1));
  CHECK(s.announced.size() == 1);
  CHECK(s.announced.count(pfx("203.0.113.0/24")) == 1);
  CHECK(s.withdrawn.empty());  // peer 1 had nothing from us yet
}

TEST_CASE("A change to nothing is withdrawn, a change to a new path is re-announced",
          "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}));
  r.add("203.0.113.0/24", 1, path({65001}));
  rib::AdjRibOut out;
  r.loc.withdraw(pfx("198.51.100.0/24"), 1);
  out.changed(pfx("198.51.100.0/24"), r.loc.size(wire::kIpv4Unicast));
  r.add("203.0.113.0/24", 1, path({65001, 65099}));
  out.changed(pfx("203.0.113.0/24"), r.loc.size(wire::kIpv4Unicast));
  auto s = drain(out, r, rule_for(3));
  CHECK(s.withdrawn == std::vector{pfx("198.51.100.0/24")});
  REQUIRE(s.announced.size() == 1);
  CHECK(s.announced.at(pfx("203.0.113.0/24")).as_path->to_string() == "12076 65001 65099");
}

TEST_CASE("Export off, exportFrom and restricted local routes decide who gets what",
          "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}));
  r.add("203.0.113.0/24", 2, path({65002}));
  r.add("192.0.2.0/24", rib::kLocalPeer, path({}));
  r.add("100.64.0.0/24", rib::kLocalPeer, path({}));
  rib::LocalTargets local;
  local.set(pfx("192.0.2.0/24"), {});
  local.set(pfx("100.64.0.0/24"), {4});
  auto rule = rule_for(3);
  rule.local = &local;

  SECTION("export off: only our own routes, and of those only the unrestricted one") {
    rule.export_routes = false;
    rib::AdjRibOut out;
    out.dump(r.loc, wire::kIpv4Unicast, rule);
    CHECK(out.pending(wire::kIpv4Unicast));
    auto s = drain(out, r, rule);
    CHECK(s.announced.size() == 1);
    CHECK(s.announced.count(pfx("192.0.2.0/24")) == 1);
  }
  SECTION("exportFrom peer 2: its routes and ours") {
    std::set<rib::PeerId> from{2};
    rule.export_from = &from;
    rib::AdjRibOut out;
    out.dump(r.loc, wire::kIpv4Unicast, rule);
    auto s = drain(out, r, rule);
    CHECK(s.announced.size() == 2);
    CHECK(s.announced.count(pfx("203.0.113.0/24")) == 1);
    CHECK(s.announced.count(pfx("192.0.2.0/24")) == 1);
  }
  SECTION("a local route restricted to this peer goes to it, with export on or off") {
    rule.self = 4;
    rule.export_routes = GENERATE(true, false);
    rib::AdjRibOut out;
    out.dump(r.loc, wire::kIpv4Unicast, rule);
    auto s = drain(out, r, rule);
    CHECK(s.announced.count(pfx("100.64.0.0/24")) == 1);
    CHECK(s.announced.count(pfx("192.0.2.0/24")) == 1);
    CHECK(s.announced.size() == (rule.export_routes ? 4u : 2u));
  }
  SECTION("a local route recorded but withdrawn from the table is not dumped") {
    rule.export_routes = false;
    r.loc.withdraw(pfx("192.0.2.0/24"), rib::kLocalPeer);
    rib::AdjRibOut out;
    out.dump(r.loc, wire::kIpv4Unicast, rule);
    CHECK_FALSE(out.pending(wire::kIpv4Unicast));
  }
}

TEST_CASE("Without a next hop nothing is announced, and the dump count says so",
          "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}));
  rib::AdjRibOut out;
  out.dump(r.loc, wire::kIpv4Unicast, {});
  auto s = drain(out, r, rule_for(3), std::nullopt);
  CHECK(s.announced.empty());
  CHECK(s.withdrawn.empty());
  CHECK(out.finish(wire::kIpv4Unicast).dumped == 1);
}

TEST_CASE("MED learned from another AS is dropped, our own MED is kept (RFC 4271 §5.1.4)",
          "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}, 50));
  r.add("192.0.2.0/24", rib::kLocalPeer, path({}, 70));
  rib::AdjRibOut out;
  out.dump(r.loc, wire::kIpv4Unicast, {});
  auto s = drain(out, r, rule_for(3));
  CHECK_FALSE(s.announced.at(pfx("198.51.100.0/24")).med.has_value());
  CHECK(s.announced.at(pfx("192.0.2.0/24")).med == std::optional<std::uint32_t>(70));
}

TEST_CASE("A batch takes at most kBatch queued prefixes", "[rib][adj_rib_out]") {
  Rib r;
  auto a = r.store.intern(path({65001}));
  const std::size_t n = rib::AdjRibOut::kBatch + 10;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (i > 0) {
      r.store.ref(a);
    }
    r.loc.update(wire::Prefix{wire::IpAddress::v4(0x0A000000u + (i << 8)), 24}, 1, a);
  }
  rib::AdjRibOut out;
  out.dump(r.loc, wire::kIpv4Unicast, {});
  CHECK(out.queued(wire::kIpv4Unicast) == n);
  rib::ExportContext ectx{12076, 65010};
  (void)out.next_batch(wire::kIpv4Unicast, r.loc, rule_for(3), ectx, kNextHop, kCtx);
  CHECK(out.queued(wire::kIpv4Unicast) == 10);
  CHECK(out.pending(wire::kIpv4Unicast));
}

TEST_CASE("A prefix queued again and again is compacted, not kept without bound",
          "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}));
  rib::AdjRibOut out;
  for (int i = 0; i < 70000; ++i) {
    out.changed(pfx("198.51.100.0/24"), r.loc.size(wire::kIpv4Unicast));
  }
  // The bound is 2 x table size + 65536: past it the duplicates collapse to one entry.
  CHECK(out.queued(wire::kIpv4Unicast) < 70000);
  CHECK(out.queued(wire::kIpv4Unicast) <= 2 + 65536);
  auto s = drain(out, r, rule_for(3));
  CHECK(s.announced.size() == 1);
}

TEST_CASE("End-of-RIB and EoRR are due once at the end of their pass", "[rib][adj_rib_out]") {
  Rib r;
  r.add("2001:db8::/32", 1, path({65001}));
  rib::AdjRibOut out;
  out.dump(r.loc, wire::kIpv6Unicast, {});
  out.set_eor_due(wire::kIpv6Unicast);
  out.set_eorr_due(wire::kIpv6Unicast, true);
  auto s = drain(out, r, rule_for(3), ip("2001:db8::fe"), wire::kIpv6Unicast);
  CHECK(s.announced.count(pfx("2001:db8::/32")) == 1);
  auto end = out.finish(wire::kIpv6Unicast);
  CHECK(end.eor);
  CHECK(end.eorr);
  CHECK(end.dumped == 1);
  auto again = out.finish(wire::kIpv6Unicast);
  CHECK_FALSE(again.eor);
  CHECK_FALSE(again.eorr);
  CHECK_FALSE(out.finish(wire::kIpv4Unicast).eor);  // families are apart
}

TEST_CASE("requeue re-evaluates every prefix and withdraws what no longer goes",
          "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}));
  r.add("203.0.113.0/24", 2, path({65002}));
  rib::AdjRibOut out;
  std::set<rib::PeerId> from{2};
  auto rule = rule_for(3);
  rule.export_from = &from;
  out.requeue(r.loc, wire::kIpv4Unicast);
  auto s = drain(out, r, rule);
  CHECK(s.withdrawn == std::vector{pfx("198.51.100.0/24")});
  CHECK(s.announced.count(pfx("203.0.113.0/24")) == 1);
}

TEST_CASE("reset forgets every queued prefix and marker", "[rib][adj_rib_out]") {
  Rib r;
  r.add("198.51.100.0/24", 1, path({65001}));
  rib::AdjRibOut out;
  out.dump(r.loc, wire::kIpv4Unicast, {});
  out.set_eor_due(wire::kIpv4Unicast);
  out.reset();
  CHECK_FALSE(out.pending(wire::kIpv4Unicast));
  CHECK_FALSE(out.finish(wire::kIpv4Unicast).eor);
}
