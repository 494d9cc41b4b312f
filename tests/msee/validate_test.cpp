// Config validation against Azure's rules (msee/validate.hpp): one case per finding the
// validator produces, each asserting the JSON path of the offending field and the rule it
// breaks; a valid baseline yields no finding and independent errors are all reported at once.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "msee/azure.hpp"
#include "msee/validate.hpp"

#include "fixtures.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {

using test::comm, test::config, test::dump, test::microsoft_peering_ipv4, test::pfx,
      test::private_peering, test::valid_circuit, test::vnet;

bool has(const std::vector<msee::Finding>& findings, const std::string& path,
         const std::string& rule) {
  for (const auto& f : findings) {
    if (f.path == path && f.rule == rule) {
      return true;
    }
  }
  return false;
}

// Validates and checks that the only finding is `rule` at `path`.
void expect_only(const msee::EmulatorConfig& cfg, const std::string& path, const std::string& rule) {
  auto findings = msee::validate(cfg);
  INFO(dump(findings));
  CHECK(findings.size() == 1);
  CHECK(has(findings, path, rule));
}

void expect_none(const msee::EmulatorConfig& cfg) {
  auto findings = msee::validate(cfg);
  INFO(dump(findings));
  CHECK(findings.empty());
}

// Circuit ckt-a with a VNet on 10.50.0.0/16 and circuit ckt-b whose private peering links
// sit inside it (R11 across circuits), ckt-a first or second.
msee::EmulatorConfig vnet_over_link(bool vnet_first) {
  auto a = valid_circuit("ckt-a", "Amsterdam");
  a.vnets.push_back(vnet("hub", "westeurope", {"10.50.0.0/16"}));
  auto b = valid_circuit("ckt-b", "London");
  b.peerings[0].primary_peer_address_prefix = pfx("10.50.0.0/30");
  b.peerings[0].secondary_peer_address_prefix = pfx("10.50.0.4/30");
  return vnet_first ? config({a, b}) : config({b, a});
}

const std::string kP0 = "/circuits/0/peerings/0";
const std::string kP1 = "/circuits/0/peerings/1";

}  // namespace

TEST_CASE("R9: a valid circuit with private and Microsoft peering has no finding", "[msee]") {
  // MSEE: R9, R11, R12, R19, R21 — the baseline every other case changes in one place.
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16"}));
  c.vnets.back().bgp_community = comm(12076, 20001);
  expect_none(config({c}));
}

TEST_CASE("R9: an IPv4 link that is not a /30 is reported at its field", "[msee]") {
  // MSEE: R9
  auto c = valid_circuit("ckt");
  c.peerings[0].primary_peer_address_prefix = pfx("192.168.100.128/29");
  expect_only(config({c}), kP0 + "/primaryPeerAddressPrefix", "R9");
  // A /29 for both links (as other clouds ask): the message says how to split it.
  auto f = msee::validate(config({c}));
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("split the 192.168.100.128/29 into 192.168.100.128/30 (primary) and "
                          "192.168.100.132/30 (secondary)") != std::string::npos);
  c.peerings[0].primary_peer_address_prefix = pfx("192.168.100.128/30");
  c.peerings[0].secondary_peer_address_prefix = pfx("2001:db8::/126");
  expect_only(config({c}), kP0 + "/secondaryPeerAddressPrefix", "R9");
}

TEST_CASE("R9: both IPv4 link subnets are required", "[msee]") {
  // MSEE: R9, R5
  auto c = valid_circuit("ckt");
  c.peerings[0].secondary_peer_address_prefix.reset();
  expect_only(config({c}), kP0 + "/secondaryPeerAddressPrefix", "R9");
  c.peerings[0].primary_peer_address_prefix.reset();
  auto findings = msee::validate(config({c}));
  CHECK(has(findings, kP0 + "/primaryPeerAddressPrefix", "R9"));
}

