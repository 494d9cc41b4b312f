// Tests for connection collision resolution (RFC 4271 §6.8): which of two connections to the
// same peer is closed, for both BGP Identifier orderings, both directions of the fresh
// connection, and every state of the other connection.
#include "bgp/fsm/collision.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace msee::bgp;
using namespace msee::bgp::fsm;

constexpr wire::RouterId kLow = 0x0a000001;   // 10.0.0.1
constexpr wire::RouterId kHigh = 0x0a000002;  // 10.0.0.2

// We are AS 65000, the peer AS 65001 unless a test says otherwise.
BgpSpeakerId me(wire::RouterId id, wire::Asn asn = 65000) { return {id, asn}; }
BgpSpeakerId them(wire::RouterId id, wire::Asn asn = 65001) { return {id, asn}; }

}  // namespace

TEST_CASE("With a lower local BGP Identifier the connection we initiated is closed",
          "[bgp][fsm]") {
  // The fresh connection is ours (outbound): it is the one to close.
  CHECK(resolve_collision(me(kLow), them(kHigh), State::OpenConfirm, true) ==
        CollisionOutcome::CloseNew);
  // The fresh connection is the peer's: the existing one is ours, close that.
  CHECK(resolve_collision(me(kLow), them(kHigh), State::OpenConfirm, false) ==
        CollisionOutcome::CloseExisting);
}

TEST_CASE("With a higher local BGP Identifier the connection the peer initiated is closed",
          "[bgp][fsm]") {
  CHECK(resolve_collision(me(kHigh), them(kLow), State::OpenConfirm, false) ==
        CollisionOutcome::CloseNew);
  CHECK(resolve_collision(me(kHigh), them(kLow), State::OpenConfirm, true) ==
        CollisionOutcome::CloseExisting);
}

TEST_CASE("BGP Identifiers are compared as unsigned 32-bit numbers", "[bgp][fsm]") {
  // 128.0.0.1 is higher than 127.255.255.255 (RFC 4271 §6.8: "as unsigned integers").
  CHECK(resolve_collision(me(0x80000001), them(0x7fffffff), State::OpenConfirm, false) ==
        CollisionOutcome::CloseNew);
  CHECK(resolve_collision(me(0x7fffffff), them(0x80000001), State::OpenConfirm, true) ==
        CollisionOutcome::CloseNew);
}

TEST_CASE("A collision with an Established session always closes the new connection",
          "[bgp][fsm]") {
  auto local = GENERATE(kLow, kHigh);
  auto remote = GENERATE(kLow, kHigh);
  auto outbound = GENERATE(true, false);
  CHECK(resolve_collision(me(local), them(remote), State::Established, outbound) ==
        CollisionOutcome::CloseNew);
}

TEST_CASE("No collision is decided while the other connection has no OPEN yet", "[bgp][fsm]") {
  auto other = GENERATE(State::Idle, State::Connect, State::Active, State::OpenSent);
  auto outbound = GENERATE(true, false);
  CHECK(resolve_collision(me(kLow), them(kHigh), other, outbound) ==
        CollisionOutcome::NoCollision);
  CHECK(resolve_collision(me(kHigh), them(kLow), other, outbound) ==
        CollisionOutcome::NoCollision);
}

TEST_CASE("RFC 6286 §2.3: equal BGP Identifiers keep the connection of the larger AS",
          "[bgp][fsm]") {
  // We are AS 65000, the peer 65001: the peer's AS is larger, so the connection we initiated
  // is closed, whichever is the fresh one.
  CHECK(resolve_collision(me(kLow), them(kLow), State::OpenConfirm, true) ==
        CollisionOutcome::CloseNew);
  CHECK(resolve_collision(me(kLow), them(kLow), State::OpenConfirm, false) ==
        CollisionOutcome::CloseExisting);
  // Our AS is the larger: the connection the peer initiated is closed.
  CHECK(resolve_collision(me(kLow, 65002), them(kLow), State::OpenConfirm, false) ==
        CollisionOutcome::CloseNew);
  CHECK(resolve_collision(me(kLow, 65002), them(kLow), State::OpenConfirm, true) ==
        CollisionOutcome::CloseExisting);
  // 4-octet ASNs compare as numbers too.
  CHECK(resolve_collision(me(kLow, 4200000000u), them(kLow, 65001), State::OpenConfirm,
                          false) == CollisionOutcome::CloseNew);
}

TEST_CASE("Different BGP Identifiers decide before the AS numbers", "[bgp][fsm]") {
  // Our AS is the larger, but our identifier the lower: the identifier rule (RFC 4271 §6.8).
  CHECK(resolve_collision(me(kLow, 65002), them(kHigh), State::OpenConfirm, true) ==
        CollisionOutcome::CloseNew);
}

TEST_CASE("Two FSMs for one peer resolve a collision from the peer's OPEN", "[bgp][fsm]") {
  PeerConfig config;
  config.local_as = 65000;
  config.router_id = kHigh;
  config.peer_as = 65001;

  wire::OpenMessage peer;
  peer.version = 4;
  peer.my_as = 65001;
  peer.hold_time = 90;
  peer.bgp_id = kLow;
  peer.capabilities = {wire::FourOctetAsCap{65001}};

  Fsm outbound(config);
  (void)outbound.handle(ManualStart{false});
  (void)outbound.handle(TcpConnectionConfirmed{});
  (void)outbound.handle(MessageReceived{peer});
  REQUIRE(outbound.state() == State::OpenConfirm);

  Fsm inbound(config);
  (void)inbound.handle(ManualStart{true});
  (void)inbound.handle(TcpConnectionConfirmed{});
  (void)inbound.handle(MessageReceived{peer});
  REQUIRE(inbound.state() == State::OpenConfirm);

  // We (10.0.0.2) are higher: the peer-initiated (inbound) connection loses.
  REQUIRE(inbound.peer_open().has_value());
  const BgpSpeakerId local{config.router_id, config.local_as};
  CHECK(resolve_collision(local,
                          {inbound.peer_open()->bgp_id, inbound.peer_open()->effective_as()},
                          outbound.state(), false) == CollisionOutcome::CloseNew);
  CHECK(resolve_collision(local,
                          {outbound.peer_open()->bgp_id, outbound.peer_open()->effective_as()},
                          inbound.state(), true) == CollisionOutcome::CloseExisting);
}
