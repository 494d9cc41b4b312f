// Shared by the libFuzzer target (decode_fuzz.cpp) and the crasher replay unit test: feeds
// arbitrary octets through frame() and decode(), and re-encodes every decoded message to check
// that encode(decode(x)) decodes again to the same value. Header-only so that both builds
// (clang libFuzzer, GCC unit tests) compile it with their own flags.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <variant>

#include "bgp/wire/codec.hpp"

namespace msee::bgp::wire::fuzz {

// True for an AS path whose confederation segments are not all in front: RFC 6793 §4.2.2
// leaves them out of AS4_PATH and §4.2.3 only restores leading ones, so such a path cannot
// survive a trip through a 2-octet peer once it holds an ASN above 65535.
inline bool has_inner_confed(const AsPath& p) {
  bool other_seen = false;
  for (const auto& s : p.segments) {
    const bool confed =
        s.type == AsSegmentType::AsConfedSequence || s.type == AsSegmentType::AsConfedSet;
    if (confed && other_seen) {
      return true;
    }
    other_seen = other_seen || !confed;
  }
  return false;
}

// What a legitimate re-encoding changes, applied to both sides before comparing:
//  - issues/action describe the received octets, not the value;
//  - unknown optional transitive attributes go out with Partial set (RFC 4271 §5), and
//    unknown optional non-transitive ones are not sent at all;
//  - toward a 2-octet peer, an AS path with inner confederation segments (see above).
inline void normalise(Message& m, bool four_octet_as) {
  auto* u = std::get_if<UpdateMessage>(&m);
  if (u == nullptr) {
    return;
  }
  u->issues.clear();
  u->action = AttrAction::None;
  auto& unknown = u->attributes.unknown;
  std::erase_if(unknown, [](const RawAttribute& a) {
    return (a.flags & kFlagOptional) != 0 && (a.flags & kFlagTransitive) == 0;
  });
  for (auto& a : unknown) {
    if ((a.flags & kFlagOptional) != 0) {
      a.flags |= kFlagPartial;
    }
  }
  if (!four_octet_as && u->attributes.as_path && has_inner_confed(*u->attributes.as_path)) {
    u->attributes.as_path.reset();
  }
}

// Encodes `decoded` for the same kind of peer and decodes it again. Returns a description of
// the first difference, or nullopt when the round trip holds.
inline std::optional<std::string> check_roundtrip(const Message& decoded,
                                                  const DecodeContext& ctx) {
  EncodeContext ectx;
  ectx.four_octet_as = ctx.four_octet_as;
  ectx.extended_message = ctx.extended_message;
  const Bytes again = encode(decoded, ectx);
  // Reconciling AS4_PATH may lengthen an UPDATE past 4096 octets; decoding it again then only
  // needs the RFC 8654 maximum, which is not what is being tested here.
  if (again.size() > kMaxExtendedMessageSize) {
    return std::nullopt;
  }
  DecodeContext dctx = ctx;
  dctx.extended_message = dctx.extended_message || again.size() > kMaxMessageSize;
  auto redecoded = decode(again, dctx);
  if (!redecoded) {
    return "re-decode failed: " + redecoded.error().reason + " [" + to_hex(again) + "]";
  }
  Message a = decoded;
  Message b = *redecoded;
  normalise(a, ctx.four_octet_as);
  normalise(b, ctx.four_octet_as);
  if (!(a == b)) {
    return "re-decoded value differs [" + to_hex(again) + "]";
  }
  return std::nullopt;
}

// Every error must be one a NOTIFICATION can carry: a registered code/subcode pair.
inline bool valid_notification(const DecodeError& e) {
  switch (e.code) {
    case ErrorCode::MessageHeaderError:
      return e.subcode >= 1 && e.subcode <= 3;
    case ErrorCode::OpenMessageError:
      return e.subcode <= 11 && e.subcode != 5;
    case ErrorCode::UpdateMessageError:
      return e.subcode >= 1 && e.subcode <= 11 && e.subcode != 7;
    case ErrorCode::RouteRefreshMessageError:
      return e.subcode == 1;
    default:
      return false;
  }
}

struct ReplayOutcome {
  std::size_t messages = 0;  // frames decoded (successfully or not)
  std::size_t decoded = 0;
  std::optional<std::string> failure;  // a broken invariant: the bug to report
};

// Frames `input` message by message (as the session reader would) and checks each one with
// both four_octet_as settings. Stops at the first framing error or incomplete message.
inline ReplayOutcome replay(ByteSpan input) {
  ReplayOutcome out;
  while (!input.empty()) {
    FrameResult fr = frame(input, kMaxMessageSize);
    if (auto* err = std::get_if<DecodeError>(&fr)) {
      if (!valid_notification(*err)) {
        out.failure = "frame error with an unregistered code: " + err->reason;
      }
      return out;
    }
    if (std::holds_alternative<NeedMore>(fr)) {
      return out;
    }
    const std::size_t len = std::get<Frame>(fr).length;
    if (len < kHeaderSize || len > input.size()) {
      out.failure = "frame() returned an impossible length";
      return out;
    }
    const ByteSpan message = input.first(len);
    ++out.messages;
    // A 2-octet and a 4-octet internal peer, and a 4-octet external one with an address of
    // ours (the RFC 7606 checks that need the session's facts).
    for (int variant = 0; variant < 3; ++variant) {
      const bool four = variant > 0;
      DecodeContext ctx;
      ctx.four_octet_as = four;
      if (variant == 2) {
        ctx.external = true;
        ctx.local_address = IpAddress::v4(0xC0000263);  // 192.0.2.99
      }
      auto r = decode(message, ctx);
      if (!r) {
        if (!valid_notification(r.error())) {
          out.failure = "decode error with an unregistered code: " + r.error().reason;
          return out;
        }
        if (r.error().offset > message.size()) {
          out.failure = "decode error offset past the message: " + r.error().reason;
          return out;
        }
        continue;
      }
      ++out.decoded;
      if (auto diff = check_roundtrip(*r, ctx)) {
        const char* peer = variant == 2 ? "4-octet external" : four ? "4-octet" : "2-octet";
        out.failure = std::string(peer) + " round trip: " + *diff + " from [" +
                      to_hex(message) + "]";
        return out;
      }
    }
    input = input.subspan(len);
  }
  return out;
}

}  // namespace msee::bgp::wire::fuzz
