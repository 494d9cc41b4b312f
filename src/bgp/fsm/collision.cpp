// Connection collision resolution (RFC 4271 §6.8) between two FSM instances for one peer:
// decides which of the two transport connections survives once both have an OPEN.
#include "bgp/fsm/collision.hpp"

namespace msee::bgp::fsm {

CollisionOutcome resolve_collision(BgpSpeakerId local, BgpSpeakerId remote, State other_state,
                                   bool fresh_is_outbound) {
  switch (other_state) {
    case State::Idle:
    case State::Connect:
    case State::Active:
    case State::OpenSent:
      // RFC 4271 §6.8: only connections in OpenConfirm (and Established) are examined; the
      // peer's BGP Identifier is not known on the other connection before its OPEN arrives.
      // The check runs again when that connection reaches OpenConfirm.
      return CollisionOutcome::NoCollision;
    case State::Established:
      // RFC 4271 §6.8: "a connection collision with an existing BGP connection that is in
      // the Established state causes closing of the newly created connection".
      return CollisionOutcome::CloseNew;
    case State::OpenConfirm:
      break;
  }
  // RFC 4271 §6.8: compare the BGP Identifiers as unsigned 32-bit integers (host order here);
  // the connection initiated by the speaker with the lower identifier is closed. RFC 6286
  // §2.3: equal identifiers (eBGP only, negotiation refuses them on iBGP) keep the connection
  // of the speaker with the larger AS, so the one initiated by the smaller AS is closed.
  const bool close_outbound =
      local.id != remote.id ? local.id < remote.id : local.asn < remote.asn;
  const bool close_fresh = fresh_is_outbound == close_outbound;
  return close_fresh ? CollisionOutcome::CloseNew : CollisionOutcome::CloseExisting;
}

}  // namespace msee::bgp::fsm
