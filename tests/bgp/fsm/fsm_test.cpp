// Tests for the pure BGP FSM (RFC 4271 §8.2.2, RFC 6608, RFC 2918 §4): an exhaustive
// State × Event sweep against a table written from the RFC, the happy paths in both
// connection modes, the IdleHold back-off, AutomaticStop restarts and stale timer events.
#include "bgp/fsm/fsm.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace msee::bgp;
using namespace msee::bgp::fsm;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Actions = std::vector<Action>;

constexpr wire::RouterId kLocalId = 0x0a000001;  // 10.0.0.1
constexpr wire::RouterId kPeerId = 0x0a000002;   // 10.0.0.2
constexpr wire::Asn kLocalAs = 65000;
constexpr wire::Asn kPeerAs = 65001;

PeerConfig test_config() {
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
wire::OpenMessage expected_local_open() {
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

wire::OpenMessage peer_open(std::uint16_t hold_time = 90) {
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
Negotiated expected_negotiated() {
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
const wire::NotificationMessage kHoldTimerExpired{4, 0, {}};
const wire::NotificationMessage kFsmErrorOpenSent{5, 1, {}};
const wire::NotificationMessage kFsmErrorOpenConfirm{5, 2, {}};
const wire::NotificationMessage kFsmErrorEstablished{5, 3, {}};
const wire::NotificationMessage kAdminShutdown{6, 2, {}};     // default ManualStop
const wire::NotificationMessage kMaxPrefixes{6, 1, {}};       // our AutomaticStop
const wire::NotificationMessage kPeerCease{6, 4, {}};         // peer's Administrative Reset
const wire::NotificationMessage kMalformedAsPath{3, 11, {}};  // from the DecodeFailed below

wire::DecodeError malformed_as_path() {
  wire::DecodeError e;
  e.code = wire::ErrorCode::UpdateMessageError;
  e.subcode = 11;
  e.offset = 23;
  e.reason = "AS_PATH segment overruns attribute";
  return e;
}

const wire::RouteRefreshMessage kRefreshIpv4{wire::kIpv4Unicast,
                                             wire::RouteRefreshSubtype::Normal};

// ---- Action comparison (reason strings are free text and not compared) ------------------

bool same(const Action& a, const Action& b) {
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
  return true;  // Connect, Disconnect, DeliverUpdate carry nothing
}

std::string render(const Actions& actions) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < actions.size(); ++i) {
    out << (i ? ", " : "") << describe(actions[i]);
  }
  out << "]";
  return out.str();
}

void check_actions(const Actions& actual, const Actions& expected) {
  INFO("actual:   " << render(actual));
  INFO("expected: " << render(expected));
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO("action #" << i);
    CHECK(same(actual[i], expected[i]));
  }
}

// Short names for the expected tables.
Action start(Timer t, milliseconds after) { return StartTimer{t, after}; }
Action stop(Timer t) { return StopTimer{t}; }
Action send(wire::Message m) { return Send{std::move(m)}; }
Action down(SessionDown::Kind k, bool established,
            std::optional<wire::NotificationMessage> n = std::nullopt) {
  SessionDown d;
  d.kind = k;
  d.was_established = established;
  d.notification = std::move(n);
  return d;
}

const milliseconds kConnectRetry = seconds(120);
const milliseconds kLargeHold = seconds(240);
const milliseconds kHold = seconds(90);
const milliseconds kKeepalive = seconds(30);
const milliseconds kFirstBackoff = seconds(5);
const milliseconds kRestartAfter = seconds(30);

// ---- Reaching each state through real event sequences ----------------------------------

std::vector<Event> path_to(State s) {
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

Fsm fsm_in(State s, PeerConfig config = test_config()) {
  Fsm f(std::move(config));
  for (const auto& e : path_to(s)) {
    (void)f.handle(e);
  }
  REQUIRE(f.state() == s);
  return f;
}

// ---- The sweep table --------------------------------------------------------------------

enum class Ev {
  ManualStart,
  ManualStop,
  AutomaticStop,
  TcpConnectionConfirmed,
  TcpConnectionFails,
  ConnectRetryExpires,
  HoldExpires,
  KeepaliveExpires,
  IdleHoldExpires,
  Open,
  Keepalive,
  Update,
  Notification,
  RouteRefresh,
  DecodeFailed,
};

Event make_event(Ev e) {
  switch (e) {
    case Ev::ManualStart:
      return ManualStart{false};
    case Ev::ManualStop:
      return ManualStop{};
    case Ev::AutomaticStop:
      return AutomaticStop{kMaxPrefixes, kRestartAfter};
    case Ev::TcpConnectionConfirmed:
      return TcpConnectionConfirmed{};
    case Ev::TcpConnectionFails:
      return TcpConnectionFails{};
    case Ev::ConnectRetryExpires:
      return TimerExpired{Timer::ConnectRetry};
    case Ev::HoldExpires:
      return TimerExpired{Timer::Hold};
    case Ev::KeepaliveExpires:
      return TimerExpired{Timer::Keepalive};
    case Ev::IdleHoldExpires:
      return TimerExpired{Timer::IdleHold};
    case Ev::Open:
      return MessageReceived{peer_open()};
    case Ev::Keepalive:
      return MessageReceived{wire::KeepaliveMessage{}};
    case Ev::Update:
      return MessageReceived{wire::UpdateMessage{}};
    case Ev::Notification:
      return MessageReceived{kPeerCease};
    case Ev::RouteRefresh:
      return MessageReceived{kRefreshIpv4};
    case Ev::DecodeFailed:
      return DecodeFailed{malformed_as_path()};
  }
  return ManualStart{};
}

struct Row {
  State from;
  Ev event;
  State to;
  Actions actions;
};

using K = SessionDown::Kind;
using T = Timer;

// Written from RFC 4271 §8.2.2 (with the documented deviations of fsm.cpp: Connect/Active
// stay in Active on TCP failure, stale timers are ignored), RFC 6608 §4 and RFC 2918 §4.
std::vector<Row> sweep_table() {
  const wire::Message keepalive = wire::KeepaliveMessage{};
  // Leaving a session state because of an error: the back-off restart comes last.
  const Action backoff = start(T::IdleHold, kFirstBackoff);
  // Connect/Active receiving anything from a connection they cannot have.
  const Actions no_session_error = {Disconnect{}, stop(T::ConnectRetry), backoff};

  std::vector<Row> rows = {
      // ---- Idle: only a start does anything; connections are refused.
      {State::Idle, Ev::ManualStart, State::Connect,
       {Connect{}, start(T::ConnectRetry, kConnectRetry)}},
      {State::Idle, Ev::ManualStop, State::Idle, {}},
      {State::Idle, Ev::AutomaticStop, State::Idle, {}},
      {State::Idle, Ev::TcpConnectionConfirmed, State::Idle, {Disconnect{}}},
      {State::Idle, Ev::TcpConnectionFails, State::Idle, {}},
      {State::Idle, Ev::ConnectRetryExpires, State::Idle, {}},
      {State::Idle, Ev::HoldExpires, State::Idle, {}},
      {State::Idle, Ev::KeepaliveExpires, State::Idle, {}},
      {State::Idle, Ev::IdleHoldExpires, State::Idle, {}},  // no restart pending
      {State::Idle, Ev::Open, State::Idle, {}},
      {State::Idle, Ev::Keepalive, State::Idle, {}},
      {State::Idle, Ev::Update, State::Idle, {}},
      {State::Idle, Ev::Notification, State::Idle, {}},
      {State::Idle, Ev::RouteRefresh, State::Idle, {}},
      {State::Idle, Ev::DecodeFailed, State::Idle, {}},

      // ---- Connect: ConnectRetryTimer running, outbound attempt in flight.
      {State::Connect, Ev::ManualStart, State::Connect, {}},
      {State::Connect, Ev::ManualStop, State::Idle, {Disconnect{}, stop(T::ConnectRetry)}},
      {State::Connect, Ev::AutomaticStop, State::Idle,
       {Disconnect{}, stop(T::ConnectRetry), start(T::IdleHold, kRestartAfter)}},
      {State::Connect, Ev::TcpConnectionConfirmed, State::OpenSent,
       {stop(T::ConnectRetry), send(expected_local_open()), start(T::Hold, kLargeHold)}},
      {State::Connect, Ev::TcpConnectionFails, State::Active,
       {start(T::ConnectRetry, kConnectRetry)}},
      {State::Connect, Ev::ConnectRetryExpires, State::Connect,
       {Disconnect{}, Connect{}, start(T::ConnectRetry, kConnectRetry)}},
      {State::Connect, Ev::HoldExpires, State::Connect, {}},
      {State::Connect, Ev::KeepaliveExpires, State::Connect, {}},
      {State::Connect, Ev::IdleHoldExpires, State::Connect, {}},
      {State::Connect, Ev::Open, State::Idle, no_session_error},
      {State::Connect, Ev::Keepalive, State::Idle, no_session_error},
      {State::Connect, Ev::Update, State::Idle, no_session_error},
      {State::Connect, Ev::Notification, State::Idle, no_session_error},
      {State::Connect, Ev::RouteRefresh, State::Idle, no_session_error},
      {State::Connect, Ev::DecodeFailed, State::Idle, no_session_error},

      // ---- Active: listening, ConnectRetryTimer running, no connection.
      {State::Active, Ev::ManualStart, State::Active, {}},
      {State::Active, Ev::ManualStop, State::Idle, {stop(T::ConnectRetry)}},
      {State::Active, Ev::AutomaticStop, State::Idle,
       {stop(T::ConnectRetry), start(T::IdleHold, kRestartAfter)}},
      {State::Active, Ev::TcpConnectionConfirmed, State::OpenSent,
       {stop(T::ConnectRetry), send(expected_local_open()), start(T::Hold, kLargeHold)}},
      {State::Active, Ev::TcpConnectionFails, State::Active,
       {start(T::ConnectRetry, kConnectRetry)}},
      {State::Active, Ev::ConnectRetryExpires, State::Connect,
       {Connect{}, start(T::ConnectRetry, kConnectRetry)}},
      {State::Active, Ev::HoldExpires, State::Active, {}},
      {State::Active, Ev::KeepaliveExpires, State::Active, {}},
      {State::Active, Ev::IdleHoldExpires, State::Active, {}},
      {State::Active, Ev::Open, State::Idle, no_session_error},
      {State::Active, Ev::Keepalive, State::Idle, no_session_error},
      {State::Active, Ev::Update, State::Idle, no_session_error},
      {State::Active, Ev::Notification, State::Idle, no_session_error},
      {State::Active, Ev::RouteRefresh, State::Idle, no_session_error},
      {State::Active, Ev::DecodeFailed, State::Idle, no_session_error},

      // ---- OpenSent: our OPEN is out, the 4-minute HoldTimer runs.
      {State::OpenSent, Ev::ManualStart, State::OpenSent, {}},
      {State::OpenSent, Ev::ManualStop, State::Idle,
       {send(kAdminShutdown), Disconnect{}, stop(T::Hold),
        down(K::ManualStop, false, kAdminShutdown)}},
      {State::OpenSent, Ev::AutomaticStop, State::Idle,
       {send(kMaxPrefixes), Disconnect{}, stop(T::Hold),
        down(K::AutomaticStop, false, kMaxPrefixes), start(T::IdleHold, kRestartAfter)}},
      {State::OpenSent, Ev::TcpConnectionConfirmed, State::OpenSent, {}},
      {State::OpenSent, Ev::TcpConnectionFails, State::Active,
       {Disconnect{}, stop(T::Hold), down(K::TransportClosed, false),
        start(T::ConnectRetry, kConnectRetry)}},
      {State::OpenSent, Ev::ConnectRetryExpires, State::OpenSent, {}},
      {State::OpenSent, Ev::HoldExpires, State::Idle,
       {send(kHoldTimerExpired), Disconnect{}, down(K::HoldTimerExpired, false, kHoldTimerExpired),
        backoff}},
      {State::OpenSent, Ev::KeepaliveExpires, State::OpenSent, {}},
      {State::OpenSent, Ev::IdleHoldExpires, State::OpenSent, {}},
      {State::OpenSent, Ev::Open, State::OpenConfirm,
       {send(keepalive), start(T::Keepalive, kKeepalive), start(T::Hold, kHold)}},
      {State::OpenSent, Ev::Keepalive, State::Idle,
       {send(kFsmErrorOpenSent), Disconnect{}, stop(T::Hold),
        down(K::NotificationSent, false, kFsmErrorOpenSent), backoff}},
      {State::OpenSent, Ev::Update, State::Idle,
       {send(kFsmErrorOpenSent), Disconnect{}, stop(T::Hold),
        down(K::NotificationSent, false, kFsmErrorOpenSent), backoff}},
      {State::OpenSent, Ev::Notification, State::Idle,
       {Disconnect{}, stop(T::Hold), down(K::NotificationReceived, false, kPeerCease), backoff}},
      {State::OpenSent, Ev::RouteRefresh, State::Idle,
       {send(kFsmErrorOpenSent), Disconnect{}, stop(T::Hold),
        down(K::NotificationSent, false, kFsmErrorOpenSent), backoff}},
      {State::OpenSent, Ev::DecodeFailed, State::Idle,
       {send(kMalformedAsPath), Disconnect{}, stop(T::Hold),
        down(K::NotificationSent, false, kMalformedAsPath), backoff}},

      // ---- OpenConfirm: KEEPALIVE sent, Hold (90 s) and Keepalive (30 s) timers run.
      {State::OpenConfirm, Ev::ManualStart, State::OpenConfirm, {}},
      {State::OpenConfirm, Ev::ManualStop, State::Idle,
       {send(kAdminShutdown), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::ManualStop, false, kAdminShutdown)}},
      {State::OpenConfirm, Ev::AutomaticStop, State::Idle,
       {send(kMaxPrefixes), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::AutomaticStop, false, kMaxPrefixes), start(T::IdleHold, kRestartAfter)}},
      {State::OpenConfirm, Ev::TcpConnectionConfirmed, State::OpenConfirm, {}},
      {State::OpenConfirm, Ev::TcpConnectionFails, State::Idle,
       {Disconnect{}, stop(T::Hold), stop(T::Keepalive), down(K::TransportClosed, false),
        backoff}},
      {State::OpenConfirm, Ev::ConnectRetryExpires, State::OpenConfirm, {}},
      {State::OpenConfirm, Ev::HoldExpires, State::Idle,
       {send(kHoldTimerExpired), Disconnect{}, stop(T::Keepalive),
        down(K::HoldTimerExpired, false, kHoldTimerExpired), backoff}},
      {State::OpenConfirm, Ev::KeepaliveExpires, State::OpenConfirm,
       {send(keepalive), start(T::Keepalive, kKeepalive)}},
      {State::OpenConfirm, Ev::IdleHoldExpires, State::OpenConfirm, {}},
      {State::OpenConfirm, Ev::Open, State::Idle,
       {send(kFsmErrorOpenConfirm), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::NotificationSent, false, kFsmErrorOpenConfirm), backoff}},
      {State::OpenConfirm, Ev::Keepalive, State::Established,
       {start(T::Hold, kHold), SessionEstablished{expected_negotiated()}}},
      {State::OpenConfirm, Ev::Update, State::Idle,
       {send(kFsmErrorOpenConfirm), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::NotificationSent, false, kFsmErrorOpenConfirm), backoff}},
      {State::OpenConfirm, Ev::Notification, State::Idle,
       {Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::NotificationReceived, false, kPeerCease), backoff}},
      {State::OpenConfirm, Ev::RouteRefresh, State::Idle,
       {send(kFsmErrorOpenConfirm), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::NotificationSent, false, kFsmErrorOpenConfirm), backoff}},
      {State::OpenConfirm, Ev::DecodeFailed, State::Idle,
       {send(kMalformedAsPath), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::NotificationSent, false, kMalformedAsPath), backoff}},

      // ---- Established: Hold and Keepalive timers run; every teardown says was_established.
      {State::Established, Ev::ManualStart, State::Established, {}},
      {State::Established, Ev::ManualStop, State::Idle,
       {send(kAdminShutdown), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::ManualStop, true, kAdminShutdown)}},
      {State::Established, Ev::AutomaticStop, State::Idle,
       {send(kMaxPrefixes), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::AutomaticStop, true, kMaxPrefixes), start(T::IdleHold, kRestartAfter)}},
      {State::Established, Ev::TcpConnectionConfirmed, State::Established, {}},
      {State::Established, Ev::TcpConnectionFails, State::Idle,
       {Disconnect{}, stop(T::Hold), stop(T::Keepalive), down(K::TransportClosed, true),
        backoff}},
      {State::Established, Ev::ConnectRetryExpires, State::Established, {}},
      {State::Established, Ev::HoldExpires, State::Idle,
       {send(kHoldTimerExpired), Disconnect{}, stop(T::Keepalive),
        down(K::HoldTimerExpired, true, kHoldTimerExpired), backoff}},
      {State::Established, Ev::KeepaliveExpires, State::Established,
       {send(keepalive), start(T::Keepalive, kKeepalive)}},
      {State::Established, Ev::IdleHoldExpires, State::Established, {}},
      {State::Established, Ev::Open, State::Idle,
       {send(kFsmErrorEstablished), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::NotificationSent, true, kFsmErrorEstablished), backoff}},
      {State::Established, Ev::Keepalive, State::Established, {start(T::Hold, kHold)}},
      {State::Established, Ev::Update, State::Established,
       {start(T::Hold, kHold), DeliverUpdate{}}},
      {State::Established, Ev::Notification, State::Idle,
       {Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::NotificationReceived, true, kPeerCease), backoff}},
      {State::Established, Ev::RouteRefresh, State::Established,
       {start(T::Hold, kHold), DeliverRouteRefresh{kRefreshIpv4}}},
      {State::Established, Ev::DecodeFailed, State::Idle,
       {send(kMalformedAsPath), Disconnect{}, stop(T::Hold), stop(T::Keepalive),
        down(K::NotificationSent, true, kMalformedAsPath), backoff}},
  };
  return rows;
}

