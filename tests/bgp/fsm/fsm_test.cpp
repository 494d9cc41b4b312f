// Tests for the pure BGP FSM (RFC 4271 §8.2.2, RFC 6608, RFC 2918 §4): the happy paths in
// both connection modes, the IdleHold back-off, AutomaticStop restarts, stale timer events,
// UPDATEs as Event 27 and the log descriptions. The exhaustive State × Event sweep is
// fsm_sweep_test.cpp; the shared helpers are fsm_helpers.hpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bgp/fsm/fsm.hpp"
#include "fsm_helpers.hpp"

using namespace msee::bgp;
using namespace msee::bgp::fsm;
using namespace msee::bgp::fsm::test;

TEST_CASE("An active start reaches Established with the exact RFC 4271 action sequence",
          "[bgp][fsm]") {
  Fsm f(test_config());
  CHECK(f.state() == State::Idle);

  check_actions(f.handle(ManualStart{false}),
                {Connect{}, start(T::ConnectRetry, kConnectRetry)});
  CHECK(f.state() == State::Connect);

  check_actions(f.handle(TcpConnectionConfirmed{}),
                {stop(T::ConnectRetry), send(expected_local_open()), start(T::Hold, kLargeHold)});
  CHECK(f.state() == State::OpenSent);
  CHECK_FALSE(f.peer_open().has_value());

  check_actions(f.handle(MessageReceived{peer_open()}),
                {send(wire::KeepaliveMessage{}), start(T::Keepalive, kKeepalive),
                 start(T::Hold, kHold)});
  CHECK(f.state() == State::OpenConfirm);
  REQUIRE(f.peer_open().has_value());
  CHECK(*f.peer_open() == peer_open());

  check_actions(f.handle(MessageReceived{wire::KeepaliveMessage{}}),
                {start(T::Hold, kHold), SessionEstablished{expected_negotiated()}});
  CHECK(f.state() == State::Established);
  REQUIRE(f.negotiated().has_value());
  CHECK(*f.negotiated() == expected_negotiated());
  CHECK(f.failures() == 0);
}

TEST_CASE("A passive start listens in Active and reaches Established on an inbound connection",
          "[bgp][fsm]") {
  Fsm f(test_config());
  check_actions(f.handle(ManualStart{true}), {start(T::ConnectRetry, kConnectRetry)});
  CHECK(f.state() == State::Active);

  SECTION("the ConnectRetryTimer only re-arms: a passive peer never connects") {
    check_actions(f.handle(TimerExpired{Timer::ConnectRetry}),
                  {start(T::ConnectRetry, kConnectRetry)});
    CHECK(f.state() == State::Active);
  }

  check_actions(f.handle(TcpConnectionConfirmed{}),
                {stop(T::ConnectRetry), send(expected_local_open()), start(T::Hold, kLargeHold)});
  CHECK(f.state() == State::OpenSent);
  check_actions(f.handle(MessageReceived{peer_open()}),
                {send(wire::KeepaliveMessage{}), start(T::Keepalive, kKeepalive),
                 start(T::Hold, kHold)});
  check_actions(f.handle(MessageReceived{wire::KeepaliveMessage{}}),
                {start(T::Hold, kHold), SessionEstablished{expected_negotiated()}});
  CHECK(f.state() == State::Established);
}

TEST_CASE("A passive peer configuration makes a plain ManualStart passive", "[bgp][fsm]") {
  auto config = test_config();
  config.passive = true;
  Fsm f(config);
  check_actions(f.handle(ManualStart{false}), {start(T::ConnectRetry, kConnectRetry)});
  CHECK(f.state() == State::Active);
}

