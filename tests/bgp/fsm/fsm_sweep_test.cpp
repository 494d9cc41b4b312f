// The exhaustive State × Event sweep of the pure BGP FSM: a table written from RFC 4271
// §8.2.2 (with the documented deviations of fsm.cpp), RFC 6608 §4 and RFC 2918 §4, checked to
// cover every state and every event kind exactly once, then run row by row. The helpers are
// fsm_helpers.hpp; the scenario tests are fsm_test.cpp.
#include <catch2/catch.hpp>

#include <iterator>
#include <vector>

#include "bgp/fsm/fsm.hpp"
#include "fsm_helpers.hpp"

using namespace msee::bgp;
using namespace msee::bgp::fsm;
using namespace msee::bgp::fsm::test;

namespace {

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
      return UpdateReceived{};  // what the I/O layer feeds for a decoded UPDATE
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
      // The UPDATE itself goes to the RIB from the I/O layer, not through an action.
      {State::Established, Ev::Update, State::Established, {start(T::Hold, kHold)}},
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
