// The graceful restart helper decision (RFC 4724 §4.2): when a session ends, are the peer's
// routes kept as stale, and for how long? Pure; the speaker carries it out.
#pragma once

#include <chrono>
#include <optional>

#include "bgp/fsm/fsm.hpp"

namespace msee::speaker {

// Returns the stale period, or nullopt when the routes go at once. RFC 4724 §4.2: the helper
// keeps the routes when the TCP session terminates (transport loss, and a hold-timer expiry,
// which ends the transport without the peer's NOTIFICATION) and the peer advertised the
// capability with a non-zero restart time. A NOTIFICATION, sent or received, or a local stop
// withdraws them (RFC 8538's N bit would change this; not negotiated yet).
inline std::optional<std::chrono::seconds> graceful_restart_stale_period(
    const bgp::fsm::SessionDown& down,
    const std::optional<bgp::wire::GracefulRestartCap>& peer_gr) {
  using Kind = bgp::fsm::SessionDown::Kind;
  if (!down.was_established || !peer_gr || peer_gr->restart_time == 0) {
    return std::nullopt;
  }
  if (down.kind != Kind::TransportClosed && down.kind != Kind::HoldTimerExpired) {
    return std::nullopt;
  }
  return std::chrono::seconds(peer_gr->restart_time);
}

}  // namespace msee::speaker
