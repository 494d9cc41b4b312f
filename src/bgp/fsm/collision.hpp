// Connection collision detection (RFC 4271 §6.8), above two FSM instances for one peer.
#pragma once

#include "bgp/fsm/fsm.hpp"

namespace msee::bgp::fsm {

enum class CollisionOutcome {
  NoCollision,     // the other connection is Idle/Connect/Active/OpenSent: nothing to decide yet
  CloseExisting,   // close the other (older) connection with Cease/Connection Collision Resolution
  CloseNew,        // close the connection that just received an OPEN
};

// Called when `fresh` has just received the peer's OPEN (is in OpenConfirm) and `other` is
// the second connection to the same peer. `fresh_is_outbound` says who initiated `fresh`.
// RFC 4271 §6.8: if the other connection is Established, the new one is closed; if the other
// is in OpenConfirm, the connection initiated by the side with the lower BGP Identifier is
// closed (the one we initiated when local_id < remote_id, else the one the peer initiated).
CollisionOutcome resolve_collision(wire::RouterId local_id, wire::RouterId remote_id,
                                   State other_state, bool fresh_is_outbound);

}  // namespace msee::bgp::fsm