TEST_CASE("R10: an IPv6 link that is not a /126 is reported at its field", "[msee]") {
  // MSEE: R10
  auto c = valid_circuit("ckt");
  msee::Ipv6PeeringConfig v6;
  v6.primary_peer_address_prefix = pfx("fdcc:0:0:1::/64");
  v6.secondary_peer_address_prefix = pfx("fdcc:0:0:2::/126");
  c.peerings[0].ipv6_peering_config = v6;
  expect_only(config({c}), kP0 + "/ipv6PeeringConfig/primaryPeerAddressPrefix", "R10");
}

TEST_CASE("R11: link subnets overlapping across circuits are reported on the second", "[msee]") {
  // MSEE: R11 — every peering on every circuit needs its own block.
  auto a = valid_circuit("ckt-a", "Amsterdam");
  auto b = valid_circuit("ckt-b", "London");
  b.peerings[0].secondary_peer_address_prefix = pfx("192.168.200.4/30");
  expect_only(config({a, b}), "/circuits/1/peerings/0/primaryPeerAddressPrefix", "R11");
}

TEST_CASE("R11: primary and secondary of one peering may not overlap", "[msee]") {
  // MSEE: R11
  auto c = valid_circuit("ckt");
  c.peerings[0].secondary_peer_address_prefix = pfx("192.168.100.128/30");
  expect_only(config({c}), kP0 + "/secondaryPeerAddressPrefix", "R11");
}

TEST_CASE("R11: Microsoft peering link subnets must be public", "[msee]") {
  // MSEE: R11
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[1].primary_peer_address_prefix = pfx("10.99.0.0/30");
  expect_only(config({c}), kP1 + "/primaryPeerAddressPrefix", "R11");
  SECTION("private peering link subnets may be RFC 1918 or public") {
    auto d = valid_circuit("ckt");
    d.peerings[0].primary_peer_address_prefix = pfx("80.81.0.0/30");
    expect_none(config({d}));
  }
}

TEST_CASE("R11: a VNet overlapping a link subnet is reported at the VNet prefix", "[msee]") {
  // MSEE: R11
  auto c = valid_circuit("ckt");
  c.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16", "192.168.100.132/30"}));
  expect_only(config({c}), "/circuits/0/vnets/0/addressPrefixes/1", "R11");
}

TEST_CASE("R11: a VNet overlapping the link subnet of an earlier circuit is reported",
          "[msee]") {
  // MSEE: R11 — link subnets "must not overlap any VNet address space".
  auto findings = msee::validate(vnet_over_link(/*vnet_first=*/false));
  INFO(dump(findings));
  CHECK(has(findings, "/circuits/1/vnets/0/addressPrefixes/0", "R11"));
}

TEST_CASE("R11: a VNet overlapping the link subnet of a later circuit is reported",
          "[msee]") {
  // MSEE: R11 — same configuration as above with the circuits in the other order: VNets are
  // checked once every circuit's link subnets are known, so the order does not matter.
  auto findings = msee::validate(vnet_over_link(/*vnet_first=*/true));
  INFO(dump(findings));
  bool r11 = false;
  for (const auto& f : findings) {
    r11 = r11 || f.rule == "R11";
  }
  CHECK(r11);
}

TEST_CASE("R12: two peerings on one VLAN are reported at the second vlanId", "[msee]") {
  // MSEE: R12
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[1].vlan_id = 100;
  expect_only(config({c}), kP1 + "/vlanId", "R12");
  SECTION("the same VLAN on two different circuits is fine") {
    auto a = valid_circuit("ckt-a");
    auto b = valid_circuit("ckt-b", "London");
    b.peerings[0].primary_peer_address_prefix = pfx("192.168.200.0/30");
    b.peerings[0].secondary_peer_address_prefix = pfx("192.168.200.4/30");
    expect_none(config({a, b}));
  }
}

TEST_CASE("R12: a VLAN ID the parser refused (0) is not reported again", "[msee]") {
  // MSEE: R12 — the parser owns the 1–4094 range (circuit_config_test.cpp); validate() skips 0.
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[0].vlan_id = 0;
  c.peerings[1].vlan_id = 0;
  expect_none(config({c}));
}

