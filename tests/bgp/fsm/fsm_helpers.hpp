// Shared helpers of the FSM tests (fsm_test.cpp, fsm_sweep_test.cpp): the peer configuration
// and OPENs of both sides with what negotiating them gives (RFC 4271 §4.2, §6.2), the
// NOTIFICATIONs spelled out from RFC 4271 §4.5 / RFC 6608 / RFC 4486, action comparison and
// printing, and event sequences that reach each RFC 4271 §8.2.2 state.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bgp/fsm/fsm.hpp"

namespace msee::bgp::fsm::test {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Actions = std::vector<Action>;

inline constexpr wire::RouterId kLocalId = 0x0a000001;  // 10.0.0.1
inline constexpr wire::RouterId kPeerId = 0x0a000002;   // 10.0.0.2
inline constexpr wire::Asn kLocalAs = 65000;
inline constexpr wire::Asn kPeerAs = 65001;

inline PeerConfig test_config() {
  PeerConfig c;
  c.local_as = kLocalAs;
  c.router_id = kLocalId;
  c.peer_as = kPeerAs;
  c.hold_time = 90;
  c.connect_retry_time = seconds(120);
  c.idle_hold_time = seconds(5);
  c.max_idle_hold_time = seconds(120);
  // Default capabilities: IPv4 unicast, RR, enhanced RR, 4-octet AS, extended message.
  return c;
}

// The OPEN test_config() must produce, written out by hand (RFC 4271 §4.2, capability order
// as documented in negotiation.hpp).
inline wire::OpenMessage expected_local_open() {
  wire::OpenMessage o;
  o.version = 4;
  o.my_as = 65000;
  o.hold_time = 90;
  o.bgp_id = kLocalId;
  o.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast}, wire::RouteRefreshCap{},
                    wire::EnhancedRouteRefreshCap{}, wire::ExtendedMessageCap{},
                    wire::FourOctetAsCap{kLocalAs}};
  return o;
}

inline wire::OpenMessage peer_open(std::uint16_t hold_time = 90) {
  wire::OpenMessage o;
  o.version = 4;
  o.my_as = 65001;
  o.hold_time = hold_time;
  o.bgp_id = kPeerId;
  o.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast}, wire::RouteRefreshCap{},
                    wire::FourOctetAsCap{kPeerAs}};
  return o;
}

// What negotiation of test_config() with peer_open() gives: min(90, 90) = 90, 90 / 3 = 30,
// 4-octet AS and route refresh on both sides, no enhanced RR or extended message from the peer.
inline Negotiated expected_negotiated() {
  Negotiated n;
  n.peer_as = kPeerAs;
  n.peer_id = kPeerId;
  n.hold_time = 90;
  n.keepalive_time = 30;
  n.four_octet_as = true;
  n.extended_message = false;
  n.route_refresh = true;
  n.enhanced_route_refresh = false;
  n.families = {wire::kIpv4Unicast};
  n.peer_capabilities = peer_open().capabilities;
  return n;
}

// NOTIFICATIONs spelled out as (code, subcode, data) from RFC 4271 §4.5 / RFC 6608 / RFC 4486.
inline const wire::NotificationMessage kHoldTimerExpired{4, 0, {}};
inline const wire::NotificationMessage kFsmErrorOpenSent{5, 1, {}};
inline const wire::NotificationMessage kFsmErrorOpenConfirm{5, 2, {}};
inline const wire::NotificationMessage kFsmErrorEstablished{5, 3, {}};
inline const wire::NotificationMessage kAdminShutdown{6, 2, {}};  // default ManualStop
inline const wire::NotificationMessage kMaxPrefixes{6, 1, {}};    // our AutomaticStop
inline const wire::NotificationMessage kPeerCease{6, 4, {}};      // peer's Administrative Reset
// From the DecodeFailed below.
inline const wire::NotificationMessage kMalformedAsPath{3, 11, {}};

