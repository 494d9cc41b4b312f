// The UPDATE message driver: RFC 4271 §4.3 layout and §6.3 checks, RFC 7606 revised error
// handling (§3-§5: attribute list framing, repeats, flags, mandatory attributes, NLRI syntax).
// It reads the withdrawn routes, walks the path attribute list through the descriptor table
// (attributes.cpp), reads the NLRI, runs the RFC 6793 §4.2.3 AS4 reconciliation (as_path.cpp)
// and folds the findings into the UPDATE's RFC 7606 action or a session-reset DecodeError; and
// encodes an UPDATE body in the same order.
#include "bgp/wire/update_codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bitset>
#include <optional>
#include <string>
#include <utility>

#include "bgp/wire/update_detail.hpp"

namespace msee::bgp::wire::detail {

namespace {

DecodeError update_error(UpdateSubcode subcode, std::size_t offset, std::string reason,
                         std::vector<std::uint8_t> data = {}) {
  DecodeError e;
  e.code = ErrorCode::UpdateMessageError;
  e.subcode = static_cast<std::uint8_t>(subcode);
  e.data = std::move(data);
  e.offset = offset;
  e.reason = std::move(reason);
  return e;
}

}  // namespace

// RFC 4271 §4.3 "Withdrawn Routes" / "NLRI", RFC 4760 §5: a length octet followed by the fewest
// octets that hold that many bits.
std::optional<PrefixError> read_prefixes(ByteReader& r, Afi afi, std::vector<Prefix>& out) {
  const unsigned max_len = afi == Afi::Ipv4 ? 32 : 128;
  while (!r.empty()) {
    const std::size_t at = r.offset();
    const unsigned len = r.read_u8();
    // RFC 7606 §5.3: a length beyond the address size or beyond the field is a syntax error.
    if (len > max_len) {
      return PrefixError{at, fmt::format("prefix length {} exceeds {}", len, max_len)};
    }
    const std::size_t octets = (len + 7) / 8;
    if (r.remaining() < octets) {
      return PrefixError{at, fmt::format("prefix /{} needs {} octets, {} left", len, octets,
                                         r.remaining())};
    }
    ByteSpan bits = r.read_bytes(octets);
    Prefix p;
    p.addr.family = afi;
    p.length = static_cast<std::uint8_t>(len);
    std::copy(bits.begin(), bits.end(), p.addr.bytes.begin());
    // Host bits beyond the length are cleared so that equal routes compare equal.
    if (len % 8 != 0) {
      p.addr.bytes[octets - 1] &= static_cast<std::uint8_t>(0xFFu << (8 - len % 8));
    }
    out.push_back(p);
  }
  return std::nullopt;
}

namespace {

// ---------------------------------------------------------------------------------------------
// The attribute list (RFC 4271 §4.3, RFC 7606 §3-§4)

bool internal_only(std::uint8_t type) {
  return type == static_cast<std::uint8_t>(AttrType::LocalPref) ||
         type == static_cast<std::uint8_t>(AttrType::OriginatorId) ||
         type == static_cast<std::uint8_t>(AttrType::ClusterList);
}

// RFC 4271 §6.3 / RFC 7606 §7.3: why `a` cannot be a next hop on this session, if it cannot.
std::optional<std::string> bad_next_hop(const IpAddress& a, const DecodeContext& ctx) {
  if (a.is_unspecified()) {
    return a.is_v4() ? "0.0.0.0" : "the unspecified address ::";
  }
  if (a.is_v4()) {
    const std::uint32_t top = a.v4_value() >> 28;
    if (top == 0xE) {
      return "a multicast address";
    }
    if (top == 0xF) {
      return "a class E (reserved) address";
    }
  } else if (a.bytes[0] == 0xFF) {
    return "a multicast address (ff00::/8)";
  }
  if (ctx.local_address && *ctx.local_address == a) {
    return "our own address on this session";
  }
  return std::nullopt;
}

// RFC 4271 §6.3: these subcodes carry no data; the others quote the erroneous attribute.
std::vector<std::uint8_t> error_data(UpdateSubcode subcode, ByteSpan attribute) {
  if (subcode == UpdateSubcode::MalformedAttributeList ||
      subcode == UpdateSubcode::InvalidNetworkField ||
      subcode == UpdateSubcode::MalformedAsPath) {
    return {};
  }
  return {attribute.begin(), attribute.end()};
}

// Applies the descriptor's RFC 7606 action to a malformation: an issue for attribute discard
// and treat-as-withdraw, an error (session reset) for anything stronger.
std::optional<DecodeError> apply(const AttrDescriptor& d, Malformed m, ByteSpan attribute,
                                 std::size_t attr_offset, DecodeState& st) {
  if (d.on_error >= AttrAction::AfiSafiDisable) {
    return update_error(m.subcode, m.offset.value_or(attr_offset), std::move(m.reason),
                        error_data(m.subcode, attribute));
  }
  note(st, code(d), d.on_error, m.subcode, std::move(m.reason));
  return std::nullopt;
}

std::optional<DecodeError> read_attributes(ByteReader& r, DecodeState& st) {
  std::bitset<256>& seen = st.seen;
  while (!r.empty()) {
    const std::size_t at = r.offset();
    const std::size_t left = r.remaining();
    ByteSpan rest = st.body.subspan(at - kHeaderSize, left);
    const std::uint8_t flags = rest[0];
    const std::size_t header = (flags & kFlagExtendedLength) ? 4 : 3;
    // RFC 7606 §4: fewer octets than a minimal attribute header remain. The Total Path
    // Attribute Length still locates the NLRI, so treat-as-withdraw is possible unless the
    // broken attribute is MP_(UN)REACH_NLRI itself (RFC 7606 §3: treat-as-withdraw needs the
    // MP NLRI parsed, else the RFC 4760 §7 handling applies).
    if (left < header) {
      const std::optional<std::uint8_t> type =
          left >= 2 ? std::optional<std::uint8_t>(rest[1]) : std::nullopt;
      std::string why = fmt::format("{}: attribute header truncated, {} octets left of a {}-"
                                    "octet header",
                                    type ? attr_name(*type) : std::string("path attribute"),
                                    left, header);
      if (type && is_mp(*type)) {
        return update_error(UpdateSubcode::AttributeLengthError, at, std::move(why),
                            {rest.begin(), rest.end()});
      }
      if (type) {
        seen.set(*type);
      }
      note(st, type.value_or(0), AttrAction::TreatAsWithdraw,
           UpdateSubcode::AttributeLengthError, std::move(why));
      return std::nullopt;
    }
    r.read_u8();
    const std::uint8_t type = r.read_u8();
    const std::size_t len = header == 4 ? r.read_u16() : r.read_u8();
    // RFC 7606 §4: the attribute runs past the Total Path Attribute Length.
    if (len > r.remaining()) {
      std::string why = fmt::format("{}: attribute length {} overruns the path attribute list "
                                    "({} octets left)",
                                    attr_name(type), len, r.remaining());
      if (is_mp(type)) {
        return update_error(UpdateSubcode::AttributeLengthError, at, std::move(why),
                            {rest.begin(), rest.end()});
      }
      seen.set(type);
      note(st, type, AttrAction::TreatAsWithdraw, UpdateSubcode::AttributeLengthError,
           std::move(why));
      return std::nullopt;
    }
    ByteReader value = r.sub_reader(len);
    ByteSpan attribute = rest.first(header + len);

    // RFC 7606 §3 g: a repeated MP_(UN)REACH_NLRI is fatal; any other repeat is dropped.
    if (seen.test(type)) {
      std::string why = fmt::format("{}: attribute repeated", attr_name(type));
      if (is_mp(type)) {
        return update_error(UpdateSubcode::MalformedAttributeList, at, std::move(why));
      }
      note(st, type, AttrAction::AttributeDiscard, UpdateSubcode::MalformedAttributeList,
           why + ", all but the first occurrence discarded");
      continue;
    }
    seen.set(type);
    // RFC 7606 §7.5, §7.9, §7.10: attributes only an internal peer may send are discarded
    // from an external one, whatever their flags, length or value.
    if (st.ctx.external && internal_only(type)) {
      note(st, type, AttrAction::AttributeDiscard, UpdateSubcode::Unspecific,
           fmt::format("{}: sent by an external peer, discarded (RFC 7606 §7.5/§7.9/§7.10)",
                       attr_name(type)));
      continue;
    }

    const AttrDescriptor* d = find_descriptor(type);
    if (d == nullptr) {
      // RFC 4271 §6.3: an unrecognized well-known attribute is a session reset.
      if ((flags & kFlagOptional) == 0) {
        return update_error(UpdateSubcode::UnrecognizedWellKnownAttribute, at,
                            fmt::format("{} with flags 0x{:02x} is not optional and unknown",
                                        attr_name(type), flags),
                            {attribute.begin(), attribute.end()});
      }
      // RFC 4271 §5 / §9: kept as received; whether to forward is the speaker's decision.
      // The unused low flag bits are dropped ("MUST be ignored when received").
      ByteSpan v = value.rest();
      st.msg.attributes.unknown.push_back(RawAttribute{
          static_cast<std::uint8_t>(flags & (kFlagOptional | kFlagTransitive | kFlagPartial)),
          type, std::vector<std::uint8_t>(v.begin(), v.end())});
      continue;
    }
    // RFC 7606 §3 c: Optional/Transitive bits in conflict with the type make the attribute
    // malformed; we apply the attribute's own §7 action (MP_* flags → session reset).
    const auto ot = static_cast<std::uint8_t>(flags & (kFlagOptional | kFlagTransitive));
    if (ot != d->flags) {
      Malformed m{UpdateSubcode::AttributeFlagsError,
                  fmt::format("{}: flags 0x{:02x}, expected optional/transitive bits 0x{:02x}",
                              d->name, flags, d->flags),
                  {}};
      if (auto e = apply(*d, std::move(m), attribute, at, st)) {
        return e;
      }
      continue;
    }
    if (auto m = d->decode(*d, value, st)) {
      if (auto e = apply(*d, std::move(*m), attribute, at, st)) {
        return e;
      }
    }
  }
  return std::nullopt;
}

// RFC 4271 §6.3 / RFC 7606 §3 d: ORIGIN and AS_PATH are mandatory with any NLRI, NEXT_HOP
// only with IPv4 NLRI in the NLRI field (RFC 4760 §3 moves the next hop of MP_REACH_NLRI).
void check_mandatory(DecodeState& st) {
  const UpdateMessage& m = st.msg;
  const bool has_mp_nlri = m.mp_reach && !m.mp_reach->nlri.empty();
  if (m.nlri.empty() && !has_mp_nlri) {
    return;  // RFC 7606 §5.2: no reachability, so nothing depends on the attributes
  }
  std::vector<AttrType> needed{AttrType::Origin, AttrType::AsPath};
  if (!m.nlri.empty()) {
    needed.push_back(AttrType::NextHop);
  }
  for (AttrType t : needed) {
    const auto c = static_cast<std::uint8_t>(t);
    if (!st.seen.test(c)) {
      note(st, c, AttrAction::TreatAsWithdraw, UpdateSubcode::MissingWellKnownAttribute,
           fmt::format("{}: missing well-known mandatory attribute (type {})", attr_name(c),
                       c));
    }
  }
}

// The checks that need the whole UPDATE and the session's facts: confederation segments from
// an external peer (RFC 5065 §5, RFC 7606 §7.2) and a next hop that cannot be one (RFC 4271
// §6.3, RFC 7606 §7.3), for the NLRI that use it. Both are treat-as-withdraw.
void check_semantics(DecodeState& st) {
  const UpdateMessage& m = st.msg;
  const auto& path = m.attributes.as_path;
  if (st.ctx.external && path &&
      std::any_of(path->segments.begin(), path->segments.end(), [](const AsSegment& s) {
        return s.type == AsSegmentType::AsConfedSequence || s.type == AsSegmentType::AsConfedSet;
      })) {
    note(st, static_cast<std::uint8_t>(AttrType::AsPath), AttrAction::TreatAsWithdraw,
         UpdateSubcode::MalformedAsPath,
         "AS_PATH: confederation segment from a peer outside our confederation (RFC 5065 §5)");
  }
  if (!m.nlri.empty() && m.attributes.next_hop) {
    if (auto why = bad_next_hop(*m.attributes.next_hop, st.ctx)) {
      note(st, static_cast<std::uint8_t>(AttrType::NextHop), AttrAction::TreatAsWithdraw,
           UpdateSubcode::InvalidNextHopAttribute,
           fmt::format("NEXT_HOP {} is {} (RFC 4271 §6.3)",
                       m.attributes.next_hop->to_string(), *why));
    }
  }
  if (m.mp_reach && !m.mp_reach->nlri.empty()) {
    if (auto why = bad_next_hop(m.mp_reach->next_hop, st.ctx)) {
      note(st, static_cast<std::uint8_t>(AttrType::MpReachNlri), AttrAction::TreatAsWithdraw,
           UpdateSubcode::InvalidNextHopAttribute,
           fmt::format("MP_REACH_NLRI next hop {} is {} (RFC 4271 §6.3)",
                       m.mp_reach->next_hop.to_string(), *why));
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Result<UpdateMessage, DecodeError> decode_update(ByteSpan body, const DecodeContext& ctx) {
  DecodeState st{ctx, body, {}, {}, {}, {}};
  ByteReader r(body, kHeaderSize);
  // RFC 4271 §6.1: below the 23-octet minimum UPDATE (the framing layer normally catches it).
  if (body.size() < 4) {
    DecodeError e;
    e.code = ErrorCode::MessageHeaderError;
    e.subcode = static_cast<std::uint8_t>(HeaderSubcode::BadMessageLength);
    const std::size_t len = body.size() + kHeaderSize;
    e.data = {static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
    e.offset = 16;
    e.reason = fmt::format("UPDATE of {} octets is below the 23-octet minimum", len);
    return unexpected(std::move(e));
  }

  // RFC 4271 §6.3: lengths that do not fit the message → Malformed Attribute List.
  const std::size_t withdrawn_at = r.offset();
  const std::size_t withdrawn_len = r.read_u16();
  if (withdrawn_len + 2 > r.remaining()) {
    return unexpected(update_error(
        UpdateSubcode::MalformedAttributeList, withdrawn_at,
        fmt::format("withdrawn routes length {} overruns the message ({} octets left)",
                    withdrawn_len, r.remaining() - 2)));
  }
  ByteReader withdrawn = r.sub_reader(withdrawn_len);
  if (auto e = read_prefixes(withdrawn, Afi::Ipv4, st.msg.withdrawn_routes)) {
    return unexpected(update_error(UpdateSubcode::InvalidNetworkField, e->offset,
                                   "withdrawn routes: " + e->reason));
  }
  const std::size_t attrs_at = r.offset();
  const std::size_t attrs_len = r.read_u16();
  if (attrs_len > r.remaining()) {
    return unexpected(update_error(
        UpdateSubcode::MalformedAttributeList, attrs_at,
        fmt::format("total path attribute length {} overruns the message ({} octets left)",
                    attrs_len, r.remaining())));
  }
  ByteReader attrs = r.sub_reader(attrs_len);
  if (auto e = read_attributes(attrs, st)) {
    return unexpected(std::move(*e));
  }
  if (auto e = read_prefixes(r, Afi::Ipv4, st.msg.nlri)) {
    return unexpected(update_error(UpdateSubcode::InvalidNetworkField, e->offset,
                                   "NLRI: " + e->reason));
  }

  if (!ctx.four_octet_as) {
    reconcile_as4(st);
  }
  check_mandatory(st);
  check_semantics(st);
  std::stable_sort(st.msg.attributes.unknown.begin(), st.msg.attributes.unknown.end(),
                   [](const RawAttribute& x, const RawAttribute& y) { return x.type < y.type; });
  for (const auto& issue : st.msg.issues) {
    st.msg.action = std::max(st.msg.action, issue.action);
  }
  // RFC 7606 §5.2: path attributes with no NLRI at all (no NLRI field, no MP_REACH_NLRI or
  // MP_UNREACH_NLRI, no withdrawals): treat-as-withdraw would withdraw nothing, so an error
  // that calls for it resets the session.
  const UpdateMessage& u = st.msg;
  if (u.action == AttrAction::TreatAsWithdraw && u.nlri.empty() && u.withdrawn_routes.empty() &&
      !u.mp_reach && !u.mp_unreach) {
    const auto it = std::find_if(u.issues.begin(), u.issues.end(), [](const AttrIssue& i) {
      return i.action == AttrAction::TreatAsWithdraw;
    });
    return unexpected(update_error(
        it->subcode, attrs_at,
        it->reason + "; the UPDATE has no NLRI to treat as withdrawn (RFC 7606 §5.2)"));
  }
  return std::move(st.msg);
}

void encode_update_body(const UpdateMessage& msg, const EncodeContext& ctx, Bytes& out) {
  ByteWriter w(out);
  const std::size_t withdrawn_at = w.placeholder_u16();
  for (const auto& p : msg.withdrawn_routes) {
    write_prefix(w, p);
  }
  w.patch_u16(withdrawn_at, static_cast<std::uint16_t>(w.size() - withdrawn_at - 2));

  const std::size_t attrs_at = w.placeholder_u16();
  Bytes value;
  const auto emit = [&](std::uint8_t flags, std::uint8_t type) {
    // RFC 4271 §4.3: Extended Length only when the value needs it.
    if (value.size() > 255) {
      w.u8(static_cast<std::uint8_t>(flags | kFlagExtendedLength));
      w.u8(type);
      w.u16(static_cast<std::uint16_t>(value.size()));
    } else {
      w.u8(flags);
      w.u8(type);
      w.u8(static_cast<std::uint8_t>(value.size()));
    }
    w.bytes(value);
  };

  std::vector<RawAttribute> unknown = msg.attributes.unknown;
  std::stable_sort(unknown.begin(), unknown.end(),
                   [](const RawAttribute& x, const RawAttribute& y) { return x.type < y.type; });
  auto next_unknown = unknown.begin();
  const auto emit_unknown_below = [&](unsigned limit) {
    for (; next_unknown != unknown.end() && next_unknown->type < limit; ++next_unknown) {
      const RawAttribute& a = *next_unknown;
      const bool optional = (a.flags & kFlagOptional) != 0;
      const bool transitive = (a.flags & kFlagTransitive) != 0;
      // A type we interpret is sent from its field, never from a raw copy; optional
      // non-transitive attributes we do not know are not passed on (RFC 4271 §5).
      if (find_descriptor(a.type) != nullptr || (optional && !transitive)) {
        continue;
      }
      auto flags = static_cast<std::uint8_t>(a.flags & (kFlagOptional | kFlagTransitive |
                                                        kFlagPartial));
      // RFC 4271 §5: an unrecognized optional transitive attribute is passed on as Partial.
      if (optional) {
        flags |= kFlagPartial;
      }
      value = a.value;
      emit(flags, a.type);
    }
  };

  for (const auto& d : attribute_table()) {
    emit_unknown_below(code(d));
    value.clear();
    ByteWriter vw(value);
    if (d.encode(msg, ctx, vw)) {
      emit(d.flags, code(d));
    }
  }
  emit_unknown_below(256);
  w.patch_u16(attrs_at, static_cast<std::uint16_t>(w.size() - attrs_at - 2));

  for (const auto& p : msg.nlri) {
    write_prefix(w, p);
  }
}

}  // namespace msee::bgp::wire::detail