TEST_CASE("R19: peer ASNs 65515-65520 are refused on private peering", "[msee]") {
  // MSEE: R19
  auto asn = GENERATE(as<wire::Asn>{}, 65515, 65516, 65517, 65518, 65519, 65520);
  auto c = valid_circuit("ckt");
  c.peerings[0].peer_asn = asn;
  expect_only(config({c}), kP0 + "/peerASN", "R19");
}

TEST_CASE("R19: private ASNs next to the reserved range are fine on private peering", "[msee]") {
  // MSEE: R19, R21
  for (wire::Asn asn : {64512u, 65514u, 65521u, 65534u, 4200000001u, 3356u}) {
    auto c = valid_circuit("ckt");
    c.peerings[0].peer_asn = asn;
    INFO(asn);
    expect_none(config({c}));
  }
}

TEST_CASE("R19: Microsoft's own ASNs are never a peer ASN", "[msee]") {
  // MSEE: R19 — 12076 (and 8074, 8075) on any peering.
  for (wire::Asn asn : {12076u, 8074u, 8075u}) {
    INFO(asn);
    auto c = valid_circuit("ckt");
    c.peerings[0].peer_asn = asn;
    expect_only(config({c}), kP0 + "/peerASN", "R19");
    auto m = valid_circuit("ckt");
    m.peerings.push_back(microsoft_peering_ipv4());
    m.peerings[1].peer_asn = asn;
    expect_only(config({m}), kP1 + "/peerASN", "R19");
  }
}

TEST_CASE("R19: 65515-65520 are refused on Microsoft peering too", "[msee]") {
  // MSEE: R19 — Azure lists 65515 and 65517–65520 as reserved in general, not only for
  // private peering; the emulator refuses the whole range on every peering.
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[1].peer_asn = 65515;
  expect_only(config({c}), kP1 + "/peerASN", "R19");
  c.peerings[1].microsoft_peering_config->advertised_public_prefixes_state =
      msee::PrefixesState::ValidationNeeded;
  expect_only(config({c}), kP1 + "/peerASN", "R19");
}

TEST_CASE("R21: a private ASN on Microsoft peering needs validated prefixes", "[msee]") {
  // MSEE: R21
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[1].peer_asn = 65010;
  expect_none(config({c}));
  for (auto state : {msee::PrefixesState::ValidationNeeded, msee::PrefixesState::NotConfigured}) {
    c.peerings[1].microsoft_peering_config->advertised_public_prefixes_state = state;
    expect_only(config({c}), kP1 + "/peerASN", "R21");
  }
  SECTION("a public ASN does not need it") {
    c.peerings[1].peer_asn = 12345;
    expect_none(config({c}));
  }
}

TEST_CASE("R21: the Customer ASN must be public", "[msee]") {
  // MSEE: R21
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[1].microsoft_peering_config->customer_asn = 65001;
  expect_only(config({c}), kP1 + "/microsoftPeeringConfig/customerASN", "R21");
  c.peerings[1].microsoft_peering_config->customer_asn = 3356;
  expect_none(config({c}));
}

TEST_CASE("R20: the peer ASN is required and cannot be AS_TRANS", "[msee]") {
  // MSEE: R20
  auto c = valid_circuit("ckt");
  c.peerings[0].peer_asn = 0;
  expect_only(config({c}), kP0 + "/peerASN", "R20");
  c.peerings[0].peer_asn = 23456;
  expect_only(config({c}), kP0 + "/peerASN", "R20");
  c.peerings[0].peer_asn = 4200000000u;  // 32-bit ASNs are supported
  expect_none(config({c}));
}

