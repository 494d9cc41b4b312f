// OPEN construction and negotiation: RFC 4271 §4.2/§6.2 (OPEN checks, hold time), RFC 5492
// (capabilities), RFC 6793 (four-octet AS), RFC 6286 §2.2 (BGP Identifier), RFC 4760
// (Multiprotocol families), RFC 2918/RFC 7313 (route refresh), RFC 8654 (extended message),
// RFC 4724 (graceful restart, helper mode only). Pure: values in, a Negotiated or the
// NOTIFICATION to send out.
#include "bgp/fsm/negotiation.hpp"

#include <algorithm>

namespace msee::bgp::fsm {

namespace {

using wire::ErrorCode;
using wire::NotificationMessage;
using wire::OpenSubcode;

constexpr std::uint8_t kBgpVersion = 4;
// Capability code 128: Cisco's pre-standard ROUTE-REFRESH capability, still sent by some
// older stacks next to (or instead of) code 2. Both announce the same RFC 2918 message.
constexpr std::uint8_t kCiscoRouteRefreshCode = 128;

NotificationMessage open_error(OpenSubcode subcode, std::vector<std::uint8_t> data = {}) {
  return NotificationMessage::make(ErrorCode::OpenMessageError,
                                   static_cast<std::uint8_t>(subcode), std::move(data));
}

std::vector<std::uint8_t> u16_bytes(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v & 0xff)};
}

bool peer_offers_route_refresh(const wire::OpenMessage& open) {
  for (const auto& cap : open.capabilities) {
    if (std::holds_alternative<wire::RouteRefreshCap>(cap)) {
      return true;
    }
    if (const auto* unknown = std::get_if<wire::UnknownCap>(&cap);
        unknown != nullptr && unknown->code == kCiscoRouteRefreshCode) {
      return true;
    }
  }
  return false;
}

// RFC 4760 §6: a family is usable only when both sides advertised it. A peer that sends no
// Multiprotocol capability at all is a pre-RFC 4760 speaker; it can only mean IPv4 unicast
// (what every implementation assumes, cf. RFC 4760 §8 on the default of the base protocol).
std::vector<wire::AfiSafi> common_families(const std::vector<wire::AfiSafi>& ours,
                                           const wire::OpenMessage& peer) {
  std::vector<wire::AfiSafi> theirs;
  for (const auto& cap : peer.capabilities) {
    if (const auto* mp = std::get_if<wire::MultiprotocolCap>(&cap)) {
      theirs.push_back(mp->afi_safi);
    }
  }
  if (theirs.empty()) {
    theirs.push_back(wire::kIpv4Unicast);
  }
  std::vector<wire::AfiSafi> common;
  for (const auto& family : ours) {
    const bool offered = std::find(theirs.begin(), theirs.end(), family) != theirs.end();
    const bool seen = std::find(common.begin(), common.end(), family) != common.end();
    if (offered && !seen) {
      common.push_back(family);
    }
  }
  return common;
}

}  // namespace

wire::OpenMessage make_open(const NegotiationInput& in) {
  wire::OpenMessage open;
  open.version = kBgpVersion;
  // RFC 6793 §4.1: an AS that does not fit in 2 octets is sent as AS_TRANS in My AS; the real
  // one travels in the FourOctetAs capability. (A config with local_as > 65535 and
  // four_octet_as off is rejected by config validation; here it would just send AS_TRANS.)
  open.my_as = in.local_as > 0xffff ? static_cast<std::uint16_t>(wire::kAsTrans)
                                    : static_cast<std::uint16_t>(in.local_as);
  open.hold_time = in.local_hold_time;
  open.bgp_id = in.local_id;

  const Capabilities& caps = in.local_caps;
  for (const auto& family : caps.families) {
    open.capabilities.emplace_back(wire::MultiprotocolCap{family});
  }
  if (caps.route_refresh) {
    open.capabilities.emplace_back(wire::RouteRefreshCap{});
  }
  if (caps.enhanced_route_refresh) {
    open.capabilities.emplace_back(wire::EnhancedRouteRefreshCap{});
  }
  if (caps.extended_message) {
    open.capabilities.emplace_back(wire::ExtendedMessageCap{});
  }
  if (caps.graceful_restart_time) {
    // RFC 4724 §3: helper mode only. We never restart with forwarding preserved, so the
    // Restart State bit is clear and no family claims Forwarding State.
    wire::GracefulRestartCap gr;
    gr.restart_state = false;
    gr.notification = true;  // RFC 8538 §2: we apply GR to NOTIFICATIONs but Hard Reset
    gr.restart_time = std::min<std::uint16_t>(*caps.graceful_restart_time, 4095);
    for (const auto& family : caps.families) {
      gr.families.push_back(wire::GracefulRestartCap::Family{family, false});
    }
    open.capabilities.emplace_back(std::move(gr));
  }
  if (caps.four_octet_as) {
    open.capabilities.emplace_back(wire::FourOctetAsCap{in.local_as});
  }
  return open;
}

