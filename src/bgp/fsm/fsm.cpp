// The BGP-4 finite state machine, RFC 4271 §8.2.2, with RFC 6608 FSM-error subcodes, the
// RFC 2918 ROUTE-REFRESH rule for Established, and RFC 4271 §8.1.1 DampPeerOscillations as
// an IdleHold back-off (OpenBGPD style). Pure: handle() maps (state, event) to actions; the
// I/O layer owns sockets and timers. Every state names every event kind (Overloaded visitors
// without a catch-all), so adding an Event alternative fails to compile until it is handled.
#include "bgp/fsm/fsm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace msee::bgp::fsm {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

using std::chrono::milliseconds;
using std::chrono::seconds;
using Actions = std::vector<Action>;

// RFC 4271 §8.2.2 (Connect/Active, Event 16/17): after sending OPEN "sets the HoldTimer to a
// large value"; "A HoldTimer value of 4 minutes is suggested."
constexpr milliseconds kOpenSentHoldTime = std::chrono::minutes(4);

// Order in which "stop every running timer" emits StopTimer, so action lists are stable.
constexpr Timer kAllTimers[] = {Timer::ConnectRetry, Timer::Hold, Timer::Keepalive,
                                Timer::IdleHold};

constexpr std::uint8_t timer_bit(Timer t) {
  return static_cast<std::uint8_t>(1U << static_cast<unsigned>(t));
}

bool has_session(State s) {
  return s == State::OpenSent || s == State::OpenConfirm || s == State::Established;
}

const char* message_name(const wire::Message& m) {
  return std::visit(Overloaded{
                        [](const wire::OpenMessage&) { return "OPEN"; },
                        [](const wire::UpdateMessage&) { return "UPDATE"; },
                        [](const wire::NotificationMessage&) { return "NOTIFICATION"; },
                        [](const wire::KeepaliveMessage&) { return "KEEPALIVE"; },
                        [](const wire::RouteRefreshMessage&) { return "ROUTE-REFRESH"; },
                    },
                    m);
}

std::string format_id(wire::RouterId id) {
  return fmt::format("{}.{}.{}.{}", id >> 24, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
}

std::string format_duration(milliseconds d) {
  if (d.count() % 1000 == 0) {
    return fmt::format("{} s", d.count() / 1000);
  }
  return fmt::format("{} ms", d.count());
}

std::string describe_message(const wire::Message& m) {
  return std::visit(
      Overloaded{
          [](const wire::OpenMessage& o) {
            return fmt::format("OPEN v{} as {} hold {} id {} caps {}", o.version, o.my_as,
                               o.hold_time, format_id(o.bgp_id), o.capabilities.size());
          },
          [](const wire::UpdateMessage&) { return std::string("UPDATE"); },
          [](const wire::NotificationMessage& n) { return "NOTIFICATION " + n.describe(); },
          [](const wire::KeepaliveMessage&) { return std::string("KEEPALIVE"); },
          [](const wire::RouteRefreshMessage& r) {
            return fmt::format("ROUTE-REFRESH {} subtype {}", wire::to_string(r.afi_safi),
                               static_cast<int>(r.subtype));
          },
      },
      m);
}

const char* to_string(SessionDown::Kind k) {
  switch (k) {
    case SessionDown::Kind::ManualStop:
      return "ManualStop";
    case SessionDown::Kind::AutomaticStop:
      return "AutomaticStop";
    case SessionDown::Kind::NotificationSent:
      return "NotificationSent";
    case SessionDown::Kind::NotificationReceived:
      return "NotificationReceived";
    case SessionDown::Kind::HoldTimerExpired:
      return "HoldTimerExpired";
    case SessionDown::Kind::TransportClosed:
      return "TransportClosed";
  }
  return "?";
}

wire::NotificationMessage fsm_error(State s) {
  // RFC 6608 §4: the subcode names the state in which the unexpected message arrived.
  auto sub = wire::FsmSubcode::UnexpectedMessageInEstablished;
  if (s == State::OpenSent) {
    sub = wire::FsmSubcode::UnexpectedMessageInOpenSent;
  } else if (s == State::OpenConfirm) {
    sub = wire::FsmSubcode::UnexpectedMessageInOpenConfirm;
  }
  return wire::NotificationMessage::make(wire::ErrorCode::FiniteStateMachineError,
                                         static_cast<std::uint8_t>(sub));
}

bool is_version_error(const wire::NotificationMessage& n) {
  return n.code == static_cast<std::uint8_t>(wire::ErrorCode::OpenMessageError) &&
         n.subcode == static_cast<std::uint8_t>(wire::OpenSubcode::UnsupportedVersionNumber);
}

}  // namespace