TEST_CASE("R26: the shared key is at most 25 letters and digits", "[msee]") {
  // MSEE: R26
  auto c = valid_circuit("ckt");
  c.peerings[0].shared_key = std::string(25, 'a');
  expect_none(config({c}));
  c.peerings[0].shared_key = std::string(26, 'a');
  expect_only(config({c}), kP0 + "/sharedKey", "R26");
  // The message gives the key's actual length.
  CHECK(msee::validate(config({c}))[0].message.find("this one has 26") != std::string::npos);
  for (const char* bad : {"abc-123", "key with space", "p@ss", "k_1"}) {
    INFO(bad);
    c.peerings[0].shared_key = bad;
    expect_only(config({c}), kP0 + "/sharedKey", "R26");
  }
  c.peerings[0].shared_key = "Lab0nlyKey2026";
  expect_none(config({c}));
}

TEST_CASE("R74: Global Reach is not available on ExpressRoute Local", "[msee]") {
  // MSEE: R74, R72
  auto a = valid_circuit("ckt-a", "Amsterdam", msee::SkuTier::Local);
  auto b = valid_circuit("ckt-b", "London");
  b.peerings[0].primary_peer_address_prefix = pfx("192.168.200.0/30");
  b.peerings[0].secondary_peer_address_prefix = pfx("192.168.200.4/30");
  a.global_reach.push_back({"ckt-b", pfx("192.168.250.0/29"), {}});
  expect_only(config({a, b}), "/circuits/0/globalReach/0", "R74");
  SECTION("nor when the peer is the Local one") {
    a.sku_tier = msee::SkuTier::Standard;
    b.sku_tier = msee::SkuTier::Local;
    expect_only(config({a, b}), "/circuits/0/globalReach/0", "R74");
  }
  SECTION("two Standard circuits in one geo are fine") {
    a.sku_tier = msee::SkuTier::Standard;
    expect_none(config({a, b}));
  }
}

TEST_CASE("R74: Global Reach needs different peering locations", "[msee]") {
  // MSEE: R74
  auto a = valid_circuit("ckt-a", "Amsterdam");
  auto b = valid_circuit("ckt-b", "Amsterdam");
  b.peerings[0].primary_peer_address_prefix = pfx("192.168.200.0/30");
  b.peerings[0].secondary_peer_address_prefix = pfx("192.168.200.4/30");
  a.global_reach.push_back({"ckt-b", std::nullopt, {}});
  expect_only(config({a, b}), "/circuits/0/globalReach/0", "R74");
}

TEST_CASE("R74: Global Reach across geopolitical regions needs Premium on both", "[msee]") {
  // MSEE: R74
  auto a = valid_circuit("ckt-a", "Amsterdam", msee::SkuTier::Premium);
  auto b = valid_circuit("ckt-b", "Tokyo", msee::SkuTier::Standard);
  b.peerings[0].primary_peer_address_prefix = pfx("192.168.200.0/30");
  b.peerings[0].secondary_peer_address_prefix = pfx("192.168.200.4/30");
  a.global_reach.push_back({"ckt-b", std::nullopt, {}});
  expect_only(config({a, b}), "/circuits/0/globalReach/0", "R74");
  b.sku_tier = msee::SkuTier::Premium;
  expect_none(config({a, b}));
}

