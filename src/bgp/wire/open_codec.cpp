// OPEN message codec (RFC 4271 §4.2, §6.2) with its optional parameters: RFC 5492 capabilities
// (Multiprotocol RFC 4760 §8, Route Refresh RFC 2918, Enhanced Route Refresh RFC 7313,
// Extended Message RFC 8654, 4-octet AS RFC 6793, Graceful Restart RFC 4724 §3 with the RFC
// 8538 "N" bit) and the RFC 9072 extended optional parameters length. Only what is needed to
// parse is checked here; OPEN policy (AS, hold time, BGP Identifier) belongs to
// fsm::negotiate(). Framing and dispatch are codec.cpp's.
#include "bgp/wire/open_codec.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

namespace msee::bgp::wire::detail {

namespace {

constexpr std::uint8_t kBgpVersion = 4;
constexpr std::uint8_t kParamCapabilities = 2;      // RFC 5492 §4
constexpr std::uint8_t kParamExtendedLength = 255;  // RFC 9072 §2
constexpr std::size_t kMaxNonExtendedParams = 255;

constexpr std::uint16_t kGrRestartStateBit = 0x8000;   // RFC 4724 §3 "R"
constexpr std::uint16_t kGrNotificationBit = 0x4000;   // RFC 8538 §2 "N"
constexpr std::uint16_t kGrRestartTimeMask = 0x0FFF;
constexpr std::uint8_t kGrForwardingStateBit = 0x80;   // RFC 4724 §3 "F"

DecodeError open_error(OpenSubcode subcode, std::size_t offset, std::string reason,
                       Bytes data = {}) {
  return DecodeError{ErrorCode::OpenMessageError, static_cast<std::uint8_t>(subcode),
                     std::move(data), offset, std::move(reason)};
}

// ---------------------------------------------------------------------------------------------
// Capabilities (RFC 5492 §4)

// A known capability whose value has the wrong size cannot be interpreted, and guessing would
// negotiate something the peer did not mean. RFC 5492 names no subcode for it, so we use
// Open Message Error / Unspecific (RFC 4271 §4.5), as for other malformed OPEN contents.
DecodeError cap_length_error(std::uint8_t code, std::size_t len, std::string_view want,
                             std::size_t len_at) {
  return open_error(OpenSubcode::Unspecific, len_at,
                    fmt::format("capability {} has length {}, expected {}", code, len, want));
}

Result<Capability, DecodeError> decode_capability(std::uint8_t code, ByteReader v,
                                                  std::size_t len_at) {
  std::size_t len = v.remaining();
  auto exact = [&](std::size_t n) { return len == n; };
  switch (static_cast<CapabilityCode>(code)) {
    case CapabilityCode::Multiprotocol: {
      if (!exact(4)) {
        return unexpected(cap_length_error(code, len, "4", len_at));
      }
      auto afi = static_cast<Afi>(v.read_u16());
      v.read_u8();  // RFC 4760 §8: Reserved, ignored by the receiver
      auto safi = static_cast<Safi>(v.read_u8());
      return Capability{MultiprotocolCap{AfiSafi{afi, safi}}};
    }
    case CapabilityCode::RouteRefresh:
      if (!exact(0)) {
        return unexpected(cap_length_error(code, len, "0", len_at));
      }
      return Capability{RouteRefreshCap{}};
    case CapabilityCode::EnhancedRouteRefresh:
      if (!exact(0)) {
        return unexpected(cap_length_error(code, len, "0", len_at));
      }
      return Capability{EnhancedRouteRefreshCap{}};
    case CapabilityCode::ExtendedMessage:
      if (!exact(0)) {
        return unexpected(cap_length_error(code, len, "0", len_at));
      }
      return Capability{ExtendedMessageCap{}};
    case CapabilityCode::FourOctetAs:
      if (!exact(4)) {
        return unexpected(cap_length_error(code, len, "4", len_at));
      }
      return Capability{FourOctetAsCap{v.read_u32()}};
    case CapabilityCode::GracefulRestart: {
      // RFC 4724 §3: 2 octets of flags and time, then 4 octets per AFI/SAFI.
      if (len < 2 || (len - 2) % 4 != 0) {
        return unexpected(cap_length_error(code, len, "2 + 4n", len_at));
      }
      GracefulRestartCap gr;
      std::uint16_t head = v.read_u16();
      gr.restart_state = (head & kGrRestartStateBit) != 0;
      gr.notification = (head & kGrNotificationBit) != 0;
      gr.restart_time = head & kGrRestartTimeMask;
      while (!v.empty()) {
        GracefulRestartCap::Family f;
        f.afi_safi.afi = static_cast<Afi>(v.read_u16());
        f.afi_safi.safi = static_cast<Safi>(v.read_u8());
        f.forwarding_state = (v.read_u8() & kGrForwardingStateBit) != 0;
        gr.families.push_back(f);
      }
      return Capability{std::move(gr)};
    }
    case CapabilityCode::ExtendedNextHop:
    case CapabilityCode::AddPath:
      break;  // kept raw: not negotiated by this speaker
  }
  ByteSpan raw = v.rest();
  return Capability{UnknownCap{code, Bytes(raw.begin(), raw.end())}};
}

// The value of one Capabilities Optional Parameter: any number of capability TLVs
// (RFC 5492 §4 allows several per parameter as well as one parameter per capability).
std::optional<DecodeError> decode_capabilities(ByteReader p, std::vector<Capability>& out) {
  while (!p.empty()) {
    std::uint8_t code = p.read_u8();
    std::size_t len_at = p.offset();
    std::size_t len = p.read_u8();
    if (!p.ok()) {
      return open_error(OpenSubcode::Unspecific, len_at,
                        fmt::format("capability {} header truncated by its parameter", code));
    }
    if (len > p.remaining()) {
      return open_error(OpenSubcode::Unspecific, len_at,
                        fmt::format("capability {} length {} overruns its parameter ({} left)",
                                    code, len, p.remaining()));
    }
    auto cap = decode_capability(code, p.sub_reader(len), len_at);
    if (!cap) {
      return std::move(cap).error();
    }
    out.push_back(std::move(*cap));
  }
  return std::nullopt;
}

void encode_capability(const Capability& cap, Bytes& out) {
  ByteWriter w(out);
  struct Visitor {
    ByteWriter& w;
    std::uint8_t operator()(const MultiprotocolCap& c) const {
      w.u16(static_cast<std::uint16_t>(c.afi_safi.afi));
      w.u8(0);
      w.u8(static_cast<std::uint8_t>(c.afi_safi.safi));
      return static_cast<std::uint8_t>(CapabilityCode::Multiprotocol);
    }
    std::uint8_t operator()(const RouteRefreshCap&) const {
      return static_cast<std::uint8_t>(CapabilityCode::RouteRefresh);
    }
    std::uint8_t operator()(const EnhancedRouteRefreshCap&) const {
      return static_cast<std::uint8_t>(CapabilityCode::EnhancedRouteRefresh);
    }
    std::uint8_t operator()(const ExtendedMessageCap&) const {
      return static_cast<std::uint8_t>(CapabilityCode::ExtendedMessage);
    }
    std::uint8_t operator()(const FourOctetAsCap& c) const {
      w.u32(c.asn);
      return static_cast<std::uint8_t>(CapabilityCode::FourOctetAs);
    }
    std::uint8_t operator()(const GracefulRestartCap& c) const {
      std::uint16_t head = c.restart_time & kGrRestartTimeMask;
      head |= c.restart_state ? kGrRestartStateBit : 0;
      head |= c.notification ? kGrNotificationBit : 0;
      w.u16(head);
      for (const auto& f : c.families) {
        w.u16(static_cast<std::uint16_t>(f.afi_safi.afi));
        w.u8(static_cast<std::uint8_t>(f.afi_safi.safi));
        w.u8(f.forwarding_state ? kGrForwardingStateBit : 0);
      }
      return static_cast<std::uint8_t>(CapabilityCode::GracefulRestart);
    }
    std::uint8_t operator()(const UnknownCap& c) const {
      w.bytes(c.value);
      return c.code;
    }
  };
  std::size_t code_at = w.placeholder_u8();
  std::size_t len_at = w.placeholder_u8();
  std::uint8_t code = std::visit(Visitor{w}, cap);
  w.patch_u8(code_at, code);
  w.patch_u8(len_at, static_cast<std::uint8_t>(w.size() - len_at - 1));
}

// One Optional Parameter per capability, as most speakers send them (RFC 5492 §4 allows both).
Bytes encode_open_params(const OpenMessage& open, bool extended) {
  Bytes out;
  ByteWriter w(out);
  auto param = [&](std::uint8_t type, ByteSpan value) {
    w.u8(type);
    if (extended) {
      w.u16(static_cast<std::uint16_t>(value.size()));
    } else {
      w.u8(static_cast<std::uint8_t>(value.size()));
    }
    w.bytes(value);
  };
  Bytes tlv;
  for (const auto& cap : open.capabilities) {
    tlv.clear();
    encode_capability(cap, tlv);
    param(kParamCapabilities, tlv);
  }
  for (const auto& other : open.other_parameters) {
    param(other.type, other.value);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// OPEN (RFC 4271 §4.2)

Result<Message, DecodeError> decode_open(ByteSpan msg) {
  ByteReader r(msg.subspan(kHeaderSize), kHeaderSize);
  OpenMessage open;
  open.version = r.read_u8();
  // RFC 4271 §6.2: the data is the largest version we support. Checked before anything else
  // because the rest of the layout is only known for version 4.
  if (open.version != kBgpVersion) {
    return unexpected(open_error(OpenSubcode::UnsupportedVersionNumber, kHeaderSize,
                                 fmt::format("version {} (we speak 4)", open.version),
                                 Bytes{0, kBgpVersion}));
  }
  open.my_as = r.read_u16();
  open.hold_time = r.read_u16();
  open.bgp_id = r.read_u32();
  std::size_t len_at = r.offset();
  std::size_t params_len = r.read_u8();
  bool extended = false;
  // RFC 9072 §2: Non-Ext OP Len 255 followed by Non-Ext OP Type 255 announces the extended
  // encoding: a 2-octet total length and 2-octet parameter lengths.
  if (params_len == kMaxNonExtendedParams && r.remaining() >= 1) {
    ByteReader peek = r;
    if (peek.read_u8() == kParamExtendedLength) {
      r.read_u8();
      len_at = r.offset();
      params_len = r.read_u16();
      extended = true;
      if (!r.ok()) {
        return unexpected(open_error(OpenSubcode::Unspecific, len_at,
                                     "extended optional parameters length truncated"));
      }
    }
  }
  // The parameters must fill the message exactly; RFC 4271 has no subcode for a mismatch, so
  // it is an Unspecific OPEN error (a short message was already refused by the 29-octet check).
  if (params_len != r.remaining()) {
    return unexpected(open_error(
        OpenSubcode::Unspecific, len_at,
        fmt::format("optional parameters length {} but {} octets follow", params_len,
                    r.remaining())));
  }
  while (!r.empty()) {
    std::uint8_t type = r.read_u8();
    std::size_t plen_at = r.offset();
    std::size_t plen = extended ? r.read_u16() : r.read_u8();
    if (!r.ok()) {
      return unexpected(open_error(OpenSubcode::Unspecific, plen_at,
                                   fmt::format("optional parameter {} header truncated", type)));
    }
    if (plen > r.remaining()) {
      return unexpected(open_error(
          OpenSubcode::Unspecific, plen_at,
          fmt::format("optional parameter {} length {} overruns the {} octets left", type, plen,
                      r.remaining())));
    }
    ByteReader p = r.sub_reader(plen);
    if (type == kParamCapabilities) {
      if (auto err = decode_capabilities(p, open.capabilities)) {
        return unexpected(std::move(*err));
      }
    } else {
      // Not ours to refuse: negotiation answers Unsupported Optional Parameter (RFC 4271 §6.2).
      ByteSpan value = p.rest();
      open.other_parameters.push_back(OptionalParameter{type, Bytes(value.begin(), value.end())});
    }
  }
  return Message{std::move(open)};
}

void encode_open(const OpenMessage& open, ByteWriter& w) {
  w.u8(open.version);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.u32(open.bgp_id);
  Bytes params = encode_open_params(open, false);
  // RFC 9072 §2: the base encoding SHOULD be used whenever it fits. A first parameter of type
  // 255 (only ever a received one being re-encoded: we send type 2 first) would make a
  // 255-octet list read as extended, so such a list always takes the extended encoding.
  const bool first_is_255 = !params.empty() && params[0] == kParamExtendedLength;
  if (params.size() <= kMaxNonExtendedParams && !first_is_255) {
    w.u8(static_cast<std::uint8_t>(params.size()));
  } else {
    params = encode_open_params(open, true);
    w.u8(static_cast<std::uint8_t>(kMaxNonExtendedParams));
    w.u8(kParamExtendedLength);
    w.u16(static_cast<std::uint16_t>(params.size()));
  }
  w.bytes(params);
}

}  // namespace msee::bgp::wire::detail
