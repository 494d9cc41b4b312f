// Import of one UPDATE (rib/import.hpp), one rule at a time: explicit withdrawals, RFC 7606
// treat-as-withdraw, the import policy (attribute verdict, prefix verdict), the RFC 4271 §9.1.2
// loop check with allow-as-in, RFC 7606 §7.5 LOCAL_PREF from an external peer, and the MP_REACH
// next hop in the stored set.
#include <catch2/catch.hpp>

#include "rib/import.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {
wire::Prefix pfx(const char* s) { return *wire::Prefix::parse(s); }
wire::IpAddress ip(const char* s) { return *wire::IpAddress::parse(s); }

wire::UpdateMessage update(std::vector<wire::Asn> path, std::vector<wire::Prefix> nlri) {
  wire::UpdateMessage u;
  u.attributes.origin = wire::Origin::Igp;
  u.attributes.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, std::move(path)}}};
  u.attributes.next_hop = ip("192.0.2.1");
  u.nlri = std::move(nlri);
  return u;
}

// Refuses attribute sets with MED 666 and prefixes inside 10.0.0.0/8; strips communities.
class TestPolicy : public rib::ImportPolicy {
 public:
  std::optional<std::string> attributes(wire::PathAttributes& attrs) const override {
    attrs.communities.clear();
    if (attrs.med == std::optional<std::uint32_t>(666)) {
      return "MED 666";
    }
    return std::nullopt;
  }
  std::optional<std::string> prefix(const wire::Prefix& p) const override {
    if (p.addr.is_v4() && (p.addr.v4_value() >> 24) == 10) {
      return "private";
    }
    return std::nullopt;
  }
};

rib::ImportContext ctx(const rib::ImportPolicy* policy = nullptr) {
  rib::ImportContext c;
  c.local_as = 12076;
  c.ebgp = true;
  c.policy = policy;
  return c;
}
}  // namespace

TEST_CASE("Import stores the announced prefixes with their attribute set", "[rib][import]") {
  auto d = rib::import_update(update({65001}, {pfx("198.51.100.0/24"), pfx("203.0.113.0/24")}),
                              ctx());
  REQUIRE(d.announced.size() == 1);
  CHECK(d.announced[0].family == wire::kIpv4Unicast);
  CHECK(d.announced[0].prefixes == std::vector{pfx("198.51.100.0/24"), pfx("203.0.113.0/24")});
  CHECK(d.announced[0].attributes.as_path->to_string() == "65001");
  CHECK(d.withdrawn.empty());
  CHECK(d.rejected.empty());
  CHECK(d.unfeasible.empty());
  CHECK_FALSE(d.loop);
}

TEST_CASE("Import passes IPv4 and MP_UNREACH withdrawals through in order", "[rib][import]") {
  wire::UpdateMessage u;
  u.withdrawn_routes = {pfx("198.51.100.0/24")};
  u.mp_unreach = wire::MpUnreachNlri{wire::kIpv6Unicast, {pfx("2001:db8::/32")}};
  auto d = rib::import_update(std::move(u), ctx());
  CHECK(d.withdrawn == std::vector{pfx("198.51.100.0/24"), pfx("2001:db8::/32")});
  CHECK(d.announced.empty());
}

TEST_CASE("Treat-as-withdraw withdraws every announced prefix, IPv4 and MP (RFC 7606 §2)",
          "[rib][import]") {
  auto u = update({65001}, {pfx("198.51.100.0/24")});
  u.withdrawn_routes = {pfx("192.0.2.0/24")};
  u.mp_reach = wire::MpReachNlri{wire::kIpv6Unicast, ip("2001:db8::1"), {}, {pfx("2001:db8:1::/48")}};
  u.action = wire::AttrAction::TreatAsWithdraw;
  TestPolicy policy;
  auto d = rib::import_update(std::move(u), ctx(&policy));
  CHECK(d.treat_as_withdraw);
  CHECK(d.withdrawn ==
        std::vector{pfx("192.0.2.0/24"), pfx("198.51.100.0/24"), pfx("2001:db8:1::/48")});
  CHECK(d.announced.empty());
  CHECK(d.rejected.empty());  // the policy is not asked
}

TEST_CASE("An attribute verdict of the policy refuses every prefix of the UPDATE",
          "[rib][import]") {
  auto u = update({65001}, {pfx("198.51.100.0/24")});
  u.attributes.med = 666;
  u.mp_reach = wire::MpReachNlri{wire::kIpv6Unicast, ip("2001:db8::1"), {}, {pfx("2001:db8:1::/48")}};
  TestPolicy policy;
  auto d = rib::import_update(std::move(u), ctx(&policy));
  CHECK(d.attributes_refused);
  REQUIRE(d.rejected.size() == 2);
  CHECK(d.rejected[0].prefix == pfx("198.51.100.0/24"));
  CHECK(d.rejected[1].prefix == pfx("2001:db8:1::/48"));
  CHECK(d.rejected[0].reason == "MED 666");
  CHECK(d.announced.empty());
}

