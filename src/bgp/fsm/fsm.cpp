// The BGP-4 finite state machine, RFC 4271 §8.2.2, with RFC 6608 FSM-error subcodes, the
// RFC 2918 ROUTE-REFRESH rule for Established, and RFC 4271 §8.1.1 DampPeerOscillations as
// an IdleHold back-off (OpenBGPD style). Pure: handle() maps (state, event) to actions; the
// I/O layer owns sockets and timers. Every state names every event kind (Overloaded visitors
// without a catch-all), so adding an Event alternative fails to compile until it is handled.
// This file holds handle() and the six state handlers (one per §8.2.2 state, in RFC order); the
// steps they share are steps.cpp and log formatting (describe, to_string) is describe.cpp. An
// UPDATE reaches the FSM as the bare fact UpdateReceived (Event 27): the UPDATE itself stays
// with the I/O layer, which hands it to the RIB while the session is Established.
#include "bgp/fsm/fsm.hpp"

#include <algorithm>
#include <utility>

#include "bgp/fsm/describe.hpp"
#include "util/overloaded.hpp"

namespace msee::bgp::fsm {

namespace {

using util::Overloaded;
using std::chrono::milliseconds;
using Actions = std::vector<Action>;

}  // namespace

// ---- Fsm --------------------------------------------------------------------------------

Fsm::Fsm(PeerConfig config)
    : config_(std::move(config)), passive_(config_.passive), idle_hold_(config_.idle_hold_time) {}

std::vector<Action> Fsm::handle(const Event& event) {
  switch (state_) {
    case State::Idle:
      return on_idle(event);
    case State::Connect:
      return on_connect(event);
    case State::Active:
      return on_active(event);
    case State::OpenSent:
      return on_open_sent(event);
    case State::OpenConfirm:
      return on_open_confirm(event);
    case State::Established:
      return on_established(event);
  }
  return {};  // unreachable: every State is named above
}

// ---- Idle (RFC 4271 §8.2.2 "Idle state") ------------------------------------------------

Actions Fsm::on_idle(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ManualStart& e) -> Actions {
            Actions out;
            // A manual start overrides a pending automatic restart: start now.
            stop_timer(out, Timer::IdleHold);
            passive_ = e.passive || config_.passive;
            start(out);
            return out;
          },
          [&](const ManualStop&) -> Actions {
            // RFC 4271 §8.2.2: ManualStop is ignored in Idle. The one thing to undo is our
            // pending automatic restart (not an RFC timer): an administrative stop sticks.
            Actions out;
            stop_timer(out, Timer::IdleHold);
            return out;
          },
          [&](const AutomaticStop&) -> Actions {
            // RFC 4271 §8.2.2: AutomaticStop is ignored in Idle; there is no session to stop
            // and a pending restart keeps its time.
            return {};
          },
          [&](const TcpConnectionConfirmed&) -> Actions {
            // RFC 4271 §8.2.2 Idle: "the local system refuses all incoming BGP connections";
            // the I/O layer already accepted this one, so close it.
            return {Disconnect{}};
          },
          [&](const TcpConnectionFails&) -> Actions {
            // Ignored: no connection exists in Idle; this reports one already released.
            return {};
          },
          [&](const TimerExpired& e) -> Actions {
            if (take_expiry(e.which) && e.which == Timer::IdleHold) {
              // RFC 4271 §8.1.1 Events 3/5 (AutomaticStart, passive variant): the restart
              // after the IdleHold back-off starts the way the last ManualStart did.
              Actions out;
              start(out);
              return out;
            }
            // Ignored: a stale expiry. Entering Idle stopped every timer, but the I/O layer may
            // deliver an expiry that raced with that StopTimer.
            return {};
          },
          [&](const MessageReceived&) -> Actions {
            // Ignored: a message read before the connection was closed on entering Idle.
            return {};
          },
          [&](const UpdateReceived&) -> Actions {
            // Ignored, like MessageReceived (and the I/O layer does not deliver it: not
            // Established).
            return {};
          },
          [&](const DecodeFailed&) -> Actions {
            // Ignored, like MessageReceived: the connection it came from is already gone.
            return {};
          },
      },
      event);
}

// ---- Connect (RFC 4271 §8.2.2 "Connect state") --------------------------------------------

