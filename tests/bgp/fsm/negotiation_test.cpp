// Tests for OPEN construction and negotiation: RFC 4271 §4.2/§6.2 checks with the exact
// NOTIFICATION (code, subcode, data), hold/keepalive time arithmetic, RFC 6793 AS handling,
// RFC 6286 §2.2 identifiers and the capability intersection (RFC 5492, RFC 4760, RFC 2918).
#include "bgp/fsm/negotiation.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace msee::bgp;
using namespace msee::bgp::fsm;

NegotiationInput input() {
  NegotiationInput in;
  in.local_as = 65000;
  in.local_id = 0x0a000001;
  in.expected_peer_as = 65001;
  in.local_hold_time = 90;
  in.min_hold_time = 3;
  in.allow_hold_time_zero = true;
  return in;  // default capabilities: IPv4 unicast, RR, enhanced RR, 4-octet AS, ext. message
}

wire::OpenMessage open_from(wire::Asn as, std::uint16_t hold = 90) {
  wire::OpenMessage o;
  o.version = 4;
  o.my_as = as > 0xffff ? 23456 : static_cast<std::uint16_t>(as);
  o.hold_time = hold;
  o.bgp_id = 0x0a000002;
  o.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast}, wire::RouteRefreshCap{},
                    wire::FourOctetAsCap{as}};
  return o;
}

wire::NotificationMessage rejected(const NegotiationInput& in, const wire::OpenMessage& peer) {
  auto r = negotiate(in, peer);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

Negotiated accepted(const NegotiationInput& in, const wire::OpenMessage& peer) {
  auto r = negotiate(in, peer);
  if (!r.has_value()) {
    FAIL("rejected with " << int{r.error().code} << "/" << int{r.error().subcode});
  }
  return r.value();
}

}  // namespace

TEST_CASE("Our OPEN lists Multiprotocol per family, then RR, enhanced RR, extended message, "
          "GR and 4-octet AS",
          "[bgp][fsm]") {
  auto in = input();
  in.local_caps.families = {wire::kIpv4Unicast, wire::kIpv6Unicast};
  in.local_caps.graceful_restart_time = 120;
  const auto open = make_open(in);

  wire::GracefulRestartCap gr;
  gr.restart_state = false;
  gr.notification = true;  // RFC 8538 N bit
  gr.restart_time = 120;
  gr.families = {{wire::kIpv4Unicast, false}, {wire::kIpv6Unicast, false}};
  wire::OpenMessage expected;
  expected.version = 4;
  expected.my_as = 65000;
  expected.hold_time = 90;
  expected.bgp_id = 0x0a000001;
  expected.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast},
                           wire::MultiprotocolCap{wire::kIpv6Unicast},
                           wire::RouteRefreshCap{},
                           wire::EnhancedRouteRefreshCap{},
                           wire::ExtendedMessageCap{},
                           gr,
                           wire::FourOctetAsCap{65000}};
  CHECK(open == expected);
}

TEST_CASE("Our OPEN carries AS_TRANS in My AS for a four-octet local AS", "[bgp][fsm]") {
  auto in = input();
  in.local_as = 4200000001;
  const auto open = make_open(in);
  CHECK(open.my_as == 23456);
  REQUIRE(open.find<wire::FourOctetAsCap>() != nullptr);
  CHECK(open.find<wire::FourOctetAsCap>()->asn == 4200000001U);
}

TEST_CASE("Our OPEN omits every capability that is switched off", "[bgp][fsm]") {
  auto in = input();
  in.local_caps.route_refresh = false;
  in.local_caps.enhanced_route_refresh = false;
  in.local_caps.extended_message = false;
  in.local_caps.four_octet_as = false;
  const auto open = make_open(in);
  CHECK(open.capabilities ==
        std::vector<wire::Capability>{wire::MultiprotocolCap{wire::kIpv4Unicast}});
}

