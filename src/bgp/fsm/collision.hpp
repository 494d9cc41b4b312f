// Connection collision detection (RFC 4271 §6.8), above two FSM instances for one peer.
#pragma once

#include "bgp/fsm/fsm.hpp"

namespace msee::bgp::fsm {

enum class CollisionOutcome {
  NoCollision,     // the other connection is Idle/Connect/Active/OpenSent: nothing to decide yet
  CloseExisting,   // close the other (older) connection with Cease/Connection Collision Resolution
  CloseNew,        // close the connection that just received an OPEN
};

// One side of a collision: its BGP Identifier and AS (the peer's from its OPEN,
// wire::OpenMessage::effective_as).
struct BgpSpeakerId {
  wire::RouterId id = 0;
  wire::Asn asn = 0;
};

// Called when `fresh` has just received the peer's OPEN (is in OpenConfirm) and `other` is
// the second connection to the same peer. `fresh_is_outbound` says who initiated `fresh`.
// RFC 4271 §6.8: if the other connection is Established, the new one is closed; if the other
// is in OpenConfirm, the connection initiated by the side with the lower BGP Identifier is
// closed (the one we initiated when local.id < remote.id, else the one the peer initiated).
// RFC 6286 §2.3: with equal identifiers (two eBGP speakers may share one), the connection
// initiated by the side with the larger AS is kept.
CollisionOutcome resolve_collision(BgpSpeakerId local, BgpSpeakerId remote, State other_state,
                                   bool fresh_is_outbound);

}  // namespace msee::bgp::fsm
