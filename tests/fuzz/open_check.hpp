// Shared by the libFuzzer target open_fuzz.cpp and the unit test that replays its seeds and
// crashers (tests/bgp/fsm/open_vectors_test.cpp): one OPEN message body, from the version
// octet on (the 19-octet header is added here), through the codec, fsm::negotiate() and the
// FSM itself. Header-only so that both builds (clang libFuzzer, GCC unit tests) compile it
// with their own flags. Invariants, each reported as the bug it would be:
//  - frame()/decode() errors are registered NOTIFICATION codes (roundtrip.hpp) of the OPEN or
//    header kind, their offset inside the message;
//  - a decoded OPEN re-encodes and decodes to the same value;
//  - negotiate() against every NegotiationInput of local_inputs() either refuses with an
//    OPEN Message Error of RFC 4271 §6.2 (Unsupported Version Number carrying 4, Bad Peer AS,
//    Bad BGP Identifier, Unsupported Optional Parameter, Unacceptable Hold Time) or returns a
//    Negotiated that follows from both OPENs (hold time, keepalive, AS, families, capabilities);
//    never accepts AS 0 (RFC 7607 §2), a zero BGP Identifier or a hold time of 1 or 2;
//  - the FSM, in OpenSent, does what negotiate() says (OpenConfirm then Established with the
//    same Negotiated, or the same NOTIFICATION and Idle); a decode error is sent as is;
//  - make_open() of a local configuration taken from the peer's OPEN round-trips through the
//    codec, and negotiating each fixed input against it holds the same invariants.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "bgp/fsm/fsm.hpp"
#include "bgp/fsm/negotiation.hpp"
#include "roundtrip.hpp"

