// The BGP finite state machine of RFC 4271 §8 as a pure function of (state, event) → actions.
// No sockets, no clocks, no logging, no throwing on peer input: the I/O layer (bgp/io) turns
// socket and timer outcomes into Events and carries out the returned Actions.
//
// One Fsm instance drives one peer over one transport connection at a time. Connection
// collisions (RFC 4271 §6.8) are resolved above two instances by collision.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp/fsm/negotiation.hpp"
#include "bgp/wire/message.hpp"

namespace msee::bgp::fsm {

enum class State { Idle, Connect, Active, OpenSent, OpenConfirm, Established };
const char* to_string(State s);

enum class Timer {
  ConnectRetry,  // RFC 4271 §10 ConnectRetryTimer
  Hold,          // HoldTimer (also the 4-minute "large value" in OpenSent, §8.2.2)
  Keepalive,     // KeepaliveTimer
  IdleHold,      // automatic restart back-off after an error (RFC 4271 §8.1.1 DampPeerOscillations)
};
const char* to_string(Timer t);

// ---- Events. Each alternative names the RFC 4271 §8.1 event(s) it stands for. -------------
struct ManualStart {               // Event 1 (ManualStart), Event 4 when passive
  bool passive = false;
};
struct ManualStop {                // Event 2 (ManualStop): administrative, no automatic restart
  std::optional<wire::NotificationMessage> notification;  // default Cease/Administrative Shutdown
};
struct AutomaticStop {             // Event 8 (AutomaticStop): e.g. max-prefix, BFD down
  wire::NotificationMessage notification;
  // Seconds before the automatic restart (IdleHold); 0 = stay Idle until ManualStart.
  std::chrono::milliseconds restart_after{0};
};
struct TcpConnectionConfirmed {};  // Events 16/17 (Tcp_CR_Acked, TcpConnectionConfirmed)
struct TcpConnectionFails {};      // Event 18: refused, reset, EOF, timeout
struct TimerExpired {              // Events 9 (ConnectRetry), 10 (Hold), 11 (Keepalive),
  Timer which;                     // 13 (IdleHoldTimer_Expires)
};
// Every message but UPDATE: the FSM reads their contents (the peer's OPEN, a NOTIFICATION's
// code, a ROUTE-REFRESH's AFI/SAFI).
using ControlMessage = std::variant<wire::OpenMessage, wire::NotificationMessage,
                                    wire::KeepaliveMessage, wire::RouteRefreshMessage>;
struct MessageReceived {           // Events 19 (BGPOpen), 24/25 (NotifMsgVerErr, NotifMsg),
  ControlMessage message;          // 26 (KeepAliveMsg), RFC 2918 ROUTE-REFRESH
};
struct UpdateReceived {};          // Event 27 (UpdateMsg): a well-formed UPDATE arrived. The FSM
                                   // only needs the fact; the I/O layer keeps the UPDATE and, if
                                   // the session is still Established after this event, hands it
                                   // to the RIB itself (as holo-bgp's events.rs feeds
                                   // Event::RcvdUpdate, then runs process_nbr_update).
struct DecodeFailed {              // Events 21 (BGPHeaderErr), 22 (BGPOpenMsgErr),
  wire::DecodeError error;         // 28 (UpdateMsgErr)
};
using Event = std::variant<ManualStart, ManualStop, AutomaticStop, TcpConnectionConfirmed,
                           TcpConnectionFails, TimerExpired, MessageReceived, UpdateReceived,
                           DecodeFailed>;
std::string describe(const Event& e);  // "TimerExpired(Hold)", for logs and test failures
                                       // (describe.cpp, as are the other to_string/describe)

// ---- Actions, carried out by the I/O layer in the order given. ----------------------------
struct Connect {};                 // initiate the outbound TCP connection
struct Disconnect {};              // flush what was sent, then close the transport
struct Send {
  wire::Message message;
};
struct StartTimer {                // (re)arm; the I/O layer may apply RFC 4271 §10 jitter
  Timer which;                     // to ConnectRetry and Keepalive only
  std::chrono::milliseconds after;
};
struct StopTimer {
  Timer which;
};
struct SessionEstablished {        // entered Established
  Negotiated negotiated;
};
// Why a session (or an attempt at one) ended. Emitted whenever the FSM leaves OpenSent,
// OpenConfirm or Established towards Idle/Active, so the I/O layer can log and count it.
struct SessionDown {
  enum class Kind {
    ManualStop,           // local administrative stop
    AutomaticStop,        // local policy (max-prefix, BFD)
    NotificationSent,     // we detected an error and told the peer
    NotificationReceived, // the peer sent a NOTIFICATION
    HoldTimerExpired,
    TransportClosed,      // TCP closed/reset without a NOTIFICATION
  };
  Kind kind = Kind::TransportClosed;
  bool was_established = false;
  std::optional<wire::NotificationMessage> notification;  // sent or received
  std::string reason;  // one line: "hold timer expired (180 s)", "peer sent Cease/..."
};
struct DeliverRouteRefresh {       // RFC 2918 §4 / RFC 7313: the peer asks us to re-advertise
  wire::RouteRefreshMessage request;  // (only for a negotiated AFI/SAFI: the FSM decides)
};
using Action = std::variant<Connect, Disconnect, Send, StartTimer, StopTimer,
                            SessionEstablished, SessionDown, DeliverRouteRefresh>;
std::string describe(const Action& a);

// ---- Configuration of one peer as the FSM needs it. ---------------------------------------
struct PeerConfig {
  wire::Asn local_as = 0;
  wire::RouterId router_id = 0;
  wire::Asn peer_as = 0;               // 0 = accept any (used by the plain harness only)
  std::uint16_t hold_time = 90;        // what we offer in OPEN (0 or >= 3)
  std::uint16_t min_hold_time = 3;     // reject a peer offering less (but not 0) than this
  bool allow_hold_time_zero = true;    // accept a peer offering 0 (no keepalives)
  std::chrono::seconds connect_retry_time{120};   // RFC 4271 §10 default 120 s
  std::chrono::seconds idle_hold_time{5};         // first automatic restart back-off
  std::chrono::seconds max_idle_hold_time{120};   // doubling stops here
  bool passive = false;                // never connect, only accept
  Capabilities capabilities;           // what we advertise (negotiation.hpp)
};

class Fsm {
 public:
  explicit Fsm(PeerConfig config);

