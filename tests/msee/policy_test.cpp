// MSEE policy (msee/policy.hpp) and the export side of remove-private-as (rib/export.hpp): link
// addressing (R9, R10), route limits (R36, Q2), ASN classes (R19, R22), the inbound policy of
// private and Microsoft peering (R22, R39–R42, Q4, Q14) and the AS_PATH the customer sees (R23).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "msee/policy.hpp"
#include "rib/export.hpp"

#include "fixtures.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {

using test::comm, test::pfx, test::private_peering;

wire::AsPath seq(std::vector<wire::Asn> asns) {
  wire::AsPath p;
  if (!asns.empty()) {
    p.segments.push_back({wire::AsSegmentType::AsSequence, std::move(asns)});
  }
  return p;
}

// The reference Microsoft peering, also declaring the public 80.81.0.0/16 next to the
// documentation ranges 198.51.100.0/24 and 2001:db8:3000::/48 (used with the
// documentation_public lab switch).
msee::Peering microsoft_peering(msee::PrefixesState state = msee::PrefixesState::Configured) {
  auto p = test::microsoft_peering(state);
  p.microsoft_peering_config->advertised_public_prefixes.push_back(pfx("80.81.0.0/16"));
  return p;
}

msee::Circuit circuit(msee::SkuTier tier) { return test::circuit("ckt", tier); }

wire::PathAttributes with_path(std::vector<wire::Asn> asns) {
  wire::PathAttributes a;
  a.origin = wire::Origin::Igp;
  a.as_path = seq(std::move(asns));
  return a;
}

