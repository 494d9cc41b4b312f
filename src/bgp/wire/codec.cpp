// Framing (RFC 4271 §4.1, §6.1), message dispatch, and the OPEN (RFC 4271 §4.2, §6.2;
// RFC 5492 capabilities; RFC 9072 extended optional parameters), NOTIFICATION (§4.5),
// KEEPALIVE (§4.4) and ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3, §5) codecs. UPDATE bodies are
// handled by update_codec.cpp; this file only checks the UPDATE minimum length and wraps it.
// Only what is needed to parse is checked here; OPEN policy (AS, hold time, BGP Identifier)
// belongs to fsm::negotiate().
#include "bgp/wire/codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "bgp/wire/update_codec.hpp"

namespace msee::bgp::wire {

namespace {

constexpr std::size_t kMarkerSize = 16;
constexpr std::size_t kLengthOffset = 16;
constexpr std::size_t kTypeOffset = 18;
constexpr std::size_t kMinOpenSize = 29;          // RFC 4271 §4.2
constexpr std::size_t kMinUpdateSize = 23;        // RFC 4271 §4.3
constexpr std::size_t kMinNotificationSize = 21;  // RFC 4271 §4.5
constexpr std::size_t kRouteRefreshSize = 23;     // RFC 2918 §3
constexpr std::uint8_t kBgpVersion = 4;
constexpr std::uint8_t kParamCapabilities = 2;      // RFC 5492 §4
constexpr std::uint8_t kParamExtendedLength = 255;  // RFC 9072 §2
constexpr std::size_t kMaxNonExtendedParams = 255;

constexpr std::uint16_t kGrRestartStateBit = 0x8000;   // RFC 4724 §3 "R"
constexpr std::uint16_t kGrNotificationBit = 0x4000;   // RFC 8538 §2 "N"
constexpr std::uint16_t kGrRestartTimeMask = 0x0FFF;
constexpr std::uint8_t kGrForwardingStateBit = 0x80;   // RFC 4724 §3 "F"

std::uint16_t length_field(ByteSpan msg) {
  return static_cast<std::uint16_t>((msg[kLengthOffset] << 8) | msg[kLengthOffset + 1]);
}

DecodeError make_error(ErrorCode code, std::uint8_t subcode, Bytes data, std::size_t offset,
                       std::string reason) {
  return DecodeError{code, subcode, std::move(data), offset, std::move(reason)};
}

// RFC 4271 §6.1: Bad Message Length carries the erroneous Length field as its data.
DecodeError bad_length(std::uint16_t length, std::string reason) {
  Bytes data{static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
  return make_error(ErrorCode::MessageHeaderError,
                    static_cast<std::uint8_t>(HeaderSubcode::BadMessageLength), std::move(data),
                    kLengthOffset, std::move(reason));
}

DecodeError open_error(OpenSubcode subcode, std::size_t offset, std::string reason,
                       Bytes data = {}) {
  return make_error(ErrorCode::OpenMessageError, static_cast<std::uint8_t>(subcode),
                    std::move(data), offset, std::move(reason));
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

void encode_open(const OpenMessage& open, ByteWriter& w) {
  w.u8(open.version);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.u32(open.bgp_id);
  Bytes params = encode_open_params(open, false);
  if (params.size() <= kMaxNonExtendedParams) {
    // RFC 9072 §2: the base encoding SHOULD be used whenever it fits. A first parameter of type
    // 255 could make a 255-octet list look extended, but we only send type 2 first.
    w.u8(static_cast<std::uint8_t>(params.size()));
  } else {
    params = encode_open_params(open, true);
    w.u8(static_cast<std::uint8_t>(kMaxNonExtendedParams));
    w.u8(kParamExtendedLength);
    w.u16(static_cast<std::uint16_t>(params.size()));
  }
  w.bytes(params);
}

// ---------------------------------------------------------------------------------------------
// NOTIFICATION, KEEPALIVE, ROUTE-REFRESH

Message decode_notification(ByteSpan msg) {
  ByteReader r(msg.subspan(kHeaderSize), kHeaderSize);
  NotificationMessage n;
  n.code = r.read_u8();
  n.subcode = r.read_u8();
  ByteSpan data = r.rest();
  n.data.assign(data.begin(), data.end());
  return Message{std::move(n)};
}

Message decode_route_refresh(ByteSpan msg) {
  ByteReader r(msg.subspan(kHeaderSize), kHeaderSize);
  RouteRefreshMessage rr;
  rr.afi_safi.afi = static_cast<Afi>(r.read_u16());
  // RFC 7313 §5: subtypes other than 0..2 are kept as numbers; the receiver ignores them.
  rr.subtype = static_cast<RouteRefreshSubtype>(r.read_u8());
  rr.afi_safi.safi = static_cast<Safi>(r.read_u8());
  return Message{rr};
}

}  // namespace

// ---------------------------------------------------------------------------------------------

FrameResult frame(ByteSpan buf, std::size_t max_len) noexcept {
  // RFC 4271 §6.1: a marker that is not all ones means we lost sync. Checked on whatever part
  // of the marker has arrived, so a garbage stream is refused without waiting.
  std::size_t marker_seen = std::min(buf.size(), kMarkerSize);
  for (std::size_t i = 0; i < marker_seen; ++i) {
    if (buf[i] != 0xFF) {
      return make_error(ErrorCode::MessageHeaderError,
                        static_cast<std::uint8_t>(HeaderSubcode::ConnectionNotSynchronized), {}, i,
                        "marker is not all ones");
    }
  }
  if (buf.size() < kLengthOffset + 2) {
    return NeedMore{};
  }
  std::uint16_t length = length_field(buf);
  // RFC 4271 §6.1: Bad Message Length as soon as the field is readable; waiting for `length`
  // octets that may never come would only end in a hold timer expiry.
  if (length < kHeaderSize || length > max_len) {
    return bad_length(length, fmt::format("length {} outside {}..{}", length, kHeaderSize,
                                          max_len));
  }
  if (buf.size() < length) {
    return NeedMore{};
  }
  return Frame{length};
}

Result<Message, DecodeError> decode(ByteSpan message, const DecodeContext& ctx) {
  FrameResult fr = frame(message, ctx.max_message_size());
  if (auto* err = std::get_if<DecodeError>(&fr)) {
    return unexpected(std::move(*err));
  }
  if (std::holds_alternative<NeedMore>(fr) || std::get<Frame>(fr).length != message.size()) {
    // The caller passed something other than one frame: the length field and the octets
    // given disagree, which is what Bad Message Length describes.
    std::uint16_t field = message.size() >= kLengthOffset + 2 ? length_field(message) : 0;
    return unexpected(bad_length(
        field, fmt::format("length field {} but {} octets given", field, message.size())));
  }
  const std::size_t size = message.size();
  const std::uint16_t length = length_field(message);
  const std::uint8_t type = message[kTypeOffset];
  switch (static_cast<MessageType>(type)) {
    case MessageType::Open:
      if (size < kMinOpenSize) {
        return unexpected(bad_length(length, fmt::format("OPEN of {} octets", size)));
      }
      // RFC 8654: the extended maximum applies to all messages except OPEN and KEEPALIVE.
      if (size > kMaxMessageSize) {
        return unexpected(bad_length(length, fmt::format("OPEN of {} octets", size)));
      }
      return decode_open(message);
    case MessageType::Update: {
      if (size < kMinUpdateSize) {
        return unexpected(bad_length(length, fmt::format("UPDATE of {} octets", size)));
      }
      auto update = detail::decode_update(message.subspan(kHeaderSize), ctx);
      if (!update) {
        return unexpected(std::move(update).error());
      }
      return Message{std::move(*update)};
    }
    case MessageType::Notification:
      if (size < kMinNotificationSize) {
        return unexpected(bad_length(length, fmt::format("NOTIFICATION of {} octets", size)));
      }
      return decode_notification(message);
    case MessageType::Keepalive:
      // RFC 4271 §4.4: a KEEPALIVE is the header alone.
      if (size != kHeaderSize) {
        return unexpected(bad_length(length, fmt::format("KEEPALIVE of {} octets", size)));
      }
      return Message{KeepaliveMessage{}};
    case MessageType::RouteRefresh:
      // RFC 7313 §5: a ROUTE-REFRESH whose body is not 4 octets gets Invalid Message Length
      // with the whole message as data. RFC 7313 words this for subtypes 1 and 2, but a body
      // of another size has no readable subtype, so it applies to every ROUTE-REFRESH.
      if (size != kRouteRefreshSize) {
        return unexpected(make_error(
            ErrorCode::RouteRefreshMessageError,
            static_cast<std::uint8_t>(RouteRefreshSubcode::InvalidMessageLength),
            Bytes(message.begin(), message.end()), kLengthOffset,
            fmt::format("ROUTE-REFRESH of {} octets", size)));
      }
      return decode_route_refresh(message);
  }
  // RFC 4271 §6.1: Bad Message Type carries the type octet.
  return unexpected(make_error(ErrorCode::MessageHeaderError,
                               static_cast<std::uint8_t>(HeaderSubcode::BadMessageType),
                               Bytes{type}, kTypeOffset,
                               fmt::format("unknown message type {}", type)));
}

Bytes encode(const Message& msg, const EncodeContext& ctx) {
  Bytes out;
  ByteWriter w(out);
  for (std::size_t i = 0; i < kMarkerSize; ++i) {
    w.u8(0xFF);
  }
  std::size_t len_at = w.placeholder_u16();
  w.u8(static_cast<std::uint8_t>(type_of(msg)));
  struct Visitor {
    ByteWriter& w;
    Bytes& out;
    const EncodeContext& ctx;
    void operator()(const OpenMessage& m) const { encode_open(m, w); }
    void operator()(const UpdateMessage& m) const { detail::encode_update_body(m, ctx, out); }
    void operator()(const NotificationMessage& m) const {
      w.u8(m.code);
      w.u8(m.subcode);
      // A NOTIFICATION must fit the peer's maximum too; its data (often a copy of the bad
      // message) is cut rather than sending something the peer would reject.
      std::size_t room = ctx.max_message_size() - kMinNotificationSize;
      w.bytes(ByteSpan(m.data).first(std::min(m.data.size(), room)));
    }
    void operator()(const KeepaliveMessage&) const {}
    void operator()(const RouteRefreshMessage& m) const {
      w.u16(static_cast<std::uint16_t>(m.afi_safi.afi));
      w.u8(static_cast<std::uint8_t>(m.subtype));
      w.u8(static_cast<std::uint8_t>(m.afi_safi.safi));
    }
  };
  std::visit(Visitor{w, out, ctx}, msg);
  w.patch_u16(len_at, static_cast<std::uint16_t>(out.size()));
  return out;
}

std::size_t encoded_update_size(const UpdateMessage& msg, const EncodeContext& ctx) {
  Bytes scratch;
  detail::encode_update_body(msg, ctx, scratch);
  return kHeaderSize + scratch.size();
}

std::string to_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
  return out;
}

Bytes from_hex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char c : hex) {
    int v = -1;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    }
    if (v < 0) {
      continue;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  return out;
}

}  // namespace msee::bgp::wire
