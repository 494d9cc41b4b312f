// OPEN negotiation (RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 4760, RFC 2918, RFC 7313,
// RFC 8654, RFC 4724): a pure function of our configuration and the peer's OPEN that returns
// what the session will use, or the NOTIFICATION to send.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgp/wire/message.hpp"
#include "util/result.hpp"

namespace msee::bgp::fsm {

// What we advertise in our OPEN.
struct Capabilities {
  std::vector<wire::AfiSafi> families{wire::kIpv4Unicast};  // Multiprotocol, one per family
  bool route_refresh = true;
  bool enhanced_route_refresh = true;
  bool four_octet_as = true;
  bool extended_message = true;
  std::optional<std::uint16_t> graceful_restart_time;  // GR capability (helper mode) if set
};

// The outcome of a successful negotiation.
struct Negotiated {
  wire::Asn peer_as = 0;
  wire::RouterId peer_id = 0;
  std::uint16_t hold_time = 0;        // min(ours, theirs); 0 = no hold timer, no keepalives
  std::uint16_t keepalive_time = 0;   // hold_time / 3 (RFC 4271 §10), 0 when hold_time is 0
  bool four_octet_as = false;
  bool extended_message = false;
  bool route_refresh = false;         // peer may send / accepts ROUTE-REFRESH
  bool enhanced_route_refresh = false;
  std::vector<wire::AfiSafi> families;  // both sides advertised (RFC 4760 §6); IPv4 unicast
                                        // is implied when the peer sends no Multiprotocol cap
  std::optional<wire::GracefulRestartCap> peer_graceful_restart;
  bool graceful_notification = false;  // RFC 8538: both sent GR with the N bit
  std::vector<wire::Capability> peer_capabilities;  // as received, for `sessions` output
  bool operator==(const Negotiated&) const = default;
};

struct NegotiationInput {
  wire::Asn local_as = 0;
  wire::RouterId local_id = 0;
  wire::Asn expected_peer_as = 0;     // 0 = any
  std::uint16_t local_hold_time = 90;
  std::uint16_t min_hold_time = 3;
  bool allow_hold_time_zero = true;
  Capabilities local_caps;
};

// RFC 8538 §5: the NOTIFICATIONs that end a session for good, so that with the N bit they are
// sent as Cease/Hard Reset and the peer's routes are not kept: Cease Maximum Number of
// Prefixes Reached, Administrative Shutdown, Peer De-configured, Administrative Reset, and
// Hard Reset itself. Every other NOTIFICATION leaves graceful restart in force.
bool ends_for_good(const wire::NotificationMessage& n);

// Builds our OPEN: my_as is AS_TRANS when local_as > 65535 (RFC 6793 §4.1).
wire::OpenMessage make_open(const NegotiationInput& in);

// RFC 4271 §6.2 checks in order: version (Unsupported Version Number, data = our version as
// 2 octets), peer AS (Bad Peer AS), BGP Identifier (Bad BGP Identifier: zero, or equal to ours
// for iBGP per RFC 6286 §2.2), hold time (Unacceptable Hold Time: 1, 2, or below the floor),
// non-capability optional parameters (Unsupported Optional Parameter).
Result<Negotiated, wire::NotificationMessage> negotiate(const NegotiationInput& in,
                                                        const wire::OpenMessage& peer_open);

}  // namespace msee::bgp::fsm
