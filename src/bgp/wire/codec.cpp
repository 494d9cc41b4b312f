// Framing (RFC 4271 §4.1, §6.1), message dispatch and per-type minimum lengths, and the
// NOTIFICATION (§4.5), KEEPALIVE (§4.4) and ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3, §5)
// codecs; plus the hex helpers. OPEN and its capabilities are handled by open_codec.cpp and
// UPDATE bodies by update_codec.cpp; this file only checks their minimum lengths and wraps
// them.
#include "bgp/wire/codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "bgp/wire/open_codec.hpp"
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
      return detail::decode_open(message);
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
    void operator()(const OpenMessage& m) const { detail::encode_open(m, w); }
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