inline wire::DecodeError malformed_as_path() {
  wire::DecodeError e;
  e.code = wire::ErrorCode::UpdateMessageError;
  e.subcode = 11;
  e.offset = 23;
  e.reason = "AS_PATH segment overruns attribute";
  return e;
}

inline const wire::RouteRefreshMessage kRefreshIpv4{wire::kIpv4Unicast,
                                             wire::RouteRefreshSubtype::Normal};

// ---- Action comparison (reason strings are free text and not compared) ------------------

inline bool same(const Action& a, const Action& b) {
  if (a.index() != b.index()) {
    return false;
  }
  if (const auto* x = std::get_if<Send>(&a)) {
    return x->message == std::get<Send>(b).message;
  }
  if (const auto* x = std::get_if<StartTimer>(&a)) {
    const auto& y = std::get<StartTimer>(b);
    return x->which == y.which && x->after == y.after;
  }
  if (const auto* x = std::get_if<StopTimer>(&a)) {
    return x->which == std::get<StopTimer>(b).which;
  }
  if (const auto* x = std::get_if<SessionEstablished>(&a)) {
    return x->negotiated == std::get<SessionEstablished>(b).negotiated;
  }
  if (const auto* x = std::get_if<SessionDown>(&a)) {
    const auto& y = std::get<SessionDown>(b);
    return x->kind == y.kind && x->was_established == y.was_established &&
           x->notification == y.notification;
  }
  if (const auto* x = std::get_if<DeliverRouteRefresh>(&a)) {
    return x->request == std::get<DeliverRouteRefresh>(b).request;
  }
  return true;  // Connect and Disconnect carry nothing
}

inline std::string render(const Actions& actions) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < actions.size(); ++i) {
    out << (i ? ", " : "") << describe(actions[i]);
  }
  out << "]";
  return out.str();
}

inline void check_actions(const Actions& actual, const Actions& expected) {
  INFO("actual:   " << render(actual));
  INFO("expected: " << render(expected));
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO("action #" << i);
    CHECK(same(actual[i], expected[i]));
  }
}

// Short names for the expected tables.
inline Action start(Timer t, milliseconds after) { return StartTimer{t, after}; }
inline Action stop(Timer t) { return StopTimer{t}; }
inline Action send(wire::Message m) { return Send{std::move(m)}; }
inline Action down(SessionDown::Kind k, bool established,
            std::optional<wire::NotificationMessage> n = std::nullopt) {
  SessionDown d;
  d.kind = k;
  d.was_established = established;
  d.notification = std::move(n);
  return d;
}

inline const milliseconds kConnectRetry = seconds(120);
inline const milliseconds kLargeHold = seconds(240);
inline const milliseconds kHold = seconds(90);
inline const milliseconds kKeepalive = seconds(30);
inline const milliseconds kFirstBackoff = seconds(5);
inline const milliseconds kRestartAfter = seconds(30);

// ---- Reaching each state through real event sequences ----------------------------------

inline std::vector<Event> path_to(State s) {
  switch (s) {
    case State::Idle:
      return {};
    case State::Connect:
      return {ManualStart{false}};
    case State::Active:
      // An active speaker whose connection attempt failed waits in Active.
      return {ManualStart{false}, TcpConnectionFails{}};
    case State::OpenSent:
      return {ManualStart{false}, TcpConnectionConfirmed{}};
    case State::OpenConfirm:
      return {ManualStart{false}, TcpConnectionConfirmed{}, MessageReceived{peer_open()}};
    case State::Established:
      return {ManualStart{false}, TcpConnectionConfirmed{}, MessageReceived{peer_open()},
              MessageReceived{wire::KeepaliveMessage{}}};
  }
  return {};
}

inline Fsm fsm_in(State s, PeerConfig config = test_config()) {
  Fsm f(std::move(config));
  for (const auto& e : path_to(s)) {
    (void)f.handle(e);
  }
  REQUIRE(f.state() == s);
  return f;
}
using K = SessionDown::Kind;
using T = Timer;

}  // namespace msee::bgp::fsm::test