TEST_CASE("R74: Global Reach names an existing other circuit, once, with an unused /29",
          "[msee]") {
  // MSEE: R74
  auto a = valid_circuit("ckt-a", "Amsterdam");
  auto b = valid_circuit("ckt-b", "London");
  b.peerings[0].primary_peer_address_prefix = pfx("192.168.200.0/30");
  b.peerings[0].secondary_peer_address_prefix = pfx("192.168.200.4/30");
  SECTION("unknown peer circuit") {
    a.global_reach.push_back({"ckt-z", std::nullopt, {}});
    expect_only(config({a, b}), "/circuits/0/globalReach/0/peerCircuit", "R74");
  }
  SECTION("linked to itself") {
    a.global_reach.push_back({"ckt-a", std::nullopt, {}});
    expect_only(config({a, b}), "/circuits/0/globalReach/0/peerCircuit", "R74");
  }
  SECTION("configured on both sides") {
    a.global_reach.push_back({"ckt-b", std::nullopt, {}});
    b.global_reach.push_back({"ckt-a", std::nullopt, {}});
    expect_only(config({a, b}), "/circuits/1/globalReach/0", "R74");
  }
  SECTION("the block is a /29") {
    a.global_reach.push_back({"ckt-b", pfx("192.168.250.0/30"), {}});
    expect_only(config({a, b}), "/circuits/0/globalReach/0/addressPrefix", "R74");
  }
  SECTION("the /29 is not a link subnet") {
    a.global_reach.push_back({"ckt-b", pfx("192.168.100.128/29"), {}});
    auto findings = msee::validate(config({a, b}));
    INFO(dump(findings));
    CHECK(has(findings, "/circuits/0/globalReach/0/addressPrefix", "R74"));
  }
  SECTION("both circuits need private peering") {
    b.peerings[0] = microsoft_peering_ipv4();
    a.global_reach.push_back({"ckt-b", std::nullopt, {}});
    expect_only(config({a, b}), "/circuits/0/globalReach/0", "R74");
  }
}

TEST_CASE("R77: a route filter with Microsoft 365 communities needs Premium", "[msee]") {
  // MSEE: R77
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[1].route_filter = "rf";
  msee::RouteFilter rf{"rf", {comm(12076, 5010), comm(12076, 51002)}, {}};
  expect_only(config({c}, {rf}), kP1 + "/routeFilter", "R77");
  c.sku_tier = msee::SkuTier::Premium;
  expect_none(config({c}, {rf}));
  SECTION("Azure communities need no Premium") {
    c.sku_tier = msee::SkuTier::Standard;
    msee::RouteFilter azure{"rf", {comm(12076, 51002), comm(12076, 5060)}, {}};
    expect_none(config({c}, {azure}));
  }
}

TEST_CASE("R77: a route filter must exist, attach to Microsoft peering and hold 12076 values",
          "[msee]") {
  // MSEE: R77
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  msee::RouteFilter rf{"rf", {comm(12076, 51002)}, {}};
  SECTION("unknown filter") {
    c.peerings[1].route_filter = "nope";
    expect_only(config({c}, {rf}), kP1 + "/routeFilter", "R77");
  }
  SECTION("on private peering") {
    c.peerings[0].route_filter = "rf";
    expect_only(config({c}, {rf}), kP0 + "/routeFilter", "R77");
  }
  SECTION("a foreign community") {
    rf.communities.push_back(comm(65001, 1));
    expect_only(config({c}, {rf}), "/routeFilters/0/communities/1", "R77");
  }
}

TEST_CASE("R53: a VNet outside the geopolitical region needs Premium", "[msee]") {
  // MSEE: R53
  auto c = valid_circuit("ckt", "Amsterdam", msee::SkuTier::Standard);
  c.vnets.push_back(vnet("we", "westeurope", {"10.1.0.0/16"}));
  c.vnets.push_back(vnet("us", "eastus", {"10.2.0.0/16"}));
  expect_only(config({c}), "/circuits/0/vnets/1/region", "R53");
  c.sku_tier = msee::SkuTier::Premium;
  expect_none(config({c}));
}

TEST_CASE("R53: a Local circuit reaches only the regions near its peering location", "[msee]") {
  // MSEE: R53
  auto c = valid_circuit("ckt", "Amsterdam", msee::SkuTier::Local);
  c.vnets.push_back(vnet("we", "westeurope", {"10.1.0.0/16"}));
  expect_none(config({c}));
  c.vnets.push_back(vnet("ne", "northeurope", {"10.2.0.0/16"}));
  expect_only(config({c}), "/circuits/0/vnets/1/region", "R53");
}