// The AS_PATH an MSEE sends to the customer for a route with `asns` (R23).
std::string exported_path(std::vector<wire::Asn> asns, std::uint8_t extra_prepends = 0) {
  rib::ExportContext ctx;
  ctx.local_as = msee::kMicrosoftAsn;
  ctx.peer_as = 65001;
  ctx.learned_from_ebgp = false;
  ctx.remove_private_as = true;
  ctx.extra_prepends = extra_prepends;
  return rib::export_attributes(with_path(std::move(asns)), ctx).as_path->to_string();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Link addressing

TEST_CASE("R9: in a /30 the customer takes .1 and the MSEE .2", "[msee]") {
  // MSEE: R9
  auto a = msee::link_addresses(pfx("192.168.100.128/30"));
  REQUIRE(a);
  CHECK(a->ce.to_string() == "192.168.100.129");
  CHECK(a->msee.to_string() == "192.168.100.130");
  auto b = msee::link_addresses(pfx("10.0.0.252/30"));
  REQUIRE(b);
  CHECK(b->ce.to_string() == "10.0.0.253");
  CHECK(b->msee.to_string() == "10.0.0.254");
}

TEST_CASE("R9: the worked example 192.168.100.128/29 splits into .129/.130 and .133/.134",
          "[msee]") {
  // MSEE: R9 — lower /30 primary, upper /30 secondary; MSEE even, customer odd.
  auto primary = msee::link_addresses(pfx("192.168.100.128/30"));
  auto secondary = msee::link_addresses(pfx("192.168.100.132/30"));
  REQUIRE(primary);
  REQUIRE(secondary);
  CHECK(primary->ce.to_string() == "192.168.100.129");
  CHECK(primary->msee.to_string() == "192.168.100.130");
  CHECK(secondary->ce.to_string() == "192.168.100.133");
  CHECK(secondary->msee.to_string() == "192.168.100.134");
  for (const auto& l : {*primary, *secondary}) {
    CHECK(l.msee.v4_value() % 2 == 0);
    CHECK(l.ce.v4_value() % 2 == 1);
  }
}

TEST_CASE("R10: in a /126 the customer takes ::1 and the MSEE ::2", "[msee]") {
  // MSEE: R10 — Microsoft's example 3FFE:FFFF:0:CD30::/126 and ::4/126.
  auto primary = msee::link_addresses(pfx("3ffe:ffff:0:cd30::/126"));
  auto secondary = msee::link_addresses(pfx("3ffe:ffff:0:cd30::4/126"));
  REQUIRE(primary);
  REQUIRE(secondary);
  CHECK(primary->ce == *wire::IpAddress::parse("3ffe:ffff:0:cd30::1"));
  CHECK(primary->msee == *wire::IpAddress::parse("3ffe:ffff:0:cd30::2"));
  CHECK(secondary->ce == *wire::IpAddress::parse("3ffe:ffff:0:cd30::5"));
  CHECK(secondary->msee == *wire::IpAddress::parse("3ffe:ffff:0:cd30::6"));
  CHECK(primary->msee.is_v6());
}

TEST_CASE("R9: a link that is not a /30 (or /126) has no addresses", "[msee]") {
  // MSEE: R9, R10
  CHECK_FALSE(msee::link_addresses(pfx("192.168.100.128/29")));
  CHECK_FALSE(msee::link_addresses(pfx("192.168.100.128/31")));
  CHECK_FALSE(msee::link_addresses(pfx("192.168.100.128/32")));
  CHECK_FALSE(msee::link_addresses(pfx("10.0.0.0/8")));
  CHECK_FALSE(msee::link_addresses(pfx("3ffe:ffff:0:cd30::/125")));
  CHECK_FALSE(msee::link_addresses(pfx("3ffe:ffff:0:cd30::/127")));
  CHECK_FALSE(msee::link_addresses(pfx("3ffe:ffff:0:cd30::/64")));
}

// ---------------------------------------------------------------------------------------------
// Route limits

TEST_CASE("R36: route limits per session and address family", "[msee]") {
  auto priv = private_peering();
  auto ms = microsoft_peering();
  SECTION("private peering IPv4: 4,000 on Local and Standard, 10,000 on Premium") {
    // MSEE: R36
    CHECK(msee::route_limit(circuit(msee::SkuTier::Local), priv, wire::Afi::Ipv4) == 4000);
    CHECK(msee::route_limit(circuit(msee::SkuTier::Standard), priv, wire::Afi::Ipv4) == 4000);
    CHECK(msee::route_limit(circuit(msee::SkuTier::Premium), priv, wire::Afi::Ipv4) == 10000);
  }
  SECTION("private peering IPv6: 100 on every SKU") {
    // MSEE: R36
    for (auto tier : {msee::SkuTier::Local, msee::SkuTier::Standard, msee::SkuTier::Premium}) {
      CHECK(msee::route_limit(circuit(tier), priv, wire::Afi::Ipv6) == 100);
    }
  }
  SECTION("Microsoft peering: 200 IPv4 and 200 IPv6, Premium or not") {
    // MSEE: R36
    for (auto tier : {msee::SkuTier::Standard, msee::SkuTier::Premium}) {
      CHECK(msee::route_limit(circuit(tier), ms, wire::Afi::Ipv4) == 200);
      CHECK(msee::route_limit(circuit(tier), ms, wire::Afi::Ipv6) == 200);
    }
  }
  SECTION("legacy public peering: 200 per session") {
    // MSEE: R36
    msee::Peering pub = microsoft_peering();
    pub.peering_type = msee::PeeringType::AzurePublicPeering;
    CHECK(msee::route_limit(circuit(msee::SkuTier::Standard), pub, wire::Afi::Ipv4) == 200);
  }
}

TEST_CASE("Q2: the emulation overrides replace the limit of their family only", "[msee]") {
  // MSEE: Q2, R36 — configurable limits.
  auto priv = private_peering();
  priv.emulation.max_prefixes_v4 = 10;
  CHECK(msee::route_limit(circuit(msee::SkuTier::Standard), priv, wire::Afi::Ipv4) == 10);
  CHECK(msee::route_limit(circuit(msee::SkuTier::Standard), priv, wire::Afi::Ipv6) == 100);
  priv.emulation.max_prefixes_v6 = 7;
  CHECK(msee::route_limit(circuit(msee::SkuTier::Premium), priv, wire::Afi::Ipv6) == 7);
  auto ms = microsoft_peering();
  ms.emulation.max_prefixes_v6 = 3;
  CHECK(msee::route_limit(circuit(msee::SkuTier::Standard), ms, wire::Afi::Ipv4) == 200);
  CHECK(msee::route_limit(circuit(msee::SkuTier::Standard), ms, wire::Afi::Ipv6) == 3);
}

// ---------------------------------------------------------------------------------------------
// ASN classes

TEST_CASE("R19: 65515-65520 are reserved on private peering", "[msee]") {
  // MSEE: R19
  for (wire::Asn a = 65515; a <= 65520; ++a) {
    CHECK(msee::is_reserved_private_peering_asn(a));
  }
  CHECK_FALSE(msee::is_reserved_private_peering_asn(65514));
  CHECK_FALSE(msee::is_reserved_private_peering_asn(65521));
  CHECK_FALSE(msee::is_reserved_private_peering_asn(12076));
}

TEST_CASE("R22: 64496-64511 are documentation ASNs", "[msee]") {
  // MSEE: R22
  CHECK(msee::is_documentation_asn(64496));
  CHECK(msee::is_documentation_asn(64511));
  CHECK_FALSE(msee::is_documentation_asn(64495));
  CHECK_FALSE(msee::is_documentation_asn(64512));
}

TEST_CASE("R41: public and non-public prefixes", "[msee]") {
  // MSEE: R41, R11
  for (const char* s : {"10.1.0.0/16", "172.16.5.0/24", "192.168.0.0/16", "100.64.0.0/10",
                        "100.100.0.0/16", "127.0.0.1/32", "169.254.0.0/16", "224.0.0.0/4",
                        "0.0.0.0/0", "::/0", "fd00::/8", "fc00::/7", "fe80::/64",
                        "198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24", "2001:db8::/32",
                        "2001:db8:3000::/48", "8.0.0.0/5"}) {
    INFO(s);
    CHECK(msee::is_non_public(pfx(s)));
  }
  for (const char* s : {"80.81.0.0/16", "20.2.0.0/16", "1.1.1.0/24", "2a01:111:f400::/48",
                        "2603:1002::/32"}) {
    INFO(s);
    CHECK_FALSE(msee::is_non_public(pfx(s)));
  }
  SECTION("documentation ranges count as public with the lab switch, RFC 1918 never") {
    CHECK_FALSE(msee::is_non_public(pfx("198.51.100.0/24"), true));
    CHECK_FALSE(msee::is_non_public(pfx("203.0.113.0/30"), true));
    CHECK_FALSE(msee::is_non_public(pfx("192.0.2.128/25"), true));
    CHECK_FALSE(msee::is_non_public(pfx("2001:db8:3000::/48"), true));
    CHECK(msee::is_non_public(pfx("10.0.0.0/8"), true));
    CHECK(msee::is_non_public(pfx("0.0.0.0/0"), true));
  }
}

// ---------------------------------------------------------------------------------------------
// Inbound policy: prefixes

TEST_CASE("R39: private peering accepts the default route", "[msee]") {
  // MSEE: R39
  msee::InboundPolicy policy(private_peering(), {});
  CHECK_FALSE(policy.prefix(pfx("0.0.0.0/0")));
  CHECK_FALSE(policy.prefix(pfx("::/0")));
}

TEST_CASE("R40: private peering accepts RFC 1918 and any length up to /32", "[msee]") {
  // MSEE: R40
  msee::InboundPolicy policy(private_peering(), {pfx("192.168.100.128/30")});
  for (const char* s : {"10.0.0.0/8", "172.16.0.0/12", "192.168.1.0/24", "10.9.8.7/32",
                        "100.64.0.0/10", "80.81.0.0/16", "fd00:1::/48", "2001:db8::1/128"}) {
    INFO(s);
    CHECK_FALSE(policy.prefix(pfx(s)));
  }
}

TEST_CASE("R39: Microsoft peering refuses the default route", "[msee]") {
  // MSEE: R39
  msee::InboundPolicy policy(microsoft_peering(), {}, true);
  auto v4 = policy.prefix(pfx("0.0.0.0/0"));
  REQUIRE(v4);
  CHECK_THAT(*v4, Catch::Contains("R39"));
  CHECK(policy.prefix(pfx("::/0")));
  SECTION("legacy public peering too") {
    msee::Peering pub = microsoft_peering();
    pub.peering_type = msee::PeeringType::AzurePublicPeering;
    msee::InboundPolicy p(pub, {}, true);
    CHECK(p.prefix(pfx("0.0.0.0/0")));
  }
}

TEST_CASE("R41: Microsoft peering refuses RFC 1918, CGNAT and ULA prefixes", "[msee]") {
  // MSEE: R41 — even when the customer declared them.
  auto peering = microsoft_peering();
  peering.microsoft_peering_config->advertised_public_prefixes.push_back(pfx("10.0.0.0/8"));
  peering.microsoft_peering_config->advertised_public_prefixes.push_back(pfx("100.64.0.0/10"));
  peering.ipv6_peering_config->microsoft_peering_config->advertised_public_prefixes.push_back(
      pfx("fd00::/8"));
  msee::InboundPolicy policy(peering, {}, true);
  for (const char* s : {"10.1.0.0/16", "172.16.0.0/12", "192.168.1.0/24", "100.64.1.0/24",
                        "fd00:1::/48"}) {
    INFO(s);
    auto reason = policy.prefix(pfx(s));
    REQUIRE(reason);
    CHECK_THAT(*reason, Catch::Contains("R41"));
  }
}

TEST_CASE("Q4: Microsoft peering refuses prefixes not in advertisedPublicPrefixes", "[msee]") {
  // MSEE: Q4, R41
  msee::InboundPolicy policy(microsoft_peering(), {}, true);
  auto reason = policy.prefix(pfx("80.82.0.0/16"));
  REQUIRE(reason);
  CHECK_THAT(*reason, Catch::Contains("advertisedPublicPrefixes"));
  CHECK(policy.prefix(pfx("80.80.0.0/15")));  // less specific than the declared /16
  CHECK(policy.prefix(pfx("2001:db8:4000::/48")));
}

TEST_CASE("R41: Microsoft peering accepts a declared prefix and any more specific of it",
          "[msee]") {
  // MSEE: R41, R40
  msee::InboundPolicy policy(microsoft_peering(), {}, true);
  CHECK_FALSE(policy.prefix(pfx("80.81.0.0/16")));
  CHECK_FALSE(policy.prefix(pfx("80.81.12.0/24")));
  CHECK_FALSE(policy.prefix(pfx("80.81.12.1/32")));
  CHECK_FALSE(policy.prefix(pfx("198.51.100.0/24")));
  CHECK_FALSE(policy.prefix(pfx("198.51.100.64/26")));
  CHECK_FALSE(policy.prefix(pfx("2001:db8:3000::/48")));
  CHECK_FALSE(policy.prefix(pfx("2001:db8:3000:1::/64")));
}

TEST_CASE("R41: the documentation-ranges switch decides whether 198.51.100.0/24 is public",
          "[msee]") {
  // MSEE: R41 (lab setting documentation_prefixes_public)
  msee::InboundPolicy lab(microsoft_peering(), {}, true);
  msee::InboundPolicy strict(microsoft_peering(), {}, false);
  CHECK_FALSE(lab.prefix(pfx("198.51.100.0/24")));
  auto reason = strict.prefix(pfx("198.51.100.0/24"));
  REQUIRE(reason);
  CHECK_THAT(*reason, Catch::Contains("R41"));
  CHECK(strict.prefix(pfx("2001:db8:3000::/48")));
  CHECK_FALSE(strict.prefix(pfx("80.81.0.0/16")));  // real public space is unaffected
}

TEST_CASE("Q4: nothing is accepted on Microsoft peering while the prefixes are ValidationNeeded",
          "[msee]") {
  // MSEE: Q4, R41
  msee::InboundPolicy policy(microsoft_peering(msee::PrefixesState::ValidationNeeded), {}, true);
  auto reason = policy.prefix(pfx("80.81.0.0/16"));
  REQUIRE(reason);
  CHECK_THAT(*reason, Catch::Contains("ValidationNeeded"));
  CHECK(policy.prefix(pfx("2001:db8:3000::/48")));
  SECTION("IPv4 and IPv6 validation states are independent") {
    auto peering = microsoft_peering();
    peering.ipv6_peering_config->microsoft_peering_config->advertised_public_prefixes_state =
        msee::PrefixesState::ValidationNeeded;
    msee::InboundPolicy mixed(peering, {}, true);
    CHECK_FALSE(mixed.prefix(pfx("80.81.0.0/16")));
    CHECK(mixed.prefix(pfx("2001:db8:3000::/48")));
  }
}

TEST_CASE("R41: Microsoft peering refuses the peering link subnets", "[msee]") {
  // MSEE: R41 — prefixes used for (other circuits') peering links are not accepted.
  msee::InboundPolicy policy(microsoft_peering(), {pfx("80.81.5.0/30"), pfx("80.81.5.4/30")},
                           true);
  auto reason = policy.prefix(pfx("80.81.5.0/30"));
  REQUIRE(reason);
  CHECK_THAT(*reason, Catch::Contains("link subnet"));
  CHECK(policy.prefix(pfx("80.81.5.5/32")));
  CHECK_FALSE(policy.prefix(pfx("80.81.6.0/24")));  // declared, no link inside
}

// ---------------------------------------------------------------------------------------------
// Inbound policy: attributes

TEST_CASE("R42: customer communities are stripped on ingress", "[msee]") {
  // MSEE: R42, Q14
  for (auto peering : {private_peering(), microsoft_peering()}) {
    msee::InboundPolicy policy(peering, {}, true);
    auto a = with_path({65001});
    if (peering.peering_type == msee::PeeringType::MicrosoftPeering) {
      a.as_path = seq({12345});
    }
    a.communities = {comm(65001, 100), comm(12076, 5010)};
    a.large_communities = {*wire::LargeCommunity::parse("65001:1:2")};
    a.ext_communities = {*wire::ExtendedCommunity::parse("rt:65001:1")};
    CHECK_FALSE(policy.attributes(a));
    CHECK(a.communities.empty());
    CHECK(a.large_communities.empty());
    CHECK(a.ext_communities.empty());
  }
}

TEST_CASE("Q14: customer communities pass through when configured", "[msee]") {
  // MSEE: Q14
  auto peering = private_peering();
  peering.emulation.strip_customer_communities = false;
  msee::InboundPolicy policy(peering, {});
  auto a = with_path({65001});
  a.communities = {comm(65001, 100)};
  a.large_communities = {*wire::LargeCommunity::parse("65001:1:2")};
  a.ext_communities = {*wire::ExtendedCommunity::parse("rt:65001:1")};
  CHECK_FALSE(policy.attributes(a));
  CHECK(a.communities == std::vector<wire::Community>{comm(65001, 100)});
  CHECK(a.large_communities.size() == 1);
  CHECK(a.ext_communities.size() == 1);
}

TEST_CASE("R22: Microsoft peering strips private ASNs from received paths", "[msee]") {
  // MSEE: R22
  msee::InboundPolicy policy(microsoft_peering(), {}, true);
  auto a = with_path({12345, 65001, 3356, 4200000001u, 65534});
  CHECK_FALSE(policy.attributes(a));
  CHECK(a.as_path->to_string() == "12345 3356");
  SECTION("private prepends have no effect") {
    auto b = with_path({12345, 12345, 12345, 65001, 65001});
    CHECK_FALSE(policy.attributes(b));
    CHECK(b.as_path->to_string() == "12345 12345 12345");
  }
}

TEST_CASE("R22: Microsoft peering refuses a path holding a documentation ASN", "[msee]") {
  // MSEE: R22
  msee::InboundPolicy policy(microsoft_peering(), {}, true);
  for (wire::Asn doc : {64496u, 64500u, 64511u}) {
    auto a = with_path({12345, doc});
    auto reason = policy.attributes(a);
    REQUIRE(reason);
    CHECK_THAT(*reason, Catch::Contains("R22"));
  }
  auto ok = with_path({12345, 64512});
  CHECK_FALSE(policy.attributes(ok));
}

TEST_CASE("R22: private peering keeps private ASNs in received paths", "[msee]") {
  // MSEE: R22 applies to Microsoft peering only.
  msee::InboundPolicy policy(private_peering(), {});
  auto a = with_path({65001, 65002, 4200000001u});
  CHECK_FALSE(policy.attributes(a));
  CHECK(a.as_path->to_string() == "65001 65002 4200000001");
}

TEST_CASE("R22: strip_private_asns removes every private ASN and empty segments", "[msee]") {
  // MSEE: R22
  wire::AsPath p;
  p.segments.push_back({wire::AsSegmentType::AsSequence, {65001, 65002}});
  p.segments.push_back({wire::AsSegmentType::AsSequence, {3356, 65003}});
  CHECK(msee::strip_private_asns(p) == 3);
  CHECK(p.to_string() == "3356");
  CHECK(p.segments.size() == 1);
}

// ---------------------------------------------------------------------------------------------
// remove-private-as toward the customer (R23)

TEST_CASE("R23: remove_private_as_if_all_private empties an all-private path only", "[msee]") {
  // MSEE: R23
  auto all = seq({65515, 65001});
  CHECK(msee::remove_private_as_if_all_private(all));
  CHECK(all.segments.empty());
  auto mixed = seq({65515, 1234});
  CHECK_FALSE(msee::remove_private_as_if_all_private(mixed));
  CHECK(mixed.to_string() == "65515 1234");
  auto empty = seq({});
  CHECK_FALSE(msee::remove_private_as_if_all_private(empty));
}

TEST_CASE("R23: a VNet route from the gateway (AS 65515) reaches the customer as 12076",
          "[msee]") {
  // MSEE: R23, R49
  CHECK(exported_path({65515}) == "12076");
}

TEST_CASE("R23: an all-private path is removed before 12076 is prepended", "[msee]") {
  // MSEE: R23
  CHECK(exported_path({65001, 65002}) == "12076");
  CHECK(exported_path({4200000001u, 65534}) == "12076");
  CHECK(exported_path({}) == "12076");
}

TEST_CASE("R23: a path with a public ASN keeps its private members", "[msee]") {
  // MSEE: R23 — e.g. 12076 65515 1234 1234 1234 as observed on-premises.
  CHECK(exported_path({65515, 1234, 1234}) == "12076 65515 1234 1234");
  CHECK(exported_path({65515, 1234, 1234, 1234}) == "12076 65515 1234 1234 1234");
}

TEST_CASE("R23: without remove_private_as the private ASNs stay", "[msee]") {
  // MSEE: R23 is a per-neighbour switch (off for a plain router).
  rib::ExportContext ctx{msee::kMicrosoftAsn, 65001, false};
  CHECK(rib::export_attributes(with_path({65515}), ctx).as_path->to_string() == "12076 65515");
}

TEST_CASE("R64: extra prepends put 12076 in front this many more times", "[msee]") {
  // MSEE: R64, Q7 — maintenance drain; remove-private-as still applies first (R23).
  CHECK(exported_path({65515}, 3) == "12076 12076 12076 12076");
  CHECK(exported_path({65515, 1234}, 3) == "12076 12076 12076 12076 65515 1234");
}