const char* to_string(State s) {
  switch (s) {
    case State::Idle:
      return "Idle";
    case State::Connect:
      return "Connect";
    case State::Active:
      return "Active";
    case State::OpenSent:
      return "OpenSent";
    case State::OpenConfirm:
      return "OpenConfirm";
    case State::Established:
      return "Established";
  }
  return "?";
}

const char* to_string(Timer t) {
  switch (t) {
    case Timer::ConnectRetry:
      return "ConnectRetry";
    case Timer::Hold:
      return "Hold";
    case Timer::Keepalive:
      return "Keepalive";
    case Timer::IdleHold:
      return "IdleHold";
  }
  return "?";
}

std::string describe(const Event& e) {
  return std::visit(
      Overloaded{
          [](const ManualStart& s) {
            return std::string(s.passive ? "ManualStart(passive)" : "ManualStart");
          },
          [](const ManualStop& s) {
            return s.notification ? fmt::format("ManualStop({})", s.notification->describe())
                                  : std::string("ManualStop");
          },
          [](const AutomaticStop& s) {
            return fmt::format("AutomaticStop({}, restart after {})", s.notification.describe(),
                               format_duration(s.restart_after));
          },
          [](const TcpConnectionConfirmed&) { return std::string("TcpConnectionConfirmed"); },
          [](const TcpConnectionFails&) { return std::string("TcpConnectionFails"); },
          [](const TimerExpired& t) { return fmt::format("TimerExpired({})", to_string(t.which)); },
          [](const MessageReceived& m) {
            return fmt::format("MessageReceived({})", describe_message(m.message));
          },
          [](const DecodeFailed& d) {
            return fmt::format("DecodeFailed({} at offset {}: {})",
                               wire::error_name(static_cast<std::uint8_t>(d.error.code),
                                                d.error.subcode),
                               d.error.offset, d.error.reason);
          },
      },
      e);
}

std::string describe(const Action& a) {
  return std::visit(
      Overloaded{
          [](const Connect&) { return std::string("Connect"); },
          [](const Disconnect&) { return std::string("Disconnect"); },
          [](const Send& s) { return fmt::format("Send({})", describe_message(s.message)); },
          [](const StartTimer& t) {
            return fmt::format("StartTimer({}, {})", to_string(t.which), format_duration(t.after));
          },
          [](const StopTimer& t) { return fmt::format("StopTimer({})", to_string(t.which)); },
          [](const SessionEstablished& s) {
            return fmt::format("SessionEstablished(as {} id {} hold {} keepalive {})",
                               s.negotiated.peer_as, format_id(s.negotiated.peer_id),
                               s.negotiated.hold_time, s.negotiated.keepalive_time);
          },
          [](const SessionDown& d) {
            return fmt::format("SessionDown({}{}{}{}{})", to_string(d.kind),
                               d.was_established ? ", was established" : "",
                               d.notification ? ", " : "",
                               d.notification ? d.notification->describe() : "",
                               d.reason.empty() ? "" : ": " + d.reason);
          },
          [](const DeliverUpdate&) { return std::string("DeliverUpdate"); },
          [](const DeliverRouteRefresh& r) {
            return fmt::format("DeliverRouteRefresh({})", describe_message(r.request));
          },
      },
      a);
}

// ---- Fsm --------------------------------------------------------------------------------

Fsm::Fsm(PeerConfig config)
    : config_(std::move(config)), passive_(config_.passive), idle_hold_(config_.idle_hold_time) {}

wire::OpenMessage Fsm::local_open() const { return make_open(negotiation_input()); }