TEST_CASE("R57: a VNet in an unknown region is reported", "[msee]") {
  // MSEE: R57
  auto c = valid_circuit("ckt");
  c.vnets.push_back(vnet("x", "atlantis", {"10.1.0.0/16"}));
  expect_only(config({c}), "/circuits/0/vnets/0/region", "R57");
}

TEST_CASE("R56: a custom VNet community has the form 12076:<value>", "[msee]") {
  // MSEE: R56
  auto c = valid_circuit("ckt");
  c.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16"}));
  c.vnets[0].bgp_community = comm(65001, 20001);
  expect_only(config({c}), "/circuits/0/vnets/0/bgpCommunity", "R56");
}

TEST_CASE("R47: VNets need address prefixes and a private peering", "[msee]") {
  // MSEE: R47
  auto c = valid_circuit("ckt");
  c.vnets.push_back(vnet("hub", "westeurope", {}));
  expect_only(config({c}), "/circuits/0/vnets/0/addressPrefixes", "R47");
  auto m = valid_circuit("ckt");
  m.peerings[0] = microsoft_peering_ipv4();
  m.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16"}));
  expect_only(config({m}), "/circuits/0/vnets", "R47");
}

TEST_CASE("R41: Microsoft peering declares public prefixes of its own family", "[msee]") {
  // MSEE: R41
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  auto& ms = *c.peerings[1].microsoft_peering_config;
  SECTION("none declared") {
    ms.advertised_public_prefixes.clear();
    expect_only(config({c}), kP1 + "/microsoftPeeringConfig/advertisedPublicPrefixes", "R41");
  }
  SECTION("RFC 1918 declared") {
    ms.advertised_public_prefixes.push_back(pfx("10.0.0.0/8"));
    expect_only(config({c}), kP1 + "/microsoftPeeringConfig/advertisedPublicPrefixes/1", "R41");
  }
  SECTION("IPv6 in the IPv4 list") {
    ms.advertised_public_prefixes.push_back(pfx("2a01:111::/32"));
    expect_only(config({c}), kP1 + "/microsoftPeeringConfig/advertisedPublicPrefixes/1", "R41");
  }
  SECTION("documentation ranges without the lab switch") {
    auto cfg = config({c});
    cfg.emulator.documentation_prefixes_public = false;
    auto findings = msee::validate(cfg);
    INFO(dump(findings));
    CHECK(has(findings, kP1 + "/microsoftPeeringConfig/advertisedPublicPrefixes/0", "R41"));
    CHECK(has(findings, kP1 + "/primaryPeerAddressPrefix", "R11"));
  }
}

TEST_CASE("R7: Microsoft peering needs microsoftPeeringConfig", "[msee]") {
  // MSEE: R7
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[1].microsoft_peering_config.reset();
  expect_only(config({c}), kP1 + "/microsoftPeeringConfig", "R7");
}

TEST_CASE("R2: one peering of each type per circuit", "[msee]") {
  // MSEE: R2
  auto c = valid_circuit("ckt");
  c.peerings.push_back(private_peering("192.168.101.0/30", "192.168.101.4/30", 101));
  expect_only(config({c}), kP1 + "/peeringType", "R2");
}

TEST_CASE("R1: circuits are named uniquely and keyed by a GUID", "[msee]") {
  // MSEE: R1
  SECTION("no circuit") { expect_only(config({}), "/circuits", "R1"); }
  SECTION("a duplicate name") {
    auto a = valid_circuit("ckt");
    auto b = valid_circuit("ckt", "London");
    b.peerings[0].primary_peer_address_prefix = pfx("192.168.200.0/30");
    b.peerings[0].secondary_peer_address_prefix = pfx("192.168.200.4/30");
    expect_only(config({a, b}), "/circuits/1/name", "R1");
  }
  SECTION("a service key that is not a GUID") {
    auto c = valid_circuit("ckt");
    c.service_key = "not-a-guid";
    expect_only(config({c}), "/circuits/0/serviceKey", "R1");
  }
}