TEST_CASE("A negotiated hold time of zero runs neither hold nor keepalive timers",
          "[bgp][fsm]") {
  Fsm f = fsm_in(State::OpenSent);
  // RFC 4271 §4.2: the peer offers 0, min(90, 0) = 0; the 4-minute OpenSent timer is stopped.
  check_actions(f.handle(MessageReceived{peer_open(0)}),
                {send(wire::KeepaliveMessage{}), stop(T::Hold)});
  CHECK(f.state() == State::OpenConfirm);
  REQUIRE(f.negotiated().has_value());
  CHECK(f.negotiated()->hold_time == 0);
  CHECK(f.negotiated()->keepalive_time == 0);

  auto negotiated = expected_negotiated();
  negotiated.hold_time = 0;
  negotiated.keepalive_time = 0;
  negotiated.peer_capabilities = peer_open(0).capabilities;
  check_actions(f.handle(MessageReceived{wire::KeepaliveMessage{}}),
                {SessionEstablished{negotiated}});
  CHECK(f.state() == State::Established);

  check_actions(f.handle(MessageReceived{wire::KeepaliveMessage{}}), {});
  check_actions(f.handle(UpdateReceived{}), {});
  // No timers run, so any expiry is stale.
  check_actions(f.handle(TimerExpired{Timer::Hold}), {});
  check_actions(f.handle(TimerExpired{Timer::Keepalive}), {});
  CHECK(f.state() == State::Established);
}

TEST_CASE("An OPEN that fails negotiation is answered with its NOTIFICATION and a back-off",
          "[bgp][fsm]") {
  Fsm f = fsm_in(State::OpenSent);
  auto bad = peer_open();
  bad.hold_time = 2;  // RFC 4271 §6.2: Unacceptable Hold Time
  const wire::NotificationMessage n{2, 6, {}};
  check_actions(f.handle(MessageReceived{bad}),
                {send(n), Disconnect{}, stop(T::Hold), down(K::NotificationSent, false, n),
                 start(T::IdleHold, kFirstBackoff)});
  CHECK(f.state() == State::Idle);
  CHECK_FALSE(f.peer_open().has_value());
  CHECK_FALSE(f.negotiated().has_value());
  CHECK(f.failures() == 1);
}

TEST_CASE("A version error NOTIFICATION in OpenSent or OpenConfirm does not grow the back-off",
          "[bgp][fsm]") {
  const wire::NotificationMessage version_error{2, 1, {0, 4}};
  auto state = GENERATE(State::OpenSent, State::OpenConfirm);
  Fsm f = fsm_in(state);
  const auto actions = f.handle(MessageReceived{version_error});
  CHECK(f.state() == State::Idle);
  // RFC 4271 §8.2.2 Event 24: no ConnectRetryCounter increment, so no damping step either.
  CHECK(f.failures() == 0);
  CHECK(f.idle_hold() == kFirstBackoff);
  REQUIRE_FALSE(actions.empty());
  CHECK(same(actions.back(), start(T::IdleHold, kFirstBackoff)));
  CHECK(same(actions.front(), Disconnect{}));
}

TEST_CASE("The IdleHold back-off doubles per consecutive failure up to the maximum",
          "[bgp][fsm]") {
  Fsm f(test_config());
  (void)f.handle(ManualStart{false});
  const std::vector<seconds> expected = {seconds(5),  seconds(10), seconds(20), seconds(40),
                                         seconds(80), seconds(120), seconds(120)};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("failure #" << i + 1);
    (void)f.handle(TcpConnectionConfirmed{});
    REQUIRE(f.state() == State::OpenSent);
    const auto actions = f.handle(MessageReceived{kPeerCease});
    REQUIRE(f.state() == State::Idle);
    CHECK(f.failures() == i + 1);
    CHECK(f.idle_hold() == expected[i]);
    REQUIRE_FALSE(actions.empty());
    CHECK(same(actions.back(), start(T::IdleHold, expected[i])));
    // The automatic restart starts like the last ManualStart (active).
    check_actions(f.handle(TimerExpired{Timer::IdleHold}),
                  {Connect{}, start(T::ConnectRetry, kConnectRetry)});
    REQUIRE(f.state() == State::Connect);
  }

  SECTION("reaching Established resets the failure count and the back-off") {
    (void)f.handle(TcpConnectionConfirmed{});
    (void)f.handle(MessageReceived{peer_open()});
    (void)f.handle(MessageReceived{wire::KeepaliveMessage{}});
    REQUIRE(f.state() == State::Established);
    CHECK(f.failures() == 0);
    CHECK(f.idle_hold() == kFirstBackoff);
    const auto actions = f.handle(TimerExpired{Timer::Hold});
    CHECK(f.failures() == 1);
    CHECK(same(actions.back(), start(T::IdleHold, kFirstBackoff)));
  }
}