Actions Fsm::on_connect(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ManualStart&) -> Actions {
            // RFC 4271 §8.2.2: Events 1, 3-7 are ignored in Connect; already starting.
            return {};
          },
          [&](const ManualStop& e) -> Actions {
            // RFC 4271 §8.2.2 Connect, Event 2: drop the attempt, stop the
            // ConnectRetryTimer, Idle.
            return stop_session(true, e.notification.value_or(wire::NotificationMessage::cease(
                                          wire::CeaseSubcode::AdministrativeShutdown)),
                                milliseconds::zero());
          },
          [&](const AutomaticStop& e) -> Actions {
            return stop_session(false, e.notification, e.restart_after);
          },
          [&](const TcpConnectionConfirmed&) -> Actions { return connection_confirmed(); },
          [&](const TcpConnectionFails&) -> Actions {
            // Our behaviour: RFC 4271 §8.2.2 (no DelayOpen) sends Connect to Idle here; like
            // OpenBGPD we keep listening in Active and retry when the ConnectRetryTimer
            // fires, which gives the same pacing without a separate restart path.
            Actions out;
            start_timer(out, Timer::ConnectRetry, config_.connect_retry_time);
            state_ = State::Active;
            return out;
          },
          [&](const TimerExpired& e) -> Actions {
            if (take_expiry(e.which) && e.which == Timer::ConnectRetry) {
              // RFC 4271 §8.2.2 Connect, Event 9: drop the attempt, restart the
              // ConnectRetryTimer, initiate a new connection, stay in Connect.
              Actions out;
              out.emplace_back(Disconnect{});
              out.emplace_back(Connect{});
              start_timer(out, Timer::ConnectRetry, config_.connect_retry_time);
              return out;
            }
            // Ignored: only the ConnectRetryTimer runs in Connect; any other expiry raced with
            // its StopTimer in the I/O layer.
            return {};
          },
          [&](const MessageReceived&) -> Actions {
            return message_without_session();
          },
          [&](const UpdateReceived&) -> Actions { return message_without_session(); },
          [&](const DecodeFailed&) -> Actions {
            return message_without_session();
          },
      },
      event);
}

// ---- Active (RFC 4271 §8.2.2 "Active state") ----------------------------------------------

Actions Fsm::on_active(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ManualStart&) -> Actions {
            // RFC 4271 §8.2.2: Events 1, 3-7 are ignored in Active; already started.
            return {};
          },
          [&](const ManualStop&) -> Actions {
            // RFC 4271 §8.2.2 Active, Event 2: stop the ConnectRetryTimer, Idle. No
            // connection exists in Active (we only listen), so there is nothing to drop.
            Actions out;
            stop_all_timers(out);
            idle_with_restart(out, milliseconds::zero());
            return out;
          },
          [&](const AutomaticStop& e) -> Actions {
            Actions out;
            stop_all_timers(out);
            idle_with_restart(out, e.restart_after);
            return out;
          },
          [&](const TcpConnectionConfirmed&) -> Actions { return connection_confirmed(); },
          [&](const TcpConnectionFails&) -> Actions {
            // Our behaviour: the RFC goes to Idle; we restart the ConnectRetryTimer and keep
            // listening (see Connect).
            Actions out;
            start_timer(out, Timer::ConnectRetry, config_.connect_retry_time);
            return out;
          },
          [&](const TimerExpired& e) -> Actions {
            if (take_expiry(e.which) && e.which == Timer::ConnectRetry) {
              Actions out;
              if (passive_) {
                // Passive peers never connect (RFC 4271 §8.1.1 PassiveTcpEstablishment):
                // keep listening.
                start_timer(out, Timer::ConnectRetry, config_.connect_retry_time);
                return out;
              }
              // RFC 4271 §8.2.2 Active, Event 9: restart the ConnectRetryTimer, initiate a
              // connection, go to Connect.
              out.emplace_back(Connect{});
              start_timer(out, Timer::ConnectRetry, config_.connect_retry_time);
              state_ = State::Connect;
              return out;
            }
            // Ignored: only the ConnectRetryTimer runs in Active; any other expiry is stale.
            return {};
          },
          [&](const MessageReceived&) -> Actions {
            return message_without_session();
          },
          [&](const UpdateReceived&) -> Actions { return message_without_session(); },
          [&](const DecodeFailed&) -> Actions {
            return message_without_session();
          },
      },
      event);
}

// ---- OpenSent (RFC 4271 §8.2.2 "OpenSent") ------------------------------------------------