TEST_CASE("The negotiated hold time is the smaller offer and keepalive is a third of it",
          "[bgp][fsm]") {
  struct Case {
    std::uint16_t ours;
    std::uint16_t theirs;
    std::uint16_t hold;
    std::uint16_t keepalive;
  };
  auto c = GENERATE(Case{90, 3, 3, 1},      // the peer's minimum wins
                    Case{0, 90, 0, 0},      // RFC 4271 §4.2: 0 on either side disables both
                    Case{90, 0, 0, 0},      //
                    Case{90, 180, 90, 30},  //
                    Case{180, 100, 100, 33},  // floor(100 / 3)
                    Case{90, 4, 4, 1},      // floor(4 / 3)
                    Case{90, 5, 5, 1},      //
                    Case{90, 6, 6, 2},      //
                    Case{65535, 65535, 65535, 21845});
  auto in = input();
  in.local_hold_time = c.ours;
  const auto n = accepted(in, open_from(65001, c.theirs));
  INFO("ours " << c.ours << ", theirs " << c.theirs);
  CHECK(n.hold_time == c.hold);
  CHECK(n.keepalive_time == c.keepalive);
}

TEST_CASE("An OPEN with hold time 1 or 2 is rejected with Unacceptable Hold Time",
          "[bgp][fsm]") {
  auto hold = GENERATE(std::uint16_t{1}, std::uint16_t{2});
  CHECK(rejected(input(), open_from(65001, hold)) == wire::NotificationMessage{2, 6, {}});
}

TEST_CASE("An OPEN below our minimum hold time is rejected, zero only when not allowed",
          "[bgp][fsm]") {
  auto in = input();
  in.min_hold_time = 10;
  CHECK(rejected(in, open_from(65001, 9)) == wire::NotificationMessage{2, 6, {}});
  CHECK(accepted(in, open_from(65001, 10)).hold_time == 10);
  CHECK(accepted(in, open_from(65001, 0)).hold_time == 0);
  in.allow_hold_time_zero = false;
  CHECK(rejected(in, open_from(65001, 0)) == wire::NotificationMessage{2, 6, {}});
}

TEST_CASE("An OPEN with a version other than 4 is rejected with Unsupported Version Number "
          "naming version 4",
          "[bgp][fsm]") {
  auto version = GENERATE(std::uint8_t{3}, std::uint8_t{5});
  auto open = open_from(65001);
  open.version = version;
  // RFC 4271 §6.2: data is the largest supported version as a 2-octet unsigned integer.
  CHECK(rejected(input(), open) == wire::NotificationMessage{2, 1, {0x00, 0x04}});
}

TEST_CASE("An OPEN from an unexpected AS is rejected with Bad Peer AS carrying My AS",
          "[bgp][fsm]") {
  SECTION("two-octet AS") {
    auto open = open_from(65002);
    open.capabilities.pop_back();  // a 2-octet-only speaker: no FourOctetAs
    CHECK(rejected(input(), open) == wire::NotificationMessage{2, 2, {0xfd, 0xea}});
  }
  SECTION("four-octet AS behind AS_TRANS") {
    CHECK(rejected(input(), open_from(4200000001)) ==
          wire::NotificationMessage{2, 2, {0x5b, 0xa0}});
  }
  SECTION("the FourOctetAs capability decides, not My AS") {
    auto open = open_from(65001);
    open.capabilities.back() = wire::FourOctetAsCap{65009};
    CHECK(rejected(input(), open) == wire::NotificationMessage{2, 2, {0xfd, 0xe9}});
  }
}

TEST_CASE("My AS set to AS_TRANS without the FourOctetAs capability is Bad Peer AS",
          "[bgp][fsm]") {
  auto in = input();
  in.expected_peer_as = 0;  // even when any AS would do
  auto open = open_from(65001);
  open.my_as = 23456;
  open.capabilities.pop_back();
  CHECK(rejected(in, open) == wire::NotificationMessage{2, 2, {0x5b, 0xa0}});
}