TEST_CASE("A prefix verdict refuses that prefix only, and the policy's edits are stored",
          "[rib][import]") {
  auto u = update({65001}, {pfx("10.1.0.0/16"), pfx("198.51.100.0/24")});
  u.attributes.communities = {0x2f2c0001};
  TestPolicy policy;
  auto d = rib::import_update(std::move(u), ctx(&policy));
  REQUIRE(d.rejected.size() == 1);
  CHECK(d.rejected[0].prefix == pfx("10.1.0.0/16"));
  CHECK(d.rejected[0].reason == "private");
  CHECK_FALSE(d.attributes_refused);
  REQUIRE(d.announced.size() == 1);
  CHECK(d.announced[0].prefixes == std::vector{pfx("198.51.100.0/24")});
  CHECK(d.announced[0].attributes.communities.empty());
}

TEST_CASE("Our AS in the path makes the routes unfeasible (RFC 4271 §9.1.2)", "[rib][import]") {
  auto d = rib::import_update(update({65001, 12076}, {pfx("198.51.100.0/24")}), ctx());
  CHECK(d.loop);
  CHECK(d.unfeasible == std::vector{pfx("198.51.100.0/24")});
  CHECK(d.announced.empty());
  // allow-as-in 1 accepts one occurrence, not two.
  auto c = ctx();
  c.allow_as_in = 1;
  CHECK_FALSE(rib::import_update(update({65001, 12076}, {pfx("198.51.100.0/24")}), c).loop);
  CHECK(rib::import_update(update({12076, 65001, 12076}, {pfx("198.51.100.0/24")}), c).loop);
}

TEST_CASE("A route accepted through allow-as-in is flagged: our AS came back", "[rib][import]") {
  // MSEE: Q13 — a CE echoing Azure's routes (path "65001 12076") is accepted, but flagged so
  // the speaker can warn.
  auto c = ctx();
  c.allow_as_in = 2;
  auto echoed = rib::import_update(update({65001, 12076}, {pfx("10.1.0.0/16")}), c);
  CHECK_FALSE(echoed.loop);
  CHECK(echoed.announced.size() == 1);
  CHECK(echoed.own_as_allowed);
  CHECK_FALSE(rib::import_update(update({65001}, {pfx("10.2.0.0/16")}), c).own_as_allowed);
  c.allow_as_in = 0;
  auto refused = rib::import_update(update({65001, 12076}, {pfx("10.1.0.0/16")}), c);
  CHECK(refused.loop);
  CHECK_FALSE(refused.own_as_allowed);
}

TEST_CASE("Prefixes the policy refused are not counted again as looped", "[rib][import]") {
  TestPolicy policy;
  auto d = rib::import_update(update({12076}, {pfx("10.1.0.0/16"), pfx("198.51.100.0/24")}),
                              ctx(&policy));
  CHECK(d.loop);
  REQUIRE(d.rejected.size() == 1);
  CHECK(d.unfeasible == std::vector{pfx("198.51.100.0/24")});
}

TEST_CASE("LOCAL_PREF is discarded from an external peer only (RFC 7606 §7.5)",
          "[rib][import]") {
  auto u = update({65001}, {pfx("198.51.100.0/24")});
  u.attributes.local_pref = 300;
  auto external = rib::import_update(wire::UpdateMessage(u), ctx());
  CHECK_FALSE(external.announced.at(0).attributes.local_pref.has_value());
  auto c = ctx();
  c.ebgp = false;
  auto internal = rib::import_update(std::move(u), c);
  CHECK(internal.announced.at(0).attributes.local_pref == std::optional<std::uint32_t>(300));
}

TEST_CASE("The MP_REACH next hop is part of the stored set, IPv4 NLRI keep NEXT_HOP",
          "[rib][import]") {
  auto u = update({65001}, {pfx("198.51.100.0/24")});
  u.mp_reach = wire::MpReachNlri{wire::kIpv6Unicast, ip("2001:db8::1"), {}, {pfx("2001:db8:1::/48")}};
  auto d = rib::import_update(std::move(u), ctx());
  REQUIRE(d.announced.size() == 2);
  CHECK(d.announced[0].family == wire::kIpv4Unicast);
  CHECK(d.announced[0].attributes.next_hop == ip("192.0.2.1"));
  CHECK(d.announced[1].family == wire::kIpv6Unicast);
  CHECK(d.announced[1].prefixes == std::vector{pfx("2001:db8:1::/48")});
  CHECK(d.announced[1].attributes.next_hop == ip("2001:db8::1"));
  CHECK(d.announced[1].attributes.as_path == d.announced[0].attributes.as_path);
}

TEST_CASE("path_holds_as counts across AS_SEQUENCE and AS_SET segments", "[rib][import]") {
  wire::PathAttributes a;
  CHECK_FALSE(rib::path_holds_as(a, 12076, 0));  // no AS_PATH at all
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, {65001}},
                            {wire::AsSegmentType::AsSet, {12076, 65002}}}};
  CHECK(rib::path_holds_as(a, 12076, 0));
  CHECK_FALSE(rib::path_holds_as(a, 12076, 1));
  CHECK_FALSE(rib::path_holds_as(a, 65003, 0));
}