TEST_CASE("An automatic restart after a failure keeps the passive mode of the last ManualStart",
          "[bgp][fsm]") {
  Fsm f(test_config());
  (void)f.handle(ManualStart{true});
  (void)f.handle(TcpConnectionConfirmed{});
  (void)f.handle(TimerExpired{Timer::Hold});
  REQUIRE(f.state() == State::Idle);
  check_actions(f.handle(TimerExpired{Timer::IdleHold}), {start(T::ConnectRetry, kConnectRetry)});
  CHECK(f.state() == State::Active);
}

TEST_CASE("A ManualStart during a pending automatic restart starts at once", "[bgp][fsm]") {
  Fsm f = fsm_in(State::Established);
  (void)f.handle(TcpConnectionFails{});
  REQUIRE(f.state() == State::Idle);
  check_actions(f.handle(ManualStart{false}),
                {stop(T::IdleHold), Connect{}, start(T::ConnectRetry, kConnectRetry)});
  CHECK(f.state() == State::Connect);
  // The cancelled IdleHold may still fire in the I/O layer: it is stale now.
  check_actions(f.handle(TimerExpired{Timer::IdleHold}), {});
  CHECK(f.state() == State::Connect);
}

TEST_CASE("A ManualStop in Idle cancels a pending automatic restart", "[bgp][fsm]") {
  Fsm f = fsm_in(State::OpenSent);
  (void)f.handle(TimerExpired{Timer::Hold});
  REQUIRE(f.state() == State::Idle);
  check_actions(f.handle(ManualStop{}), {stop(T::IdleHold)});
  check_actions(f.handle(TimerExpired{Timer::IdleHold}), {});
  CHECK(f.state() == State::Idle);
}

TEST_CASE("AutomaticStop restarts after restart_after, not after the back-off", "[bgp][fsm]") {
  Fsm f = fsm_in(State::Established);
  const wire::NotificationMessage bfd_down{6, 10, {}};

  SECTION("a positive restart_after arms IdleHold with exactly that value") {
    check_actions(f.handle(AutomaticStop{bfd_down, seconds(60)}),
                  {send(bfd_down), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
                   down(K::AutomaticStop, true, bfd_down), start(T::IdleHold, seconds(60))});
    CHECK(f.state() == State::Idle);
    CHECK(f.failures() == 0);
    CHECK(f.idle_hold() == kFirstBackoff);
    check_actions(f.handle(TimerExpired{Timer::IdleHold}),
                  {Connect{}, start(T::ConnectRetry, kConnectRetry)});
    CHECK(f.state() == State::Connect);
  }

  SECTION("restart_after zero stays Idle until a ManualStart") {
    check_actions(f.handle(AutomaticStop{bfd_down, milliseconds(0)}),
                  {send(bfd_down), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
                   down(K::AutomaticStop, true, bfd_down)});
    CHECK(f.state() == State::Idle);
    check_actions(f.handle(TimerExpired{Timer::IdleHold}), {});
    CHECK(f.state() == State::Idle);
    check_actions(f.handle(ManualStart{false}),
                  {Connect{}, start(T::ConnectRetry, kConnectRetry)});
    CHECK(f.state() == State::Connect);
  }
}