bool ends_for_good(const wire::NotificationMessage& n) {
  if (n.code != static_cast<std::uint8_t>(wire::ErrorCode::Cease)) {
    return false;
  }
  switch (static_cast<wire::CeaseSubcode>(n.subcode)) {
    case wire::CeaseSubcode::MaximumNumberOfPrefixesReached:
    case wire::CeaseSubcode::AdministrativeShutdown:
    case wire::CeaseSubcode::PeerDeconfigured:
    case wire::CeaseSubcode::AdministrativeReset:
    case wire::CeaseSubcode::HardReset:
      return true;
    default:
      return false;
  }
}

Result<Negotiated, wire::NotificationMessage> negotiate(const NegotiationInput& in,
                                                        const wire::OpenMessage& peer) {
  // RFC 4271 §6.2: unsupported version → Unsupported Version Number; the data field is "the
  // largest locally-supported version number less than the version the remote BGP peer bid"
  // as a 2-octet unsigned integer. We only speak 4.
  if (peer.version != kBgpVersion) {
    return msee::unexpected(open_error(OpenSubcode::UnsupportedVersionNumber, u16_bytes(4)));
  }

  // RFC 6793 §4.1: My AS may be AS_TRANS only as a placeholder for an AS carried in the
  // FourOctetAs capability. AS_TRANS without the capability names no real AS.
  const bool has_four_octet = peer.find<wire::FourOctetAsCap>() != nullptr;
  if (peer.my_as == wire::kAsTrans && !has_four_octet) {
    return msee::unexpected(open_error(OpenSubcode::BadPeerAs, u16_bytes(peer.my_as)));
  }
  const wire::Asn peer_as = peer.effective_as();
  // RFC 4271 §6.2: an unacceptable AS → Bad Peer AS. The data (the 2-octet My AS field as
  // received) is not required by the RFC but tells the peer what we saw. RFC 7607 §2: AS 0
  // is refused so even when any AS is accepted (expected_peer_as 0).
  if (peer_as == 0 || (in.expected_peer_as != 0 && peer_as != in.expected_peer_as)) {
    return msee::unexpected(open_error(OpenSubcode::BadPeerAs, u16_bytes(peer.my_as)));
  }

  // RFC 6286 §2.2: the BGP Identifier must be non-zero; it must differ from ours only for an
  // internal peer (two eBGP speakers may share an identifier, §2.3 breaks collision ties).
  if (peer.bgp_id == 0) {
    return msee::unexpected(open_error(OpenSubcode::BadBgpIdentifier));
  }
  if (peer.bgp_id == in.local_id && peer_as == in.local_as) {
    return msee::unexpected(open_error(OpenSubcode::BadBgpIdentifier));
  }

  // RFC 4271 §6.2 / §4.2: the hold time is 0 or at least 3 seconds; 1 and 2 are always
  // refused. Our floor (min_hold_time) and whether we accept 0 are local policy on top.
  if (peer.hold_time == 1 || peer.hold_time == 2) {
    return msee::unexpected(open_error(OpenSubcode::UnacceptableHoldTime));
  }
  if (peer.hold_time > 0 && peer.hold_time < in.min_hold_time) {
    return msee::unexpected(open_error(OpenSubcode::UnacceptableHoldTime));
  }
  if (peer.hold_time == 0 && !in.allow_hold_time_zero) {
    return msee::unexpected(open_error(OpenSubcode::UnacceptableHoldTime));
  }

  // RFC 4271 §6.2: an optional parameter we do not recognize → Unsupported Optional
  // Parameter. Capabilities (type 2, RFC 5492) are the only parameter type we know.
  if (!peer.other_parameters.empty()) {
    return msee::unexpected(open_error(OpenSubcode::UnsupportedOptionalParameter));
  }

  const Capabilities& ours = in.local_caps;
  Negotiated n;
  n.peer_as = peer_as;
  n.peer_id = peer.bgp_id;
  // RFC 4271 §4.2: the session uses the smaller of the two hold times; if either side
  // offered 0 the minimum is 0, which turns off both the hold and the keepalive timer.
  n.hold_time = std::min(in.local_hold_time, peer.hold_time);
  // RFC 4271 §10: KeepaliveTime is a third of the hold time. Our own offer may be below 3
  // (mis-configuration); never let a running hold timer come with a 0 keepalive.
  n.keepalive_time = 0;
  if (n.hold_time > 0) {
    n.keepalive_time = std::max<std::uint16_t>(1, static_cast<std::uint16_t>(n.hold_time / 3));
  }
  // RFC 5492 §3: a capability is in effect only when both sides advertised it.
  n.four_octet_as = ours.four_octet_as && has_four_octet;
  n.extended_message = ours.extended_message && peer.find<wire::ExtendedMessageCap>() != nullptr;
  n.route_refresh = ours.route_refresh && peer_offers_route_refresh(peer);
  n.enhanced_route_refresh =
      ours.enhanced_route_refresh && peer.find<wire::EnhancedRouteRefreshCap>() != nullptr;
  n.families = common_families(ours.families, peer);
  if (const auto* gr = peer.find<wire::GracefulRestartCap>()) {
    n.peer_graceful_restart = *gr;
    // RFC 8538 §2: in effect when both sides set the N bit (ours is set whenever we send GR).
    n.graceful_notification = ours.graceful_restart_time.has_value() && gr->notification;
  }
  n.peer_capabilities = peer.capabilities;
  return n;
}

}  // namespace msee::bgp::fsm