TEST_CASE("A four-octet peer AS is taken from the FourOctetAs capability", "[bgp][fsm]") {
  auto in = input();
  in.expected_peer_as = 4200000001;
  const auto n = accepted(in, open_from(4200000001));
  CHECK(n.peer_as == 4200000001U);
  CHECK(n.four_octet_as);
}

TEST_CASE("An expected peer AS of zero accepts any AS", "[bgp][fsm]") {
  auto in = input();
  in.expected_peer_as = 0;
  CHECK(accepted(in, open_from(64999)).peer_as == 64999U);
}

TEST_CASE("Peer AS 0 is Bad Peer AS even when any AS is accepted (RFC 7607 §2)",
          "[bgp][fsm]") {
  // Found by open_fuzz (tests/bgp/fsm/vectors/bad/676861bcd55bf45ab51ed208023d12e548cebb6e.bin).
  auto in = input();
  in.expected_peer_as = 0;
  SECTION("in My AS, without FourOctetAs") {
    auto open = open_from(0);
    open.capabilities.pop_back();
    CHECK(rejected(in, open) == wire::NotificationMessage{2, 2, {0, 0}});
  }
  SECTION("in the FourOctetAs capability") {
    CHECK(rejected(in, open_from(0)) == wire::NotificationMessage{2, 2, {0, 0}});
  }
}

TEST_CASE("A BGP Identifier of zero is rejected with Bad BGP Identifier", "[bgp][fsm]") {
  auto open = open_from(65001);
  open.bgp_id = 0;
  CHECK(rejected(input(), open) == wire::NotificationMessage{2, 3, {}});
}

TEST_CASE("Our own BGP Identifier is Bad BGP Identifier for iBGP but allowed for eBGP",
          "[bgp][fsm]") {
  auto in = input();
  SECTION("internal peer (RFC 6286 §2.2)") {
    in.expected_peer_as = 65000;
    auto open = open_from(65000);
    open.bgp_id = in.local_id;
    CHECK(rejected(in, open) == wire::NotificationMessage{2, 3, {}});
  }
  SECTION("external peer") {
    auto open = open_from(65001);
    open.bgp_id = in.local_id;
    CHECK(accepted(in, open).peer_id == in.local_id);
  }
}

TEST_CASE("A non-capability optional parameter is Unsupported Optional Parameter",
          "[bgp][fsm]") {
  auto open = open_from(65001);
  open.other_parameters = {wire::OptionalParameter{1, {0x00}}};  // type 1: old authentication
  CHECK(rejected(input(), open) == wire::NotificationMessage{2, 4, {}});
}

TEST_CASE("OPEN checks run in RFC 4271 §6.2 order: version, AS, identifier, hold time, "
          "parameters",
          "[bgp][fsm]") {
  auto open = open_from(65002);
  open.capabilities.pop_back();
  open.version = 3;
  open.bgp_id = 0;
  open.hold_time = 1;
  open.other_parameters = {wire::OptionalParameter{1, {}}};
  CHECK(rejected(input(), open).subcode == 1);
  open.version = 4;
  CHECK(rejected(input(), open).subcode == 2);
  open.my_as = 65001;
  CHECK(rejected(input(), open).subcode == 3);
  open.bgp_id = 7;
  CHECK(rejected(input(), open).subcode == 6);
  open.hold_time = 90;
  CHECK(rejected(input(), open).subcode == 4);
  open.other_parameters.clear();
  CHECK(negotiate(input(), open).has_value());
}