constexpr State kAllStates[] = {State::Idle,     State::Connect,     State::Active,
                                State::OpenSent, State::OpenConfirm, State::Established};
constexpr Ev kAllEvents[] = {Ev::ManualStart,         Ev::ManualStop,       Ev::AutomaticStop,
                             Ev::TcpConnectionConfirmed, Ev::TcpConnectionFails,
                             Ev::ConnectRetryExpires, Ev::HoldExpires,      Ev::KeepaliveExpires,
                             Ev::IdleHoldExpires,     Ev::Open,             Ev::Keepalive,
                             Ev::Update,              Ev::Notification,     Ev::RouteRefresh,
                             Ev::DecodeFailed};

}  // namespace

TEST_CASE("The sweep table covers every state and every event kind exactly once",
          "[bgp][fsm]") {
  const auto rows = sweep_table();
  for (State s : kAllStates) {
    for (Ev e : kAllEvents) {
      int count = 0;
      for (const auto& r : rows) {
        count += (r.from == s && r.event == e) ? 1 : 0;
      }
      INFO(to_string(s) << " / " << describe(make_event(e)));
      CHECK(count == 1);
    }
  }
  CHECK(rows.size() == std::size(kAllStates) * std::size(kAllEvents));
}

TEST_CASE("Every state handles every event kind with the RFC 4271 outcome", "[bgp][fsm]") {
  for (const auto& row : sweep_table()) {
    const Event event = make_event(row.event);
    DYNAMIC_SECTION(to_string(row.from) << " + " << describe(event)) {
      Fsm f = fsm_in(row.from);
      const auto actions = f.handle(event);
      CHECK(f.state() == row.to);
      check_actions(actions, row.actions);
    }
  }
}

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
  check_actions(f.handle(MessageReceived{wire::UpdateMessage{}}), {DeliverUpdate{}});
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
  CHECK(describe(Action{StartTimer{Timer::Hold, seconds(240)}}) == "StartTimer(Hold, 240 s)");
  CHECK(describe(Action{StopTimer{Timer::ConnectRetry}}) == "StopTimer(ConnectRetry)");
  CHECK(describe(Action{Send{wire::KeepaliveMessage{}}}) == "Send(KEEPALIVE)");
  CHECK(describe(Action{Disconnect{}}) == "Disconnect");
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
