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

}  // namespace

TEST_CASE("With a lower local BGP Identifier the connection we initiated is closed",
          "[bgp][fsm]") {
  // The fresh connection is ours (outbound): it is the one to close.
  CHECK(resolve_collision(kLow, kHigh, State::OpenConfirm, true) == CollisionOutcome::CloseNew);
  // The fresh connection is the peer's: the existing one is ours, close that.
  CHECK(resolve_collision(kLow, kHigh, State::OpenConfirm, false) ==
        CollisionOutcome::CloseExisting);
}

TEST_CASE("With a higher local BGP Identifier the connection the peer initiated is closed",
          "[bgp][fsm]") {
  CHECK(resolve_collision(kHigh, kLow, State::OpenConfirm, false) ==
        CollisionOutcome::CloseNew);
  CHECK(resolve_collision(kHigh, kLow, State::OpenConfirm, true) ==
        CollisionOutcome::CloseExisting);
}

TEST_CASE("BGP Identifiers are compared as unsigned 32-bit numbers", "[bgp][fsm]") {
  // 128.0.0.1 is higher than 127.255.255.255 (RFC 4271 §6.8: "as unsigned integers").
  CHECK(resolve_collision(0x80000001, 0x7fffffff, State::OpenConfirm, false) ==
        CollisionOutcome::CloseNew);
  CHECK(resolve_collision(0x7fffffff, 0x80000001, State::OpenConfirm, true) ==
        CollisionOutcome::CloseNew);
}

TEST_CASE("A collision with an Established session always closes the new connection",
          "[bgp][fsm]") {
  auto local = GENERATE(kLow, kHigh);
  auto remote = GENERATE(kLow, kHigh);
  auto outbound = GENERATE(true, false);
  CHECK(resolve_collision(local, remote, State::Established, outbound) ==
        CollisionOutcome::CloseNew);
}

TEST_CASE("No collision is decided while the other connection has no OPEN yet", "[bgp][fsm]") {
  auto other = GENERATE(State::Idle, State::Connect, State::Active, State::OpenSent);
  auto outbound = GENERATE(true, false);
  CHECK(resolve_collision(kLow, kHigh, other, outbound) == CollisionOutcome::NoCollision);
  CHECK(resolve_collision(kHigh, kLow, other, outbound) == CollisionOutcome::NoCollision);
}

TEST_CASE("Equal BGP Identifiers close the connection the peer initiated", "[bgp][fsm]") {
  // collision.hpp: without AS numbers the RFC 6286 §2.3 tie-break is not available; the
  // "local is not lower" branch applies.
  CHECK(resolve_collision(kLow, kLow, State::OpenConfirm, false) == CollisionOutcome::CloseNew);
  CHECK(resolve_collision(kLow, kLow, State::OpenConfirm, true) ==
        CollisionOutcome::CloseExisting);
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
  CHECK(resolve_collision(config.router_id, inbound.peer_open()->bgp_id, outbound.state(),
                          false) == CollisionOutcome::CloseNew);
  CHECK(resolve_collision(config.router_id, outbound.peer_open()->bgp_id, inbound.state(),
                          true) == CollisionOutcome::CloseExisting);
}