TEST_CASE("A full negotiation yields exactly the capabilities both sides advertised",
          "[bgp][fsm]") {
  auto in = input();
  in.local_caps.families = {wire::kIpv4Unicast, wire::kIpv6Unicast};
  wire::GracefulRestartCap gr;
  gr.restart_state = true;
  gr.restart_time = 90;
  gr.families = {{wire::kIpv6Unicast, true}};
  wire::OpenMessage open;
  open.version = 4;
  open.my_as = 65001;
  open.hold_time = 180;
  open.bgp_id = 0xc0000201;
  const wire::AfiSafi ipv4_multicast{wire::Afi::Ipv4, wire::Safi::Multicast};
  open.capabilities = {wire::MultiprotocolCap{wire::kIpv6Unicast},
                       wire::MultiprotocolCap{ipv4_multicast},
                       wire::EnhancedRouteRefreshCap{},
                       wire::ExtendedMessageCap{},
                       gr,
                       wire::UnknownCap{73, {0x01}},
                       wire::FourOctetAsCap{65001}};

  Negotiated expected;
  expected.peer_as = 65001;
  expected.peer_id = 0xc0000201;
  expected.hold_time = 90;
  expected.keepalive_time = 30;
  expected.four_octet_as = true;
  expected.extended_message = true;
  expected.route_refresh = false;  // enhanced RR alone does not grant RFC 2918 ROUTE-REFRESH
  expected.enhanced_route_refresh = true;
  expected.families = {wire::kIpv6Unicast};
  expected.peer_graceful_restart = gr;
  expected.peer_capabilities = open.capabilities;
  CHECK(accepted(in, open) == expected);
}

TEST_CASE("A peer without any Multiprotocol capability is taken to speak IPv4 unicast only",
          "[bgp][fsm]") {
  auto in = input();
  in.local_caps.families = {wire::kIpv4Unicast, wire::kIpv6Unicast};
  auto open = open_from(65001);
  open.capabilities = {wire::FourOctetAsCap{65001}};
  CHECK(accepted(in, open).families == std::vector<wire::AfiSafi>{wire::kIpv4Unicast});

  in.local_caps.families = {wire::kIpv6Unicast};
  CHECK(accepted(in, open).families.empty());
}

TEST_CASE("Route refresh is negotiated from code 2 or Cisco's pre-standard code 128",
          "[bgp][fsm]") {
  auto open = open_from(65001);
  open.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast}, wire::UnknownCap{128, {}},
                       wire::FourOctetAsCap{65001}};
  CHECK(accepted(input(), open).route_refresh);

  open.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast}, wire::FourOctetAsCap{65001}};
  CHECK_FALSE(accepted(input(), open).route_refresh);

  auto in = input();
  in.local_caps.route_refresh = false;
  CHECK_FALSE(accepted(in, open_from(65001)).route_refresh);
}

TEST_CASE("Capabilities we do not advertise are not negotiated even if the peer sends them",
          "[bgp][fsm]") {
  auto in = input();
  in.local_caps.four_octet_as = false;
  in.local_caps.extended_message = false;
  in.local_caps.enhanced_route_refresh = false;
  auto open = open_from(65001);
  open.capabilities.push_back(wire::ExtendedMessageCap{});
  open.capabilities.push_back(wire::EnhancedRouteRefreshCap{});
  const auto n = accepted(in, open);
  CHECK_FALSE(n.four_octet_as);
  CHECK_FALSE(n.extended_message);
  CHECK_FALSE(n.enhanced_route_refresh);
  CHECK(n.peer_as == 65001U);
}

TEST_CASE("RFC 8538: the N bit is in force only when both sides set it", "[bgp][fsm]") {
  auto open_with = [](bool n) {
    wire::GracefulRestartCap gr;
    gr.notification = n;
    gr.restart_time = 120;
    wire::OpenMessage open;
    open.version = 4;
    open.my_as = 65001;
    open.hold_time = 90;
    open.bgp_id = 0xc0000201;
    open.capabilities = {gr};
    return open;
  };
  auto with_gr = input();
  with_gr.local_caps.graceful_restart_time = 120;
  CHECK(negotiate(with_gr, open_with(true))->graceful_notification);
  CHECK_FALSE(negotiate(with_gr, open_with(false))->graceful_notification);
  CHECK_FALSE(negotiate(input(), open_with(true))->graceful_notification);  // we send no GR
}