Actions Fsm::on_open_sent(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ManualStart&) -> Actions {
            // RFC 4271 §8.2.2: Events 1, 3-7 are ignored in OpenSent.
            return {};
          },
          [&](const ManualStop& e) -> Actions {
            // RFC 4271 §8.2.2 OpenSent, Event 2: send Cease, drop, stop timers, Idle.
            return stop_session(true, e.notification.value_or(wire::NotificationMessage::cease(
                                          wire::CeaseSubcode::AdministrativeShutdown)),
                                milliseconds::zero());
          },
          [&](const AutomaticStop& e) -> Actions {
            // RFC 4271 §8.2.2 OpenSent, Event 8: as Event 2, but we may restart.
            return stop_session(false, e.notification, e.restart_after);
          },
          [&](const TcpConnectionConfirmed&) -> Actions {
            // RFC 4271 §8.2.2 OpenSent, Events 16/17: a second connection is tracked by
            // collision detection (§6.8) until its OPEN arrives. That happens in the other
            // Fsm instance the I/O layer creates for it, not here.
            return {};
          },
          [&](const TcpConnectionFails&) -> Actions {
            // RFC 4271 §8.2.2 OpenSent, Event 18: close, restart the ConnectRetryTimer, keep
            // listening in Active.
            Actions out;
            close_connection(out, std::nullopt, SessionDown::Kind::TransportClosed,
                             std::nullopt, "transport closed before the peer's OPEN");
            start_timer(out, Timer::ConnectRetry, config_.connect_retry_time);
            state_ = State::Active;
            return out;
          },
          [&](const TimerExpired& e) -> Actions {
            if (take_expiry(e.which) && e.which == Timer::Hold) {
              return hold_timer_expired();
            }
            // Ignored: only the (large) HoldTimer runs in OpenSent; other expiries are stale.
            return {};
          },
          [&](const MessageReceived& e) -> Actions {
            return std::visit(
                Overloaded{
                    [&](const wire::OpenMessage& open) -> Actions { return open_received(open); },
                    [&](const wire::NotificationMessage& n) -> Actions {
                      return notification_received(n);
                    },
                    [&](const wire::KeepaliveMessage&) -> Actions {
                      return unexpected_message(message_name(e.message));
                    },
                    [&](const wire::RouteRefreshMessage&) -> Actions {
                      return unexpected_message(message_name(e.message));
                    },
                },
                e.message);
          },
          [&](const UpdateReceived&) -> Actions {
            // RFC 4271 §8.2.2 OpenSent, Event 27: FSM Error (RFC 6608 §4 subcode 1).
            return unexpected_message("UPDATE");
          },
          [&](const DecodeFailed& e) -> Actions { return decode_failed(e.error); },
      },
      event);
}

// ---- OpenConfirm (RFC 4271 §8.2.2 "OpenConfirm State") --------------------------------------

Actions Fsm::on_open_confirm(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ManualStart&) -> Actions {
            // RFC 4271 §8.2.2: Events 1, 3-7 are ignored in OpenConfirm.
            return {};
          },
          [&](const ManualStop& e) -> Actions {
            return stop_session(true, e.notification.value_or(wire::NotificationMessage::cease(
                                          wire::CeaseSubcode::AdministrativeShutdown)),
                                milliseconds::zero());
          },
          [&](const AutomaticStop& e) -> Actions {
            return stop_session(false, e.notification, e.restart_after);
          },
          [&](const TcpConnectionConfirmed&) -> Actions {
            // RFC 4271 §8.2.2 OpenConfirm, Events 16/17: a second connection is tracked by
            // collision detection in its own Fsm instance (collision.hpp).
            return {};
          },
          [&](const TcpConnectionFails&) -> Actions { return transport_failed_to_idle(); },
          [&](const TimerExpired& e) -> Actions {
            const bool armed = take_expiry(e.which);
            if (armed && e.which == Timer::Hold) {
              return hold_timer_expired();
            }
            if (armed && e.which == Timer::Keepalive) {
              return keepalive_timer_expired();
            }
            // Ignored: ConnectRetry and IdleHold do not run in OpenConfirm; a stale expiry.
            return {};
          },
          [&](const MessageReceived& e) -> Actions {
            return std::visit(
                Overloaded{
                    [&](const wire::KeepaliveMessage&) -> Actions {
                      // RFC 4271 §8.2.2 OpenConfirm, Event 26: restart the HoldTimer, go to
                      // Established. A good session clears the damping history.
                      Actions out;
                      restart_hold_timer(out);
                      out.emplace_back(SessionEstablished{*negotiated_});
                      failures_ = 0;
                      idle_hold_ = config_.idle_hold_time;
                      state_ = State::Established;
                      return out;
                    },
                    [&](const wire::NotificationMessage& n) -> Actions {
                      return notification_received(n);
                    },
                    [&](const wire::OpenMessage&) -> Actions {
                      // A second OPEN on the same connection; a colliding connection's OPEN
                      // arrives on another Fsm instance (RFC 4271 §6.8 is handled above us).
                      return unexpected_message(message_name(e.message));
                    },
                    [&](const wire::RouteRefreshMessage&) -> Actions {
                      return unexpected_message(message_name(e.message));
                    },
                },
                e.message);
          },
          [&](const UpdateReceived&) -> Actions {
            // RFC 4271 §8.2.2 OpenConfirm, Event 27: FSM Error (RFC 6608 §4 subcode 2).
            return unexpected_message("UPDATE");
          },
          [&](const DecodeFailed& e) -> Actions { return decode_failed(e.error); },
      },
      event);
}