NegotiationInput Fsm::negotiation_input() const {
  NegotiationInput in;
  in.local_as = config_.local_as;
  in.local_id = config_.router_id;
  in.expected_peer_as = config_.peer_as;
  in.local_hold_time = config_.hold_time;
  in.min_hold_time = config_.min_hold_time;
  in.allow_hold_time_zero = config_.allow_hold_time_zero;
  in.local_caps = config_.capabilities;
  return in;
}

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

// ---- Shared steps -------------------------------------------------------------------------

void Fsm::start_timer(Actions& out, Timer which, milliseconds after) {
  armed_timers_ = static_cast<std::uint8_t>(armed_timers_ | timer_bit(which));
  out.emplace_back(StartTimer{which, after});
}

void Fsm::stop_timer(Actions& out, Timer which) {
  // Only running timers are stopped, so every StopTimer in an action list means something.
  if ((armed_timers_ & timer_bit(which)) == 0) {
    return;
  }
  armed_timers_ = static_cast<std::uint8_t>(armed_timers_ & ~timer_bit(which));
  out.emplace_back(StopTimer{which});
}

void Fsm::stop_all_timers(Actions& out) {
  for (Timer t : kAllTimers) {
    stop_timer(out, t);
  }
}

bool Fsm::take_expiry(Timer which) {
  const bool armed = (armed_timers_ & timer_bit(which)) != 0;
  armed_timers_ = static_cast<std::uint8_t>(armed_timers_ & ~timer_bit(which));
  return armed;
}

void Fsm::start(Actions& out) {
  if (passive_) {
    // RFC 4271 §8.2.2 Idle, Events 4/5: start the ConnectRetryTimer, listen, go to Active.
    start_timer(out, Timer::ConnectRetry, config_.connect_retry_time);
    state_ = State::Active;
    return;
  }
  // RFC 4271 §8.2.2 Idle, Events 1/3: initiate the TCP connection, start the
  // ConnectRetryTimer, go to Connect (we also accept an inbound connection there).
  out.emplace_back(Connect{});
  start_timer(out, Timer::ConnectRetry, config_.connect_retry_time);
  state_ = State::Connect;
}

void Fsm::close_connection(Actions& out, std::optional<wire::NotificationMessage> send,
                           SessionDown::Kind kind,
                           std::optional<wire::NotificationMessage> notification,
                           std::string reason) {
  if (send) {
    out.emplace_back(Send{std::move(*send)});
  }
  out.emplace_back(Disconnect{});
  stop_all_timers(out);
  if (has_session(state_)) {
    out.emplace_back(SessionDown{kind, state_ == State::Established, std::move(notification),
                                 std::move(reason)});
  }
}

void Fsm::idle_with_backoff(Actions& out) {
  // RFC 4271 §8.1.1 DampPeerOscillations, done the OpenBGPD way: each consecutive failure
  // doubles the wait before the automatic restart, up to a ceiling; Established resets it.
  if (failures_ > 0) {
    idle_hold_ = std::min(idle_hold_ * 2, milliseconds(config_.max_idle_hold_time));
  }
  ++failures_;
  state_ = State::Idle;
  start_timer(out, Timer::IdleHold, idle_hold_);
}

void Fsm::idle_with_restart(Actions& out, milliseconds after) {
  state_ = State::Idle;
  if (after > milliseconds::zero()) {
    start_timer(out, Timer::IdleHold, after);
  }
}

Actions Fsm::fail_session(std::optional<wire::NotificationMessage> send, SessionDown::Kind kind,
                          std::optional<wire::NotificationMessage> notification,
                          std::string reason) {
  Actions out;
  close_connection(out, std::move(send), kind, std::move(notification), std::move(reason));
  idle_with_backoff(out);
  return out;
}