namespace msee::bgp::fuzz {

namespace wire = bgp::wire;

// The local sides every OPEN is negotiated against: an MSEE (AS 12076, expects the CE's
// 65001, IPv4+IPv6, GR helper), the plain harness accepting any AS with default capabilities,
// an iBGP speaker in AS 65001 with hold time 0 refused and a floor of 10 s, a 4-octet AS
// (4200000000) without extended message or route refresh, and a minimal old speaker (2-octet
// AS only, no capabilities at all, hold time 3).
inline std::vector<fsm::NegotiationInput> local_inputs() {
  std::vector<fsm::NegotiationInput> v;
  fsm::NegotiationInput msee;
  msee.local_as = 12076;
  msee.local_id = 0x0a000002;
  msee.expected_peer_as = 65001;
  msee.local_hold_time = 180;
  msee.local_caps.families = {wire::kIpv4Unicast, wire::kIpv6Unicast};
  msee.local_caps.graceful_restart_time = 120;
  v.push_back(msee);

  fsm::NegotiationInput any;
  any.local_as = 65010;
  any.local_id = 0x7f00000a;
  v.push_back(any);

  fsm::NegotiationInput ibgp;
  ibgp.local_as = 65001;
  ibgp.local_id = 0xc0000201;
  ibgp.expected_peer_as = 65001;
  ibgp.local_hold_time = 30;
  ibgp.min_hold_time = 10;
  ibgp.allow_hold_time_zero = false;
  ibgp.local_caps.families = {wire::kIpv6Unicast, wire::AfiSafi{wire::Afi::Ipv4,
                                                                wire::Safi::Multicast}};
  v.push_back(ibgp);

  fsm::NegotiationInput as4;
  as4.local_as = 4200000000u;
  as4.local_id = 0x01020304;
  as4.local_hold_time = 0;
  as4.local_caps.extended_message = false;
  as4.local_caps.route_refresh = false;
  as4.local_caps.enhanced_route_refresh = false;
  as4.local_caps.graceful_restart_time = 0;
  v.push_back(as4);

  fsm::NegotiationInput old;
  old.local_as = 64512;
  old.local_id = 0x0a0a0a0a;
  old.local_hold_time = 3;
  old.local_caps = fsm::Capabilities{{}, false, false, false, false, std::nullopt};
  v.push_back(old);
  return v;
}

// A local configuration that mirrors the peer's OPEN: its AS, identifier, hold time, families
// and capabilities, as if we had been configured to send that OPEN.
inline fsm::NegotiationInput mirror_of(const wire::OpenMessage& open) {
  fsm::NegotiationInput in;
  in.local_as = open.effective_as();
  in.local_id = open.bgp_id;
  in.local_hold_time = open.hold_time;
  in.local_caps.families.clear();
  for (const auto& c : open.capabilities) {
    if (const auto* mp = std::get_if<wire::MultiprotocolCap>(&c)) {
      in.local_caps.families.push_back(mp->afi_safi);
    }
  }
  in.local_caps.route_refresh = open.find<wire::RouteRefreshCap>() != nullptr;
  in.local_caps.enhanced_route_refresh = open.find<wire::EnhancedRouteRefreshCap>() != nullptr;
  in.local_caps.four_octet_as = open.find<wire::FourOctetAsCap>() != nullptr;
  in.local_caps.extended_message = open.find<wire::ExtendedMessageCap>() != nullptr;
  if (const auto* gr = open.find<wire::GracefulRestartCap>()) {
    in.local_caps.graceful_restart_time = gr->restart_time;
  }
  return in;
}

inline fsm::PeerConfig peer_config(const fsm::NegotiationInput& in) {
  fsm::PeerConfig pc;
  pc.local_as = in.local_as;
  pc.router_id = in.local_id;
  pc.peer_as = in.expected_peer_as;
  pc.hold_time = in.local_hold_time;
  pc.min_hold_time = in.min_hold_time;
  pc.allow_hold_time_zero = in.allow_hold_time_zero;
  pc.capabilities = in.local_caps;
  return pc;
}

// What a successful negotiation must say given both sides; nullopt if it does.
inline std::optional<std::string> check_negotiated(const fsm::NegotiationInput& in,
                                                   const wire::OpenMessage& peer,
                                                   const fsm::Negotiated& n) {
  const auto& ours = in.local_caps;
  if (n.peer_as == 0) {
    return "accepted peer AS 0 (RFC 7607 §2: Bad Peer AS)";
  }
  if (n.peer_as != peer.effective_as() ||
      (in.expected_peer_as != 0 && n.peer_as != in.expected_peer_as)) {
    return fmt::format("peer AS {} (OPEN says {}, expected {})", n.peer_as, peer.effective_as(),
                       in.expected_peer_as);
  }
  if (n.peer_id == 0 || n.peer_id != peer.bgp_id) {
    return fmt::format("peer BGP Identifier {:#x} for an OPEN with {:#x}", n.peer_id,
                       peer.bgp_id);
  }
  if (peer.version != 4 || peer.hold_time == 1 || peer.hold_time == 2 ||
      !peer.other_parameters.empty()) {
    return "accepted an OPEN that RFC 4271 §6.2 refuses (version, hold time 1/2, or a "
           "non-capability optional parameter)";
  }
  if (peer.hold_time > 0 && peer.hold_time < in.min_hold_time) {
    return "accepted a hold time below the configured floor";
  }
  if (n.hold_time != std::min(in.local_hold_time, peer.hold_time)) {
    return fmt::format("hold time {} is not min({}, {})", n.hold_time, in.local_hold_time,
                       peer.hold_time);
  }
  if ((n.hold_time == 0) != (n.keepalive_time == 0) ||
      (n.hold_time > 0 && n.keepalive_time > std::max(1, n.hold_time / 3))) {
    return fmt::format("keepalive {} for hold time {}", n.keepalive_time, n.hold_time);
  }
  bool peer_mp = false;
  for (const auto& c : peer.capabilities) {
    peer_mp = peer_mp || std::holds_alternative<wire::MultiprotocolCap>(c);
  }
  for (std::size_t i = 0; i < n.families.size(); ++i) {
    const auto f = n.families[i];
    const bool ours_has = std::find(ours.families.begin(), ours.families.end(), f) !=
                          ours.families.end();
    bool theirs = !peer_mp && f == wire::kIpv4Unicast;
    for (const auto& c : peer.capabilities) {
      const auto* mp = std::get_if<wire::MultiprotocolCap>(&c);
      theirs = theirs || (mp != nullptr && mp->afi_safi == f);
    }
    if (!ours_has || !theirs ||
        std::find(n.families.begin(), n.families.begin() + static_cast<long>(i), f) !=
            n.families.begin() + static_cast<long>(i)) {
      return "negotiated family " + wire::to_string(f) + " not offered by both sides or twice";
    }
  }
  if (n.four_octet_as != (ours.four_octet_as && peer.find<wire::FourOctetAsCap>() != nullptr) ||
      (n.extended_message && !ours.extended_message) ||
      (n.enhanced_route_refresh && !ours.enhanced_route_refresh) ||
      (n.route_refresh && !ours.route_refresh) ||
      (n.graceful_notification && !ours.graceful_restart_time) ||
      n.peer_graceful_restart.has_value() !=
          (peer.find<wire::GracefulRestartCap>() != nullptr) ||
      n.peer_capabilities != peer.capabilities) {
    return "a capability in effect that one side did not advertise";
  }
  return std::nullopt;
}

// negotiate(in, peer) and the invariants of either outcome.
inline std::optional<std::string> check_negotiation(const fsm::NegotiationInput& in,
                                                    const wire::OpenMessage& peer) {
  auto r = fsm::negotiate(in, peer);
  if (r) {
    return check_negotiated(in, peer, *r);
  }
  const auto& n = r.error();
  (void)n.describe();
  using wire::OpenSubcode;
  const auto sub = static_cast<OpenSubcode>(n.subcode);
  if (n.code != static_cast<std::uint8_t>(wire::ErrorCode::OpenMessageError) ||
      (sub != OpenSubcode::UnsupportedVersionNumber && sub != OpenSubcode::BadPeerAs &&
       sub != OpenSubcode::BadBgpIdentifier && sub != OpenSubcode::UnsupportedOptionalParameter &&
       sub != OpenSubcode::UnacceptableHoldTime)) {
    return fmt::format("negotiate() refused with {}/{}", n.code, n.subcode);
  }
  if (sub == OpenSubcode::UnsupportedVersionNumber &&
      (peer.version == 4 || n.data != std::vector<std::uint8_t>{0, 4})) {
    return "Unsupported Version Number without the data 0x0004 (RFC 4271 §6.2)";
  }
  return std::nullopt;
}

template <class T>
const T* find_action(const std::vector<fsm::Action>& actions) {
  for (const auto& a : actions) {
    if (const auto* p = std::get_if<T>(&a)) {
      return p;
    }
  }
  return nullptr;
}

// Our OPEN sent, then the peer's OPEN (or the decode error) arrives: the FSM must act as
// negotiate() decided; a KEEPALIVE then makes the session Established with that outcome.
inline std::optional<std::string> check_fsm(const fsm::NegotiationInput& in,
                                            const Result<wire::Message, wire::DecodeError>& d) {
  fsm::Fsm f(peer_config(in));
  std::vector<fsm::Action> all;
  auto step = [&](const fsm::Event& e) {
    (void)fsm::describe(e);
    auto out = f.handle(e);
    for (const auto& a : out) {
      (void)fsm::describe(a);
    }
    return out;
  };
  step(fsm::ManualStart{false});
  step(fsm::TcpConnectionConfirmed{});
  if (f.state() != fsm::State::OpenSent) {
    return "the FSM is not in OpenSent after the connection came up";
  }
  if (!d) {
    auto out = step(fsm::DecodeFailed{d.error()});
    const auto* sent = find_action<fsm::Send>(out);
    const auto* n = sent ? std::get_if<wire::NotificationMessage>(&sent->message) : nullptr;
    if (f.state() != fsm::State::Idle || n == nullptr ||
        !(*n == wire::NotificationMessage::from(d.error()))) {
      return "a malformed OPEN did not send its NOTIFICATION and go Idle";
    }
    return std::nullopt;
  }
  const auto& open = std::get<wire::OpenMessage>(*d);
  auto expected = fsm::negotiate(in, open);
  auto out = step(fsm::MessageReceived{open});
  const auto* sent = find_action<fsm::Send>(out);
  if (!expected) {
    const auto* n = sent ? std::get_if<wire::NotificationMessage>(&sent->message) : nullptr;
    if (f.state() != fsm::State::Idle || n == nullptr || !(*n == expected.error())) {
      return "the FSM did not refuse the OPEN with negotiate()'s NOTIFICATION";
    }
    return std::nullopt;
  }
  if (f.state() != fsm::State::OpenConfirm || sent == nullptr ||
      !std::holds_alternative<wire::KeepaliveMessage>(sent->message)) {
    return "an accepted OPEN did not lead to KEEPALIVE and OpenConfirm";
  }
  out = step(fsm::MessageReceived{wire::KeepaliveMessage{}});
  const auto* up = find_action<fsm::SessionEstablished>(out);
  if (f.state() != fsm::State::Established || up == nullptr || !(up->negotiated == *expected)) {
    return "KEEPALIVE in OpenConfirm did not establish the negotiated session";
  }
  return std::nullopt;
}

// encode(make_open(in)) decodes to make_open(in) (when it fits in 4096 octets).
inline std::optional<std::string> check_make_open(const fsm::NegotiationInput& in) {
  const wire::Message ours = fsm::make_open(in);
  const wire::Bytes b = wire::encode(ours, wire::EncodeContext{});
  if (b.size() > wire::kMaxMessageSize) {
    return std::nullopt;
  }
  auto again = wire::decode(b, wire::DecodeContext{});
  if (!again || !(*again == ours)) {
    return "make_open() does not survive encode/decode [" + wire::to_hex(b) + "]";
  }
  return std::nullopt;
}

// The whole check of one input (an OPEN body). nullopt when every invariant holds.
inline std::optional<std::string> check_open(wire::ByteSpan body) {
  if (body.size() > wire::kMaxExtendedMessageSize - wire::kHeaderSize) {
    return std::nullopt;  // the length field cannot say it
  }
  wire::Bytes msg(16, 0xff);
  const auto len = static_cast<std::uint16_t>(body.size() + wire::kHeaderSize);
  msg.push_back(static_cast<std::uint8_t>(len >> 8));
  msg.push_back(static_cast<std::uint8_t>(len & 0xff));
  msg.push_back(static_cast<std::uint8_t>(wire::MessageType::Open));
  msg.insert(msg.end(), body.begin(), body.end());

  const auto fr = wire::frame(msg, wire::kMaxMessageSize);
  if (const auto* err = std::get_if<wire::DecodeError>(&fr)) {
    if (!wire::fuzz::valid_notification(*err) || body.size() + wire::kHeaderSize <=
                                                     wire::kMaxMessageSize) {
      return "frame() refused a well-framed OPEN or with an unregistered code: " + err->reason;
    }
    return std::nullopt;
  }
  if (!std::holds_alternative<wire::Frame>(fr) || std::get<wire::Frame>(fr).length != msg.size()) {
    return "frame() did not frame the whole OPEN";
  }
  const auto d = wire::decode(msg, wire::DecodeContext{});
  const auto inputs = local_inputs();
  if (!d) {
    const auto& e = d.error();
    if (!wire::fuzz::valid_notification(e) ||
        (e.code != wire::ErrorCode::OpenMessageError &&
         e.code != wire::ErrorCode::MessageHeaderError) ||
        e.offset > msg.size()) {
      return "OPEN decode error " + std::to_string(static_cast<int>(e.code)) + "/" +
             std::to_string(e.subcode) + " not a valid OPEN NOTIFICATION: " + e.reason;
    }
    (void)wire::NotificationMessage::from(e).describe();
    for (const auto& in : inputs) {
      if (auto f = check_fsm(in, d)) {
        return *f;
      }
    }
    return std::nullopt;
  }
  const auto* open = std::get_if<wire::OpenMessage>(&*d);
  if (open == nullptr) {
    return "an OPEN decoded as another message type";
  }
  if (auto diff = wire::fuzz::check_roundtrip(*d, wire::DecodeContext{})) {
    return "OPEN round trip: " + *diff;
  }
  for (const auto& in : inputs) {
    if (auto f = check_negotiation(in, *open)) {
      return *f;
    }
    if (auto f = check_fsm(in, d)) {
      return *f;
    }
  }
  // The other direction: we are configured like this peer, the fixed inputs are the peers.
  const auto mirror = mirror_of(*open);
  if (auto f = check_make_open(mirror)) {
    return *f;
  }
  const wire::OpenMessage mirror_open = fsm::make_open(mirror);
  for (const auto& in : inputs) {
    if (auto f = check_negotiation(mirror, fsm::make_open(in))) {
      return "mirrored: " + *f;
    }
    if (auto f = check_negotiation(in, mirror_open)) {
      return "mirror's OPEN: " + *f;
    }
  }
  return std::nullopt;
}

}  // namespace msee::bgp::fuzz