TEST_CASE("R73: the bandwidth is one Azure offers", "[msee]") {
  // MSEE: R73
  auto c = valid_circuit("ckt");
  c.bandwidth_in_mbps = 300;
  expect_only(config({c}), "/circuits/0/bandwidthInMbps", "R73");
  for (std::uint32_t bw : {50u, 100u, 200u, 500u, 1000u, 2000u, 5000u, 10000u, 100000u}) {
    c.bandwidth_in_mbps = bw;
    INFO(bw);
    expect_none(config({c}));
  }
}

TEST_CASE("Q11: emulation timers, BFD and allowas-in are range-checked", "[msee]") {
  // MSEE: R27, R29, Q1, Q11, Q13
  auto c = valid_circuit("ckt");
  auto& e = c.peerings[0].emulation;
  const std::string at = kP0 + "/emulation/";
  SECTION("hold time 1 or 2") {
    e.hold_time = 2;
    auto findings = msee::validate(config({c}));
    CHECK(has(findings, at + "holdTime", "R27"));
  }
  SECTION("min hold time above the hold time") {
    e.hold_time = 30;
    e.min_hold_time = 60;
    expect_only(config({c}), at + "minHoldTime", "Q11");
  }
  SECTION("BFD interval") {
    e.bfd_min_interval_ms = 10;
    expect_only(config({c}), at + "bfdMinInterval", "R29");
  }
  SECTION("BFD multiplier 0") {
    e.bfd_multiplier = 0;
    expect_only(config({c}), at + "bfdMultiplier", "R29");
  }
  SECTION("warning percent above 100") {
    e.max_prefix_warning_percent = 101;
    expect_only(config({c}), at + "maxPrefixWarningPercent", "Q1");
  }
  SECTION("allowas-in above 3") {
    e.allow_as_in = 4;
    expect_only(config({c}), at + "allowAsIn", "Q13");
  }
}

TEST_CASE("R9: loopback addressing needs a loopback /30 per link", "[msee]") {
  // MSEE: R9 — the loopback mapping stands in for the real /30s.
  auto c = valid_circuit("ckt");
  auto cfg = config({c});
  cfg.emulator.addressing = msee::Addressing::Loopback;
  auto findings = msee::validate(cfg);
  INFO(dump(findings));
  CHECK(findings.size() == 2);
  CHECK(has(findings, kP0 + "/emulation/loopback", "addressing"));
  auto& e = cfg.circuits[0].peerings[0].emulation;
  e.loopback_primary = pfx("127.1.0.0/30");
  e.loopback_secondary = pfx("127.1.0.4/30");
  CHECK(msee::validate(cfg).empty());
  SECTION("outside 127.0.0.0/8") {
    e.loopback_secondary = pfx("10.0.0.4/30");
    expect_only(cfg, kP0 + "/emulation/loopback/secondaryPeerAddressPrefix", "addressing");
  }
  SECTION("overlapping") {
    e.loopback_secondary = pfx("127.1.0.0/30");
    expect_only(cfg, kP0 + "/emulation/loopback/secondaryPeerAddressPrefix", "addressing");
  }
}

TEST_CASE("R9: every error is reported at once", "[msee]") {
  // MSEE: R9, R12, R26 — three independent mistakes, three findings.
  auto c = valid_circuit("ckt");
  c.peerings.push_back(microsoft_peering_ipv4());
  c.peerings[0].primary_peer_address_prefix = pfx("192.168.100.128/29");  // R9
  c.peerings[1].vlan_id = 100;                                            // R12
  c.peerings[1].shared_key = "has-a-dash";                                // R26
  auto findings = msee::validate(config({c}));
  INFO(dump(findings));
  CHECK(findings.size() == 3);
  CHECK(has(findings, kP0 + "/primaryPeerAddressPrefix", "R9"));
  CHECK(has(findings, kP1 + "/vlanId", "R12"));
  CHECK(has(findings, kP1 + "/sharedKey", "R26"));
  for (const auto& f : findings) {
    CHECK_FALSE(f.message.empty());
  }
}