Actions Fsm::stop_session(bool manual, wire::NotificationMessage notification,
                          milliseconds restart_after) {
  Actions out;
  const auto kind = manual ? SessionDown::Kind::ManualStop : SessionDown::Kind::AutomaticStop;
  std::string reason =
      fmt::format("{} stop: {}", manual ? "manual" : "automatic", notification.describe());
  // RFC 4271 §8.2.2: a Cease NOTIFICATION is sent only where an OPEN was exchanged; in
  // Connect the attempt is just dropped.
  std::optional<wire::NotificationMessage> send;
  if (has_session(state_)) {
    send = notification;
  }
  close_connection(out, std::move(send), kind, std::move(notification), std::move(reason));
  // Manual stops never restart on their own; automatic ones after the delay they carry,
  // not after the back-off (the stop was our decision, not the peer's failure).
  idle_with_restart(out, manual ? milliseconds::zero() : restart_after);
  return out;
}

Actions Fsm::connection_confirmed() {
  // RFC 4271 §8.2.2 Connect/Active, Events 16/17: stop the ConnectRetryTimer, send OPEN,
  // set the HoldTimer to the large value, go to OpenSent.
  Actions out;
  peer_open_.reset();
  negotiated_.reset();
  stop_timer(out, Timer::ConnectRetry);
  out.emplace_back(Send{local_open()});
  start_timer(out, Timer::Hold, kOpenSentHoldTime);
  state_ = State::OpenSent;
  return out;
}

Actions Fsm::message_without_session() {
  // RFC 4271 §8.2.2 Connect/Active, "any other event" (Events 19, 21-22, 25-28 among them):
  // drop the connection, count the failure, go to Idle. A message cannot arrive before our
  // OPEN was sent, so this is an I/O layer slip; the back-off keeps it from spinning.
  Actions out;
  close_connection(out, std::nullopt, SessionDown::Kind::TransportClosed, std::nullopt, {});
  idle_with_backoff(out);
  return out;
}

Actions Fsm::open_received(const wire::OpenMessage& open) {
  auto result = negotiate(negotiation_input(), open);
  if (!result.has_value()) {
    // RFC 4271 §6.2 / §8.2.2 OpenSent, Event 22: send the OPEN error, drop, Idle.
    wire::NotificationMessage n = std::move(result).error();
    std::string reason = "OPEN rejected: " + n.describe();
    return fail_session(n, SessionDown::Kind::NotificationSent, n, std::move(reason));
  }
  // RFC 4271 §8.2.2 OpenSent, Event 19: send KEEPALIVE, set the KeepaliveTimer and the
  // HoldTimer to the negotiated values, go to OpenConfirm.
  peer_open_ = open;
  negotiated_ = std::move(result).value();
  Actions out;
  out.emplace_back(Send{wire::KeepaliveMessage{}});
  if (negotiated_->keepalive_time > 0) {
    start_timer(out, Timer::Keepalive, seconds(negotiated_->keepalive_time));
  }
  if (negotiated_->hold_time > 0) {
    start_timer(out, Timer::Hold, seconds(negotiated_->hold_time));
  } else {
    // RFC 4271 §4.2: a negotiated hold time of 0 means no hold timer at all, so the 4-minute
    // OpenSent timer must not be left running.
    stop_timer(out, Timer::Hold);
  }
  state_ = State::OpenConfirm;
  return out;
}

Actions Fsm::keepalive_timer_expired() {
  // RFC 4271 §8.2.2 OpenConfirm/Established, Event 11: send KEEPALIVE, restart the timer.
  Actions out;
  out.emplace_back(Send{wire::KeepaliveMessage{}});
  if (negotiated_ && negotiated_->keepalive_time > 0) {
    start_timer(out, Timer::Keepalive, seconds(negotiated_->keepalive_time));
  }
  return out;
}

void Fsm::restart_hold_timer(Actions& out) {
  // RFC 4271 §8.2.2 OpenConfirm/Established, Events 26/27: KEEPALIVE and UPDATE restart the
  // HoldTimer, unless the negotiated hold time is 0 (§4.2: then there is no HoldTimer).
  if (negotiated_ && negotiated_->hold_time > 0) {
    start_timer(out, Timer::Hold, seconds(negotiated_->hold_time));
  }
}