TEST_CASE("ManualStop sends the NOTIFICATION it carries and never restarts", "[bgp][fsm]") {
  Fsm f = fsm_in(State::Established);
  const auto reset = wire::NotificationMessage::cease(wire::CeaseSubcode::AdministrativeReset,
                                                      "maintenance");
  // RFC 9003 §2: Cease/Administrative Reset with a length-prefixed UTF-8 communication.
  const wire::NotificationMessage expected{
      6, 4, {11, 'm', 'a', 'i', 'n', 't', 'e', 'n', 'a', 'n', 'c', 'e'}};
  REQUIRE(reset == expected);
  check_actions(f.handle(ManualStop{reset}),
                {send(expected), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
                 down(K::ManualStop, true, expected)});
  CHECK(f.state() == State::Idle);
  check_actions(f.handle(TimerExpired{Timer::IdleHold}), {});
  CHECK(f.state() == State::Idle);
}

TEST_CASE("ROUTE-REFRESH that was not negotiated is ignored in Established", "[bgp][fsm]") {
  SECTION("the peer did not advertise the capability") {
    Fsm f = fsm_in(State::OpenSent);
    auto open = peer_open();
    open.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast},
                         wire::FourOctetAsCap{kPeerAs}};
    (void)f.handle(MessageReceived{open});
    (void)f.handle(MessageReceived{wire::KeepaliveMessage{}});
    REQUIRE(f.state() == State::Established);
    REQUIRE_FALSE(f.negotiated()->route_refresh);
    check_actions(f.handle(MessageReceived{kRefreshIpv4}), {});
    CHECK(f.state() == State::Established);
  }
  SECTION("the AFI/SAFI was not negotiated (RFC 2918 §4)") {
    Fsm f = fsm_in(State::Established);
    const wire::RouteRefreshMessage v6{wire::kIpv6Unicast, wire::RouteRefreshSubtype::Normal};
    check_actions(f.handle(MessageReceived{v6}), {});
    CHECK(f.state() == State::Established);
  }
}

TEST_CASE("An UPDATE in Established restarts only the HoldTimer and carries no message",
          "[bgp][fsm]") {
  // RFC 4271 §8.2.2 Established, Event 27. The FSM is told that an UPDATE arrived; the UPDATE
  // itself stays with the I/O layer, which hands it to the RIB while the session is
  // Established, so no action refers to it.
  Fsm f = fsm_in(State::Established);
  for (int i = 0; i < 3; ++i) {
    INFO("UPDATE #" << i + 1);
    check_actions(f.handle(UpdateReceived{}), {start(T::Hold, kHold)});
    CHECK(f.state() == State::Established);
  }
  // The KeepaliveTimer kept running: its expiry still sends a KEEPALIVE.
  check_actions(f.handle(TimerExpired{Timer::Keepalive}),
                {send(wire::KeepaliveMessage{}), start(T::Keepalive, kKeepalive)});
  CHECK(f.failures() == 0);
}

TEST_CASE("An UPDATE before Established is an FSM Error whose reason names the state",
          "[bgp][fsm]") {
  // RFC 4271 §8.2.2 OpenSent/OpenConfirm, Event 27; RFC 6608 §4 subcodes 1 and 2.
  const auto state = GENERATE(State::OpenSent, State::OpenConfirm);
  Fsm f = fsm_in(state);
  const auto actions = f.handle(UpdateReceived{});
  CHECK(f.state() == State::Idle);
  const SessionDown* d = nullptr;
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<SessionDown>(&a)) {
      d = x;
    }
  }
  REQUIRE(d != nullptr);
  CHECK(d->kind == K::NotificationSent);
  CHECK(d->reason == std::string("unexpected UPDATE in ") + to_string(state));
  REQUIRE(d->notification.has_value());
  CHECK(d->notification->code == 5);
  CHECK(d->notification->subcode == (state == State::OpenSent ? 1 : 2));
}

