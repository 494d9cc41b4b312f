// The steps the FSM's state handlers (fsm.cpp) share: RFC 4271 §8.2.2 actions that several
// states take (timer bookkeeping, closing a connection, going Idle with the §8.1.1
// DampPeerOscillations back-off or an AutomaticStop restart), and the handling of the events
// whose outcome is the same wherever they are valid: the connection coming up (Events 16/17),
// the peer's OPEN and its negotiation (Events 19/22), KEEPALIVE/UPDATE restarting the
// HoldTimer (Events 26/27), NOTIFICATIONs (Events 24/25, RFC 4271 §7 version errors), timer
// expiries (Events 10/11), decode errors (Events 21/22/28, RFC 6608 FSM errors). Pure, like
// the handlers.
#include <fmt/format.h>

#include <utility>

#include "bgp/fsm/describe.hpp"
#include "bgp/fsm/fsm.hpp"

namespace msee::bgp::fsm {

namespace {

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

Actions Fsm::unexpected_message(const char* what) {
  // RFC 4271 §8.2.2 "any other event" in OpenSent/OpenConfirm/Established → FSM Error;
  // RFC 6608 §4 gives the subcode per state.
  wire::NotificationMessage n = fsm_error(state_);
  std::string reason = fmt::format("unexpected {} in {}", what, to_string(state_));
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

}  // namespace msee::bgp::fsm