Actions Fsm::unexpected_message(const wire::Message& message) {
  // RFC 4271 §8.2.2 "any other event" in OpenSent/OpenConfirm/Established → FSM Error;
  // RFC 6608 §4 gives the subcode per state.
  wire::NotificationMessage n = fsm_error(state_);
  std::string reason = fmt::format("unexpected {} in {}", message_name(message),
                                   to_string(state_));
  return fail_session(n, SessionDown::Kind::NotificationSent, n, std::move(reason));
}

Actions Fsm::notification_received(const wire::NotificationMessage& notification) {
  std::string reason = "peer sent " + notification.describe();
  if (is_version_error(notification) &&
      (state_ == State::OpenSent || state_ == State::OpenConfirm)) {
    // RFC 4271 §8.2.2 OpenSent/OpenConfirm, Event 24 (NotifMsgVerErr): close and go to Idle
    // without incrementing the ConnectRetryCounter or damping, so the back-off does not grow.
    // We still restart after the current IdleHold: we speak only version 4, the peer may
    // reconsider (RFC 4271 §7 version negotiation).
    Actions out;
    close_connection(out, std::nullopt, SessionDown::Kind::NotificationReceived, notification,
                     std::move(reason));
    state_ = State::Idle;
    start_timer(out, Timer::IdleHold, idle_hold_);
    return out;
  }
  // RFC 4271 §8.2.2, Event 25 (and Event 24 in Established): drop the connection, count the
  // failure, go to Idle.
  return fail_session(std::nullopt, SessionDown::Kind::NotificationReceived, notification,
                      std::move(reason));
}

std::chrono::milliseconds Fsm::hold_timer_value() const {
  if (state_ == State::OpenSent || !negotiated_) {
    return kOpenSentHoldTime;
  }
  return seconds(negotiated_->hold_time);
}

Actions Fsm::hold_timer_expired() {
  // RFC 4271 §6.5 / §8.2.2 Event 10: send NOTIFICATION Hold Timer Expired, drop, Idle.
  auto n = wire::NotificationMessage::make(wire::ErrorCode::HoldTimerExpired, 0);
  std::string reason =
      fmt::format("hold timer expired ({})", format_duration(hold_timer_value()));
  return fail_session(n, SessionDown::Kind::HoldTimerExpired, n, std::move(reason));
}

Actions Fsm::decode_failed(const wire::DecodeError& error) {
  // RFC 4271 §6 / §8.2.2 Events 21, 22, 28: the decoder already chose code, subcode and data.
  auto n = wire::NotificationMessage::from(error);
  std::string reason = fmt::format("sent {} ({})", n.describe(), error.reason);
  return fail_session(n, SessionDown::Kind::NotificationSent, n, std::move(reason));
}

Actions Fsm::transport_failed_to_idle() {
  // RFC 4271 §8.2.2 OpenConfirm/Established, Event 18: drop, count the failure, Idle.
  return fail_session(std::nullopt, SessionDown::Kind::TransportClosed, std::nullopt,
                      "transport closed");
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
                    [&](const wire::UpdateMessage&) -> Actions {
                      return unexpected_message(e.message);
                    },
                    [&](const wire::KeepaliveMessage&) -> Actions {
                      return unexpected_message(e.message);
                    },
                    [&](const wire::RouteRefreshMessage&) -> Actions {
                      return unexpected_message(e.message);
                    },
                },
                e.message);
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
                      return unexpected_message(e.message);
                    },
                    [&](const wire::UpdateMessage&) -> Actions {
                      return unexpected_message(e.message);
                    },
                    [&](const wire::RouteRefreshMessage&) -> Actions {
                      return unexpected_message(e.message);
                    },
                },
                e.message);
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
                    [&](const wire::UpdateMessage&) -> Actions {
                      // RFC 4271 §8.2.2 Established, Event 27: restart the HoldTimer and
                      // process the UPDATE. RFC 7606 treat-as-withdraw / attribute discard
                      // outcomes are the RIB's business, not a session event.
                      Actions out;
                      restart_hold_timer(out);
                      out.emplace_back(DeliverUpdate{});
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
                      return unexpected_message(e.message);
                    },
                },
                e.message);
          },
          [&](const DecodeFailed& e) -> Actions { return decode_failed(e.error); },
      },
      event);
}

}  // namespace msee::bgp::fsm
