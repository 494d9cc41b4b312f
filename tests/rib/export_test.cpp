// Export attribute rewriting (RFC 4271 §5.1) and UPDATE packing within the message size.
#include <catch2/catch.hpp>

#include "bgp/wire/codec.hpp"
#include "rib/export.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {
wire::Prefix pfx(const char* s) { return *wire::Prefix::parse(s); }
wire::IpAddress ip(const char* s) { return *wire::IpAddress::parse(s); }
}  // namespace

TEST_CASE("eBGP export prepends the local AS and drops LOCAL_PREF", "[rib][export]") {
  wire::PathAttributes a;
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, {4200000001u}}}};
  a.local_pref = 200;
  a.med = 5;
  a.unknown = {{wire::kFlagOptional | wire::kFlagTransitive, 99, {1}},
               {wire::kFlagOptional, 98, {2}}};
  auto out = rib::export_attributes(a, {12076, 65001, false});
  CHECK(out.as_path->segments.at(0).asns == std::vector<wire::Asn>{12076, 4200000001u});
  CHECK_FALSE(out.local_pref.has_value());
  CHECK(out.med == std::optional<std::uint32_t>(5));
  CHECK(out.origin == wire::Origin::Igp);
  // RFC 4271 §5: the optional non-transitive unknown attribute is not passed on.
  REQUIRE(out.unknown.size() == 1);
  CHECK(out.unknown[0].type == 99);
}

TEST_CASE("A MED learned from another AS is not passed to an external peer", "[rib][export]") {
  wire::PathAttributes a;
  a.med = 26;
  rib::ExportContext learned{65000, 65003, true};
  CHECK_FALSE(rib::export_attributes(a, learned).med.has_value());  // RFC 4271 §5.1.4
  rib::ExportContext originated{65000, 65003, false};
  CHECK(rib::export_attributes(a, originated).med == std::optional<std::uint32_t>(26));
  rib::ExportContext internal{65000, 65000, true};
  CHECK(rib::export_attributes(a, internal).med == std::optional<std::uint32_t>(26));
}

TEST_CASE("eBGP export before an AS_SET starts a new AS_SEQUENCE", "[rib][export]") {
  wire::PathAttributes a;
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSet, {1, 2}}}};
  auto out = rib::export_attributes(a, {65000, 65001, false});
  REQUIRE(out.as_path->segments.size() == 2);
  CHECK(out.as_path->segments[0].type == wire::AsSegmentType::AsSequence);
  CHECK(out.as_path->segments[0].asns == std::vector<wire::Asn>{65000});
}

TEST_CASE("iBGP export keeps the path and defaults LOCAL_PREF to 100", "[rib][export]") {
  wire::PathAttributes a;
  auto out = rib::export_attributes(a, {65000, 65000, false});
  CHECK(out.as_path->segments.empty());
  CHECK(out.local_pref == std::optional<std::uint32_t>(100));
}

TEST_CASE("Packing splits IPv4 NLRI so every UPDATE fits 4096 octets", "[rib][export]") {
  std::vector<wire::Prefix> ps;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    ps.push_back(wire::Prefix{wire::IpAddress::v4((10u << 24) | (i << 8)), 24});
  }
  wire::PathAttributes a = rib::export_attributes({}, {65000, 65001, false});
  wire::EncodeContext ctx;
  ctx.four_octet_as = true;
  auto ups = rib::pack_updates(wire::kIpv4Unicast, ps, a, ip("192.0.2.1"), std::nullopt, ctx);
  REQUIRE(ups.size() > 1);
  std::size_t total = 0;
  for (const auto& u : ups) {
    auto bytes = wire::encode(u, ctx);
    CHECK(bytes.size() <= wire::kMaxMessageSize);
    CHECK(u.attributes.next_hop == ip("192.0.2.1"));
    total += u.nlri.size();
  }
  CHECK(total == ps.size());
  SECTION("with extended messages fewer, larger UPDATEs") {
    ctx.extended_message = true;
    auto big = rib::pack_updates(wire::kIpv4Unicast, ps, a, ip("192.0.2.1"), std::nullopt, ctx);
    CHECK(big.size() == 1);
    CHECK(wire::encode(big[0], ctx).size() <= wire::kMaxExtendedMessageSize);
  }
}

TEST_CASE("IPv6 routes are packed into MP_REACH_NLRI with the given next hops",
          "[rib][export]") {
  std::vector<wire::Prefix> ps{pfx("2001:db8:1::/48"), pfx("2001:db8:2::/48")};
  auto ups = rib::pack_updates(wire::kIpv6Unicast, ps, {}, ip("2001:db8::1"), ip("fe80::1"),
                               wire::EncodeContext{});
  REQUIRE(ups.size() == 1);
  REQUIRE(ups[0].mp_reach.has_value());
  CHECK(ups[0].mp_reach->nlri == ps);
  CHECK(ups[0].mp_reach->link_local_next_hop == ip("fe80::1"));
  CHECK(ups[0].nlri.empty());
  CHECK_FALSE(ups[0].attributes.next_hop.has_value());
}

TEST_CASE("Withdrawals go in Withdrawn Routes for IPv4 and MP_UNREACH otherwise",
          "[rib][export]") {
  auto v4 = rib::pack_withdrawals(wire::kIpv4Unicast, {pfx("10.0.0.0/8")}, {});
  REQUIRE(v4.size() == 1);
  CHECK(v4[0].withdrawn_routes.size() == 1);
  auto v6 = rib::pack_withdrawals(wire::kIpv6Unicast, {pfx("2001:db8::/32")}, {});
  REQUIRE(v6.size() == 1);
  REQUIRE(v6[0].mp_unreach.has_value());
  CHECK(v6[0].mp_unreach->withdrawn.size() == 1);
}