// ---- Established (RFC 4271 §8.2.2 "Established State") --------------------------------------

Actions Fsm::on_established(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ManualStart&) -> Actions {
            // RFC 4271 §8.2.2: Events 1, 3-7 are ignored in Established.
            return {};
          },
          [&](const ManualStop& e) -> Actions {
            // RFC 4271 §8.2.2 Established, Event 2: Cease, drop, delete routes (the RIB does
            // that on SessionDown), Idle.
            return stop_session(true, e.notification.value_or(wire::NotificationMessage::cease(
                                          wire::CeaseSubcode::AdministrativeShutdown)),
                                milliseconds::zero());
          },
          [&](const AutomaticStop& e) -> Actions {
            return stop_session(false, e.notification, e.restart_after);
          },
          [&](const TcpConnectionConfirmed&) -> Actions {
            // RFC 4271 §8.2.2 Established, Events 16/17: "the second connection SHALL be
            // tracked until it sends an OPEN message" — in its own Fsm instance; §6.8 then
            // closes the new one (resolve_collision → CloseNew).
            return {};
          },
          [&](const TcpConnectionFails&) -> Actions { return transport_failed_to_idle(); },
          [&](const TimerExpired& e) -> Actions {
            const bool armed = take_expiry(e.which);
            if (armed && e.which == Timer::Hold) {
              return hold_timer_expired();
            }
            if (armed && e.which == Timer::Keepalive) {
              return keepalive_timer_expired();
            }
            // Ignored: ConnectRetry and IdleHold do not run in Established; a stale expiry.
            return {};
          },
          [&](const MessageReceived& e) -> Actions {
            return std::visit(
                Overloaded{
                    [&](const wire::KeepaliveMessage&) -> Actions {
                      // RFC 4271 §8.2.2 Established, Event 26: restart the HoldTimer.
                      Actions out;
                      restart_hold_timer(out);
                      return out;
                    },
                    [&](const wire::RouteRefreshMessage& r) -> Actions {
                      const auto& families = negotiated_->families;
                      if (!negotiated_->route_refresh ||
                          std::find(families.begin(), families.end(), r.afi_safi) ==
                              families.end()) {
                        // RFC 2918 §4: a ROUTE-REFRESH for an <AFI, SAFI> not advertised at
                        // session start is ignored, not an error. One sent although the
                        // capability was never negotiated is ignored the same way.
                        return {};
                      }
                      Actions out;
                      restart_hold_timer(out);
                      out.emplace_back(DeliverRouteRefresh{r});
                      return out;
                    },
                    [&](const wire::NotificationMessage& n) -> Actions {
                      return notification_received(n);
                    },
                    [&](const wire::OpenMessage&) -> Actions {
                      // RFC 6608 §4: OPEN in Established → Unexpected Message in Established.
                      return unexpected_message(message_name(e.message));
                    },
                },
                e.message);
          },
          [&](const UpdateReceived&) -> Actions {
            // RFC 4271 §8.2.2 Established, Event 27: restart the HoldTimer and process the
            // UPDATE. The processing is the I/O layer's: it holds the UPDATE and hands it to the
            // RIB once this event leaves the session Established. RFC 7606 treat-as-withdraw /
            // attribute discard outcomes are the RIB's business, not a session event.
            Actions out;
            restart_hold_timer(out);
            return out;
          },
          [&](const DecodeFailed& e) -> Actions { return decode_failed(e.error); },
      },
      event);
}

}  // namespace msee::bgp::fsm