TEST_CASE("A timer expiry that raced with its StopTimer is ignored", "[bgp][fsm]") {
  // Connect → OpenSent stops the ConnectRetryTimer; its expiry may still be queued.
  Fsm f = fsm_in(State::OpenSent);
  check_actions(f.handle(TimerExpired{Timer::ConnectRetry}), {});
  CHECK(f.state() == State::OpenSent);

  // After a hold expiry took the session down, a queued keepalive expiry does nothing.
  Fsm g = fsm_in(State::Established);
  (void)g.handle(TimerExpired{Timer::Hold});
  REQUIRE(g.state() == State::Idle);
  check_actions(g.handle(TimerExpired{Timer::Keepalive}), {});
  check_actions(g.handle(TimerExpired{Timer::Hold}), {});
  CHECK(g.state() == State::Idle);
}

TEST_CASE("A new connection clears the previous session's OPEN and negotiation", "[bgp][fsm]") {
  Fsm f = fsm_in(State::Established);
  (void)f.handle(TcpConnectionFails{});
  (void)f.handle(TimerExpired{Timer::IdleHold});
  (void)f.handle(TcpConnectionConfirmed{});
  REQUIRE(f.state() == State::OpenSent);
  CHECK_FALSE(f.peer_open().has_value());
  CHECK_FALSE(f.negotiated().has_value());
}

TEST_CASE("describe and to_string name events, actions, states and timers for logs",
          "[bgp][fsm]") {
  CHECK(std::string(to_string(State::OpenConfirm)) == "OpenConfirm");
  CHECK(std::string(to_string(Timer::IdleHold)) == "IdleHold");
  CHECK(describe(Event{TimerExpired{Timer::Hold}}) == "TimerExpired(Hold)");
  CHECK(describe(Event{ManualStart{true}}) == "ManualStart(passive)");
  CHECK(describe(Event{TcpConnectionConfirmed{}}) == "TcpConnectionConfirmed");
  CHECK(describe(Event{UpdateReceived{}}) == "UpdateReceived");
  CHECK(describe(Action{StartTimer{Timer::Hold, seconds(240)}}) == "StartTimer(Hold, 240 s)");
  CHECK(describe(Action{StopTimer{Timer::ConnectRetry}}) == "StopTimer(ConnectRetry)");
  CHECK(describe(Action{Send{wire::KeepaliveMessage{}}}) == "Send(KEEPALIVE)");
  CHECK(describe(Action{Disconnect{}}) == "Disconnect");
  CHECK(describe(Action{DeliverRouteRefresh{kRefreshIpv4}}) ==
        "DeliverRouteRefresh(ROUTE-REFRESH ipv4-unicast subtype 0)");
  // Free-text parts come from the wire module; only check that they are there.
  CHECK_THAT(describe(Event{MessageReceived{kPeerCease}}),
             Catch::StartsWith("MessageReceived(NOTIFICATION "));
  CHECK_THAT(describe(Event{DecodeFailed{malformed_as_path()}}),
             Catch::Contains("AS_PATH segment overruns attribute"));
  SessionDown d;
  d.kind = SessionDown::Kind::HoldTimerExpired;
  d.was_established = true;
  d.reason = "hold timer expired (90 s)";
  CHECK_THAT(describe(Action{d}), Catch::StartsWith("SessionDown(HoldTimerExpired") &&
                                      Catch::Contains("hold timer expired (90 s)"));
}

TEST_CASE("SessionDown carries a reason line for every teardown", "[bgp][fsm]") {
  Fsm f = fsm_in(State::Established);
  const auto actions = f.handle(TimerExpired{Timer::Hold});
  const SessionDown* d = nullptr;
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<SessionDown>(&a)) {
      d = x;
    }
  }
  REQUIRE(d != nullptr);
  CHECK(d->reason == "hold timer expired (90 s)");
}
