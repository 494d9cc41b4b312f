// The graceful restart helper decision (RFC 4724 §4.2): when a session ends, are the peer's
// routes kept as stale, and for how long? Pure; the speaker carries it out.
#pragma once

#include <chrono>
#include <optional>

#include "bgp/fsm/fsm.hpp"
#include "bgp/fsm/negotiation.hpp"

namespace msee::speaker {

// Returns the stale period, or nullopt when the routes go at once. RFC 4724 §4.2: the helper
// keeps the routes when the TCP session terminates (transport loss, and a hold-timer expiry,
// which ends the transport without the peer's NOTIFICATION) and the peer advertised the
// capability with a non-zero restart time. A NOTIFICATION, sent or received, or a local stop
// withdraws them, unless both sides set RFC 8538's N bit (`notification_bit`): then only a
// Hard Reset does (received as such, or sent as such: fsm::ends_for_good, which the peer
// wraps in Hard Reset on the wire).
inline std::optional<std::chrono::seconds> graceful_restart_stale_period(
    const bgp::fsm::SessionDown& down,
    const std::optional<bgp::wire::GracefulRestartCap>& peer_gr, bool notification_bit) {
  using Kind = bgp::fsm::SessionDown::Kind;
  if (!down.was_established || !peer_gr || peer_gr->restart_time == 0) {
    return std::nullopt;
  }
  const auto period = std::chrono::seconds(peer_gr->restart_time);
  if (down.kind == Kind::TransportClosed || down.kind == Kind::HoldTimerExpired) {
    return period;
  }
  if (!notification_bit || !down.notification) {
    return std::nullopt;
  }
  const bool hard = down.kind == Kind::NotificationReceived
                        ? down.notification->is_hard_reset()
                        : bgp::fsm::ends_for_good(*down.notification);
  return hard ? std::nullopt : std::optional<std::chrono::seconds>(period);
}

}  // namespace msee::speaker