  // Feed one event; returns the actions to carry out. Total: every (state, event) pair has a
  // defined outcome (see the state × event sweep in tests/bgp/fsm).
  std::vector<Action> handle(const Event& event);

  State state() const noexcept { return state_; }
  const PeerConfig& config() const noexcept { return config_; }
  // The peer's OPEN once received (OpenConfirm, Established), for collision detection.
  const std::optional<wire::OpenMessage>& peer_open() const noexcept { return peer_open_; }
  // Valid in Established.
  const std::optional<Negotiated>& negotiated() const noexcept { return negotiated_; }
  // The OPEN we send (built from config).
  wire::OpenMessage local_open() const;
  // Consecutive failed attempts since the last Established (drives the IdleHold back-off).
  std::uint32_t failures() const noexcept { return failures_; }
  // Current automatic restart back-off.
  std::chrono::milliseconds idle_hold() const noexcept { return idle_hold_; }

 private:
  // (implementation detail; see fsm.cpp for the state handlers, steps.cpp for the rest)
  using Actions = std::vector<Action>;

  // One handler per state of RFC 4271 §8.2.2; each names every event kind explicitly.
  Actions on_idle(const Event& event);
  Actions on_connect(const Event& event);
  Actions on_active(const Event& event);
  Actions on_open_sent(const Event& event);
  Actions on_open_confirm(const Event& event);
  Actions on_established(const Event& event);

  // Steps shared by the handlers.
  void start(Actions& out);                       // Events 1/3 (Connect) and 4/5 (Active)
  void start_timer(Actions& out, Timer which, std::chrono::milliseconds after);
  void stop_timer(Actions& out, Timer which);
  void stop_all_timers(Actions& out);
  bool take_expiry(Timer which);                  // true if `which` was armed; disarms it
  void close_connection(Actions& out, std::optional<wire::NotificationMessage> send,
                        SessionDown::Kind kind,
                        std::optional<wire::NotificationMessage> notification,
                        std::string reason);
  void idle_with_backoff(Actions& out);           // DampPeerOscillations restart
  void idle_with_restart(Actions& out, std::chrono::milliseconds after);  // 0 = no restart
  Actions fail_session(std::optional<wire::NotificationMessage> send, SessionDown::Kind kind,
                       std::optional<wire::NotificationMessage> notification,
                       std::string reason);
  Actions stop_session(bool manual, wire::NotificationMessage notification,
                       std::chrono::milliseconds restart_after);
  Actions connection_confirmed();                // Events 16/17 in Connect and Active
  Actions message_without_session();             // Events 19-28 in Connect/Active
  Actions open_received(const wire::OpenMessage& open);
  Actions keepalive_timer_expired();
  void restart_hold_timer(Actions& out);
  Actions unexpected_message(const char* what);  // "UPDATE", ...
  Actions notification_received(const wire::NotificationMessage& notification);
  Actions hold_timer_expired();
  Actions decode_failed(const wire::DecodeError& error);
  Actions transport_failed_to_idle();
  NegotiationInput negotiation_input() const;
  std::chrono::milliseconds hold_timer_value() const;

  PeerConfig config_;
  State state_ = State::Idle;
  bool passive_ = false;              // mode of the last ManualStart, reused by auto restarts
  std::uint8_t armed_timers_ = 0;     // bit per Timer: started and not yet stopped/expired
  std::optional<wire::OpenMessage> peer_open_;
  std::optional<Negotiated> negotiated_;
  std::uint32_t failures_ = 0;
  std::chrono::milliseconds idle_hold_{0};
};

}  // namespace msee::bgp::fsm
