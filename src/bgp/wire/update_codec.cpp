// UPDATE body codec: RFC 4271 §4.3 layout and §6.3 checks, RFC 7606 revised error handling
// (§3-§5 and the per-attribute rules of §7), RFC 6793 §4 AS4_PATH/AS4_AGGREGATOR handling,
// RFC 4760 MP_REACH_NLRI/MP_UNREACH_NLRI (IPv4/IPv6 unicast, RFC 2545 §3 link-local next hop),
// RFC 1997/4360/8092 communities and RFC 4456 reflection attributes. Every known attribute is
// described once in kAttrTable (flags, decode, encode, RFC 7606 action).
#include "bgp/wire/update_codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <optional>
#include <string>
#include <utility>

namespace msee::bgp::wire::detail {

namespace {

// ---------------------------------------------------------------------------------------------
// Decode state and findings

// One malformation found by an attribute decoder. The driver turns it into an AttrIssue or,
// for attributes whose RFC 7606 action is AFI/SAFI disable or stronger, into a DecodeError.
struct Malformed {
  UpdateSubcode subcode = UpdateSubcode::Unspecific;
  std::string reason;
  std::optional<std::size_t> offset;  // offending octet; the attribute start when empty
};

struct DecodeState {
  const DecodeContext& ctx;
  ByteSpan body;  // the whole UPDATE body, to quote attributes in NOTIFICATION data
  UpdateMessage msg;
  // RFC 6793 §4.2.3 inputs from a 2-octet peer, reconciled once the whole list is read.
  std::optional<AsPath> as4_path;
  std::optional<Aggregator> as4_aggregator;
  std::bitset<256> seen;  // attribute types met in the list, well-formed or not
};

void note(DecodeState& st, std::uint8_t type, AttrAction action, UpdateSubcode subcode,
          std::string reason) {
  st.msg.issues.push_back(AttrIssue{type, action, subcode, std::move(reason)});
}

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

// ---------------------------------------------------------------------------------------------
// Prefixes (RFC 4271 §4.3 "Withdrawn Routes" / "NLRI", RFC 4760 §5): a length octet followed
// by the fewest octets that hold that many bits.

struct PrefixError {
  std::size_t offset = 0;
  std::string reason;
};

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

void write_prefix(ByteWriter& w, const Prefix& p) {
  w.u8(p.length);
  const std::size_t octets = std::min<std::size_t>((p.length + 7u) / 8u, p.addr.size());
  for (std::size_t i = 0; i < octets; ++i) {
    w.u8(p.addr.bytes[i]);
  }
}

IpAddress read_v4(ByteReader& r) { return IpAddress::v4(r.read_u32()); }

void write_v4(ByteWriter& w, const IpAddress& a) {
  for (std::size_t i = 0; i < 4; ++i) {
    w.u8(a.bytes[i]);
  }
}

// ---------------------------------------------------------------------------------------------
// AS paths (RFC 4271 §4.3 b, RFC 5065 §3, RFC 6793 §3)

bool is_confed(AsSegmentType t) {
  return t == AsSegmentType::AsConfedSequence || t == AsSegmentType::AsConfedSet;
}

// RFC 4271 §9.1.2.2 a) and RFC 5065 §5.3, as RFC 6793 §4.2.3 asks for the comparison: an
// AS_SET counts 1, confederation segments count 0.
std::size_t path_count(const AsPath& p) {
  std::size_t n = 0;
  for (const auto& s : p.segments) {
    if (s.type == AsSegmentType::AsSequence) {
      n += s.asns.size();
    } else if (s.type == AsSegmentType::AsSet) {
      n += 1;
    }
  }
  return n;
}

bool has_wide_asn(const AsPath& p) {
  for (const auto& s : p.segments) {
    for (Asn a : s.asns) {
      if (a > 0xFFFF) {
        return true;
      }
    }
  }
  return false;
}

// RFC 7606 §7.2 (and RFC 6793 §6 for AS4_PATH): unknown segment type, zero-length segment,
// a segment overrunning the attribute, or a single stray octet after the last segment.
std::optional<Malformed> read_as_path(ByteReader& r, std::size_t asn_size, const char* name,
                                      UpdateSubcode subcode, AsPath& out) {
  while (!r.empty()) {
    const std::size_t at = r.offset();
    if (r.remaining() < 2) {
      return Malformed{subcode,
                       fmt::format("{}: {} octet left after the last segment, a segment header "
                                   "needs 2",
                                   name, r.remaining()),
                       at};
    }
    const std::uint8_t type = r.read_u8();
    const std::uint8_t count = r.read_u8();
    if (type < 1 || type > 4) {
      return Malformed{subcode, fmt::format("{}: unknown segment type {}", name, type), at};
    }
    if (count == 0) {
      return Malformed{subcode, fmt::format("{}: segment of length zero", name), at};
    }
    const std::size_t need = count * asn_size;
    if (r.remaining() < need) {
      return Malformed{subcode,
                       fmt::format("{}: segment of {} ASNs needs {} octets, {} left", name, count,
                                   need, r.remaining()),
                       at};
    }
    AsSegment seg;
    seg.type = static_cast<AsSegmentType>(type);
    seg.asns.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
      seg.asns.push_back(asn_size == 4 ? r.read_u32() : r.read_u16());
    }
    out.segments.push_back(std::move(seg));
  }
  return std::nullopt;
}

// Segments longer than 255 ASNs are split; empty segments are not representable and skipped.
// With 2-octet ASNs, ASNs that do not fit become AS_TRANS (RFC 6793 §4.2.2).
void write_as_path(ByteWriter& w, const AsPath& p, std::size_t asn_size, bool skip_confed) {
  for (const auto& s : p.segments) {
    if (skip_confed && is_confed(s.type)) {
      continue;
    }
    for (std::size_t start = 0; start < s.asns.size(); start += 255) {
      const std::size_t n = std::min<std::size_t>(255, s.asns.size() - start);
      w.u8(static_cast<std::uint8_t>(s.type));
      w.u8(static_cast<std::uint8_t>(n));
      for (std::size_t i = start; i < start + n; ++i) {
        const Asn a = s.asns[i];
        if (asn_size == 4) {
          w.u32(a);
        } else {
          w.u16(static_cast<std::uint16_t>(a > 0xFFFF ? kAsTrans : a));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Attribute descriptors. decode() reads the attribute value into the state (committing only
// once the whole value parsed) or reports a Malformed; it may add informational issues itself.
// encode() appends the value for `msg` and returns false when the attribute is not sent.

struct AttrDescriptor;
using DecodeFn = std::optional<Malformed> (*)(const AttrDescriptor&, ByteReader&, DecodeState&);
using EncodeFn = bool (*)(const UpdateMessage&, const EncodeContext&, ByteWriter&);

struct AttrDescriptor {
  AttrType type;
  const char* name;
  std::uint8_t flags;  // expected Optional and Transitive bits (RFC 4271 §5)
  DecodeFn decode;
  EncodeFn encode;
  AttrAction on_error;  // RFC 7606 §7 (RFC 6793 §6 for the AS4 attributes)
};

std::uint8_t code(const AttrDescriptor& d) { return static_cast<std::uint8_t>(d.type); }

std::optional<Malformed> expect_length(const AttrDescriptor& d, const ByteReader& v,
                                       std::size_t want) {
  if (v.remaining() != want) {
    return Malformed{UpdateSubcode::AttributeLengthError,
                     fmt::format("{}: length {}, expected {}", d.name, v.remaining(), want), {}};
  }
  return std::nullopt;
}

std::optional<Malformed> expect_multiple(const AttrDescriptor& d, const ByteReader& v,
                                         std::size_t unit) {
  if (v.remaining() == 0 || v.remaining() % unit != 0) {
    return Malformed{UpdateSubcode::AttributeLengthError,
                     fmt::format("{}: length {} is not a non-zero multiple of {}", d.name,
                                 v.remaining(), unit),
                     {}};
  }
  return std::nullopt;
}

// --- ORIGIN (type 1), RFC 7606 §7.1
std::optional<Malformed> decode_origin(const AttrDescriptor& d, ByteReader& v, DecodeState& st) {
  if (auto m = expect_length(d, v, 1)) {
    return m;
  }
  const std::uint8_t o = v.read_u8();
  if (o > static_cast<std::uint8_t>(Origin::Incomplete)) {
    return Malformed{UpdateSubcode::InvalidOriginAttribute,
                     fmt::format("{}: undefined value {}", d.name, o), {}};
  }
  st.msg.attributes.origin = static_cast<Origin>(o);
  return std::nullopt;
}
bool encode_origin(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  if (!m.attributes.origin) {
    return false;
  }
  w.u8(static_cast<std::uint8_t>(*m.attributes.origin));
  return true;
}

// --- AS_PATH (type 2), RFC 7606 §7.2; 2-octet ASNs unless both sides are NEW (RFC 6793 §4)
std::optional<Malformed> decode_as_path(const AttrDescriptor& d, ByteReader& v,
                                        DecodeState& st) {
  AsPath p;
  if (auto m = read_as_path(v, st.ctx.four_octet_as ? 4 : 2, d.name,
                            UpdateSubcode::MalformedAsPath, p)) {
    return m;
  }
  st.msg.attributes.as_path = std::move(p);
  return std::nullopt;
}
bool encode_as_path(const UpdateMessage& m, const EncodeContext& ctx, ByteWriter& w) {
  if (!m.attributes.as_path) {
    return false;
  }
  write_as_path(w, *m.attributes.as_path, ctx.four_octet_as ? 4 : 2, false);
  return true;
}

// --- NEXT_HOP (type 3), RFC 7606 §7.3. Semantic checks (our own address, shared subnet,
// RFC 4271 §6.3) need session context and belong to the speaker.
std::optional<Malformed> decode_next_hop(const AttrDescriptor& d, ByteReader& v,
                                         DecodeState& st) {
  if (auto m = expect_length(d, v, 4)) {
    return m;
  }
  st.msg.attributes.next_hop = read_v4(v);
  return std::nullopt;
}
bool encode_next_hop(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  // An IPv6 next hop can only travel in MP_REACH_NLRI; NEXT_HOP is IPv4 by definition.
  if (!m.attributes.next_hop || !m.attributes.next_hop->is_v4()) {
    return false;
  }
  write_v4(w, *m.attributes.next_hop);
  return true;
}

// --- MULTI_EXIT_DISC (type 4), RFC 7606 §7.4; LOCAL_PREF (type 5), RFC 7606 §7.5. The §7.5
// "attribute discard when received from an external peer" rule is the speaker's: it knows
// whether the session is external.
std::optional<Malformed> decode_med(const AttrDescriptor& d, ByteReader& v, DecodeState& st) {
  if (auto m = expect_length(d, v, 4)) {
    return m;
  }
  st.msg.attributes.med = v.read_u32();
  return std::nullopt;
}
bool encode_med(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  if (!m.attributes.med) {
    return false;
  }
  w.u32(*m.attributes.med);
  return true;
}
std::optional<Malformed> decode_local_pref(const AttrDescriptor& d, ByteReader& v,
                                           DecodeState& st) {
  if (auto m = expect_length(d, v, 4)) {
    return m;
  }
  st.msg.attributes.local_pref = v.read_u32();
  return std::nullopt;
}
bool encode_local_pref(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  if (!m.attributes.local_pref) {
    return false;
  }
  w.u32(*m.attributes.local_pref);
  return true;
}

// --- ATOMIC_AGGREGATE (type 6), RFC 7606 §7.6
std::optional<Malformed> decode_atomic_aggregate(const AttrDescriptor& d, ByteReader& v,
                                                 DecodeState& st) {
  if (auto m = expect_length(d, v, 0)) {
    return m;
  }
  st.msg.attributes.atomic_aggregate = true;
  return std::nullopt;
}
bool encode_atomic_aggregate(const UpdateMessage& m, const EncodeContext&, ByteWriter&) {
  return m.attributes.atomic_aggregate;
}

// --- AGGREGATOR (type 7), RFC 7606 §7.7: 6 octets from a 2-octet peer, 8 from a NEW one.
std::optional<Malformed> decode_aggregator(const AttrDescriptor& d, ByteReader& v,
                                           DecodeState& st) {
  const bool wide = st.ctx.four_octet_as;
  if (auto m = expect_length(d, v, wide ? 8 : 6)) {
    return m;
  }
  Aggregator a;
  a.asn = wide ? v.read_u32() : v.read_u16();
  a.address = read_v4(v);
  st.msg.attributes.aggregator = a;
  return std::nullopt;
}
bool encode_aggregator(const UpdateMessage& m, const EncodeContext& ctx, ByteWriter& w) {
  if (!m.attributes.aggregator) {
    return false;
  }
  const Aggregator& a = *m.attributes.aggregator;
  if (ctx.four_octet_as) {
    w.u32(a.asn);
  } else {
    w.u16(static_cast<std::uint16_t>(a.asn > 0xFFFF ? kAsTrans : a.asn));
  }
  write_v4(w, a.address);
  return true;
}

// --- COMMUNITIES (type 8), RFC 7606 §7.8
std::optional<Malformed> decode_communities(const AttrDescriptor& d, ByteReader& v,
                                            DecodeState& st) {
  if (auto m = expect_multiple(d, v, 4)) {
    return m;
  }
  std::vector<Community> c;
  while (!v.empty()) {
    c.push_back(v.read_u32());
  }
  st.msg.attributes.communities = std::move(c);
  return std::nullopt;
}
bool encode_communities(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  for (Community c : m.attributes.communities) {
    w.u32(c);
  }
  return !m.attributes.communities.empty();
}

// --- ORIGINATOR_ID (type 9), RFC 7606 §7.9; CLUSTER_LIST (type 10), RFC 7606 §7.10
std::optional<Malformed> decode_originator_id(const AttrDescriptor& d, ByteReader& v,
                                              DecodeState& st) {
  if (auto m = expect_length(d, v, 4)) {
    return m;
  }
  st.msg.attributes.originator_id = v.read_u32();
  return std::nullopt;
}
bool encode_originator_id(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  if (!m.attributes.originator_id) {
    return false;
  }
  w.u32(*m.attributes.originator_id);
  return true;
}
std::optional<Malformed> decode_cluster_list(const AttrDescriptor& d, ByteReader& v,
                                             DecodeState& st) {
  if (auto m = expect_multiple(d, v, 4)) {
    return m;
  }
  std::vector<std::uint32_t> ids;
  while (!v.empty()) {
    ids.push_back(v.read_u32());
  }
  st.msg.attributes.cluster_list = std::move(ids);
  return std::nullopt;
}
bool encode_cluster_list(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  for (std::uint32_t id : m.attributes.cluster_list) {
    w.u32(id);
  }
  return !m.attributes.cluster_list.empty();
}

// --- MP_REACH_NLRI (type 14) and MP_UNREACH_NLRI (type 15), RFC 4760 §3-§4, RFC 7606 §7.11-
// §7.12. Only IPv4/IPv6 unicast are understood; other families are skipped whole, since their
// NLRI encoding is unknown to us and they were not negotiated.

std::optional<AfiSafi> unicast_family(std::uint16_t afi, std::uint8_t safi) {
  if (safi != static_cast<std::uint8_t>(Safi::Unicast)) {
    return std::nullopt;
  }
  if (afi == static_cast<std::uint16_t>(Afi::Ipv4)) {
    return kIpv4Unicast;
  }
  if (afi == static_cast<std::uint16_t>(Afi::Ipv6)) {
    return kIpv6Unicast;
  }
  return std::nullopt;
}

std::optional<Malformed> decode_mp_reach(const AttrDescriptor& d, ByteReader& v,
                                         DecodeState& st) {
  const auto bad = [&](std::string why, std::optional<std::size_t> at = {}) {
    return Malformed{UpdateSubcode::OptionalAttributeError,
                     fmt::format("{}: {}", d.name, why), at};
  };
  if (v.remaining() < 3) {
    return bad(fmt::format("length {} is below the 5-octet minimum", v.remaining()));
  }
  const std::uint16_t afi = v.read_u16();
  const std::uint8_t safi = v.read_u8();
  const auto family = unicast_family(afi, safi);
  if (!family) {
    note(st, code(d), AttrAction::None, UpdateSubcode::Unspecific,
         fmt::format("{}: AFI {} SAFI {} not supported, {} octets skipped", d.name, afi, safi,
                     v.remaining()));
    return std::nullopt;
  }
  if (v.remaining() < 2) {
    return bad(fmt::format("length {} is below the 5-octet minimum", v.remaining() + 3));
  }
  const std::size_t nh_at = v.offset();
  const std::uint8_t nh_len = v.read_u8();
  if (v.remaining() < std::size_t{nh_len} + 1) {
    return bad(fmt::format("next hop length {} overruns the attribute ({} octets left)", nh_len,
                           v.remaining()),
               nh_at);
  }
  ByteReader nh = v.sub_reader(nh_len);
  v.read_u8();  // RFC 4760 §3: Reserved (was SNPA count), ignored on receipt
  MpReachNlri mp;
  mp.afi_safi = *family;
  if (family->afi == Afi::Ipv4) {
    if (nh_len != 4) {
      return bad(fmt::format("next hop length {} for {}, expected 4", nh_len,
                             to_string(*family)),
                 nh_at);
    }
    mp.next_hop = read_v4(nh);
  } else {
    // RFC 2545 §3: a global address, optionally followed by a link-local one.
    if (nh_len != 16 && nh_len != 32) {
      return bad(fmt::format("next hop length {} for {}, expected 16 or 32", nh_len,
                             to_string(*family)),
                 nh_at);
    }
    std::array<std::uint8_t, 16> a{};
    ByteSpan g = nh.read_bytes(16);
    std::copy(g.begin(), g.end(), a.begin());
    mp.next_hop = IpAddress::v6(a);
    if (nh_len == 32) {
      ByteSpan ll = nh.read_bytes(16);
      std::copy(ll.begin(), ll.end(), a.begin());
      // Some speakers pad the 32-octet form with an all-zero second address: that is no
      // link-local next hop at all.
      if (std::any_of(a.begin(), a.end(), [](std::uint8_t b) { return b != 0; })) {
        mp.link_local_next_hop = IpAddress::v6(a);
      }
    }
  }
  if (auto e = read_prefixes(v, family->afi, mp.nlri)) {
    return bad(fmt::format("{} NLRI: {}", to_string(*family), e->reason), e->offset);
  }
  st.msg.mp_reach = std::move(mp);
  return std::nullopt;
}
bool encode_mp_reach(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  if (!m.mp_reach) {
    return false;
  }
  const MpReachNlri& mp = *m.mp_reach;
  w.u16(static_cast<std::uint16_t>(mp.afi_safi.afi));
  w.u8(static_cast<std::uint8_t>(mp.afi_safi.safi));
  const std::size_t nh = mp.next_hop.size() + (mp.link_local_next_hop ? 16 : 0);
  w.u8(static_cast<std::uint8_t>(nh));
  w.bytes(ByteSpan(mp.next_hop.bytes).first(mp.next_hop.size()));
  if (mp.link_local_next_hop) {
    w.bytes(ByteSpan(mp.link_local_next_hop->bytes));
  }
  w.u8(0);  // Reserved
  for (const auto& p : mp.nlri) {
    write_prefix(w, p);
  }
  return true;
}

std::optional<Malformed> decode_mp_unreach(const AttrDescriptor& d, ByteReader& v,
                                           DecodeState& st) {
  if (v.remaining() < 3) {
    return Malformed{UpdateSubcode::OptionalAttributeError,
                     fmt::format("{}: length {} is below the 3-octet minimum", d.name,
                                 v.remaining()),
                     {}};
  }
  const std::uint16_t afi = v.read_u16();
  const std::uint8_t safi = v.read_u8();
  const auto family = unicast_family(afi, safi);
  if (!family) {
    note(st, code(d), AttrAction::None, UpdateSubcode::Unspecific,
         fmt::format("{}: AFI {} SAFI {} not supported, {} octets of withdrawals skipped",
                     d.name, afi, safi, v.remaining()));
    return std::nullopt;
  }
  MpUnreachNlri mp;
  mp.afi_safi = *family;
  if (auto e = read_prefixes(v, family->afi, mp.withdrawn)) {
    return Malformed{UpdateSubcode::OptionalAttributeError,
                     fmt::format("{}: {} withdrawn routes: {}", d.name, to_string(*family),
                                 e->reason),
                     e->offset};
  }
  st.msg.mp_unreach = std::move(mp);
  return std::nullopt;
}
bool encode_mp_unreach(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  if (!m.mp_unreach) {
    return false;
  }
  w.u16(static_cast<std::uint16_t>(m.mp_unreach->afi_safi.afi));
  w.u8(static_cast<std::uint8_t>(m.mp_unreach->afi_safi.safi));
  for (const auto& p : m.mp_unreach->withdrawn) {
    write_prefix(w, p);
  }
  return true;
}

// --- EXTENDED COMMUNITIES (type 16), RFC 7606 §7.14
std::optional<Malformed> decode_ext_communities(const AttrDescriptor& d, ByteReader& v,
                                                DecodeState& st) {
  if (auto m = expect_multiple(d, v, 8)) {
    return m;
  }
  std::vector<ExtendedCommunity> c;
  while (!v.empty()) {
    ExtendedCommunity e;
    ByteSpan b = v.read_bytes(8);
    std::copy(b.begin(), b.end(), e.value.begin());
    c.push_back(e);
  }
  st.msg.attributes.ext_communities = std::move(c);
  return std::nullopt;
}
bool encode_ext_communities(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  for (const auto& c : m.attributes.ext_communities) {
    w.bytes(ByteSpan(c.value));
  }
  return !m.attributes.ext_communities.empty();
}

// --- AS4_PATH (type 17), RFC 6793 §4.1/§6: discarded from a NEW peer, kept for §4.2.3
// reconciliation from an OLD one; malformed → attribute discard.
std::optional<Malformed> decode_as4_path(const AttrDescriptor& d, ByteReader& v,
                                         DecodeState& st) {
  if (st.ctx.four_octet_as) {
    note(st, code(d), AttrAction::None, UpdateSubcode::Unspecific,
         fmt::format("{}: ignored from a 4-octet AS peer (RFC 6793 §4.1), length {}", d.name,
                     v.remaining()));
    return std::nullopt;
  }
  AsPath p;
  if (auto m = read_as_path(v, 4, d.name, UpdateSubcode::OptionalAttributeError, p)) {
    return m;
  }
  // RFC 6793 §6: confederation segments must not appear in AS4_PATH; drop them and go on.
  const auto confed = [](const AsSegment& s) { return is_confed(s.type); };
  if (std::any_of(p.segments.begin(), p.segments.end(), confed)) {
    std::erase_if(p.segments, confed);
    note(st, code(d), AttrAction::AttributeDiscard, UpdateSubcode::OptionalAttributeError,
         fmt::format("{}: confederation segments discarded (RFC 6793 §6)", d.name));
  }
  st.as4_path = std::move(p);
  return std::nullopt;
}
bool encode_as4_path(const UpdateMessage& m, const EncodeContext& ctx, ByteWriter& w) {
  // RFC 6793 §4.2.2: only toward an OLD speaker, only when some ASN does not fit in 2 octets,
  // and without confederation segments.
  if (ctx.four_octet_as || !m.attributes.as_path || !has_wide_asn(*m.attributes.as_path)) {
    return false;
  }
  const std::size_t before = w.size();
  write_as_path(w, *m.attributes.as_path, 4, true);
  return w.size() != before;
}

// --- AS4_AGGREGATOR (type 18), RFC 6793 §4.1/§6
std::optional<Malformed> decode_as4_aggregator(const AttrDescriptor& d, ByteReader& v,
                                               DecodeState& st) {
  if (st.ctx.four_octet_as) {
    note(st, code(d), AttrAction::None, UpdateSubcode::Unspecific,
         fmt::format("{}: ignored from a 4-octet AS peer (RFC 6793 §4.1), length {}", d.name,
                     v.remaining()));
    return std::nullopt;
  }
  if (auto m = expect_length(d, v, 8)) {
    return m;
  }
  Aggregator a;
  a.asn = v.read_u32();
  a.address = read_v4(v);
  st.as4_aggregator = a;
  return std::nullopt;
}
bool encode_as4_aggregator(const UpdateMessage& m, const EncodeContext& ctx, ByteWriter& w) {
  if (ctx.four_octet_as || !m.attributes.aggregator || m.attributes.aggregator->asn <= 0xFFFF) {
    return false;
  }
  w.u32(m.attributes.aggregator->asn);
  write_v4(w, m.attributes.aggregator->address);
  return true;
}

// --- LARGE_COMMUNITY (type 32), RFC 8092 §5-§6
std::optional<Malformed> decode_large_communities(const AttrDescriptor& d, ByteReader& v,
                                                  DecodeState& st) {
  if (auto m = expect_multiple(d, v, 12)) {
    return m;
  }
  std::vector<LargeCommunity> c;
  while (!v.empty()) {
    LargeCommunity l;
    l.global_admin = v.read_u32();
    l.local1 = v.read_u32();
    l.local2 = v.read_u32();
    c.push_back(l);
  }
  st.msg.attributes.large_communities = std::move(c);
  return std::nullopt;
}
bool encode_large_communities(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  for (const auto& c : m.attributes.large_communities) {
    w.u32(c.global_admin);
    w.u32(c.local1);
    w.u32(c.local2);
  }
  return !m.attributes.large_communities.empty();
}

constexpr std::uint8_t kWellKnown = kFlagTransitive;  // well-known: not optional, transitive
constexpr std::uint8_t kOptTrans = kFlagOptional | kFlagTransitive;
constexpr std::uint8_t kOptNonTrans = kFlagOptional;

// In ascending type code order: encode walks it as is.
constexpr std::array<AttrDescriptor, 16> kAttrTable{{
    {AttrType::Origin, "ORIGIN", kWellKnown, decode_origin, encode_origin,
     AttrAction::TreatAsWithdraw},
    {AttrType::AsPath, "AS_PATH", kWellKnown, decode_as_path, encode_as_path,
     AttrAction::TreatAsWithdraw},
    {AttrType::NextHop, "NEXT_HOP", kWellKnown, decode_next_hop, encode_next_hop,
     AttrAction::TreatAsWithdraw},
    {AttrType::MultiExitDisc, "MULTI_EXIT_DISC", kOptNonTrans, decode_med, encode_med,
     AttrAction::TreatAsWithdraw},
    {AttrType::LocalPref, "LOCAL_PREF", kWellKnown, decode_local_pref, encode_local_pref,
     AttrAction::TreatAsWithdraw},
    {AttrType::AtomicAggregate, "ATOMIC_AGGREGATE", kWellKnown, decode_atomic_aggregate,
     encode_atomic_aggregate, AttrAction::AttributeDiscard},
    {AttrType::Aggregator, "AGGREGATOR", kOptTrans, decode_aggregator, encode_aggregator,
     AttrAction::AttributeDiscard},
    {AttrType::Communities, "COMMUNITIES", kOptTrans, decode_communities, encode_communities,
     AttrAction::TreatAsWithdraw},
    {AttrType::OriginatorId, "ORIGINATOR_ID", kOptNonTrans, decode_originator_id,
     encode_originator_id, AttrAction::TreatAsWithdraw},
    {AttrType::ClusterList, "CLUSTER_LIST", kOptNonTrans, decode_cluster_list,
     encode_cluster_list, AttrAction::TreatAsWithdraw},
    // RFC 7606 §7.11-§7.12: AFI/SAFI disable, which is a session reset for us.
    {AttrType::MpReachNlri, "MP_REACH_NLRI", kOptNonTrans, decode_mp_reach, encode_mp_reach,
     AttrAction::AfiSafiDisable},
    {AttrType::MpUnreachNlri, "MP_UNREACH_NLRI", kOptNonTrans, decode_mp_unreach,
     encode_mp_unreach, AttrAction::AfiSafiDisable},
    {AttrType::ExtendedCommunities, "EXTENDED_COMMUNITIES", kOptTrans, decode_ext_communities,
     encode_ext_communities, AttrAction::TreatAsWithdraw},
    {AttrType::As4Path, "AS4_PATH", kOptTrans, decode_as4_path, encode_as4_path,
     AttrAction::AttributeDiscard},
    {AttrType::As4Aggregator, "AS4_AGGREGATOR", kOptTrans, decode_as4_aggregator,
     encode_as4_aggregator, AttrAction::AttributeDiscard},
    {AttrType::LargeCommunities, "LARGE_COMMUNITY", kOptTrans, decode_large_communities,
     encode_large_communities, AttrAction::TreatAsWithdraw},
}};

const AttrDescriptor* find_descriptor(std::uint8_t type) {
  for (const auto& d : kAttrTable) {
    if (code(d) == type) {
      return &d;
    }
  }
  return nullptr;
}

std::string attr_name(std::uint8_t type) {
  const AttrDescriptor* d = find_descriptor(type);
  return d ? std::string(d->name) : fmt::format("attribute type {}", type);
}

bool is_mp(std::uint8_t type) {
  return type == static_cast<std::uint8_t>(AttrType::MpReachNlri) ||
         type == static_cast<std::uint8_t>(AttrType::MpUnreachNlri);
}

// ---------------------------------------------------------------------------------------------
// The attribute list (RFC 4271 §4.3, RFC 7606 §3-§4)

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

// ---------------------------------------------------------------------------------------------
// RFC 6793 §4.2.3: rebuilding the 4-octet AS path and aggregator from a 2-octet peer.

// Takes as many leading ASNs of `as_path` as AS4_PATH lacks and puts them in front of it.
// Confederation segments go along when leading or next to a prepended segment (§4.2.3).
AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path) {
  std::size_t need = path_count(as_path) - path_count(as4_path);
  AsPath out;
  bool prev_whole = true;  // the start counts as "adjacent to a prepended segment"
  for (const auto& s : as_path.segments) {
    if (is_confed(s.type)) {
      if (!prev_whole) {
        break;
      }
      out.segments.push_back(s);
      continue;
    }
    if (need == 0) {
      break;
    }
    if (s.type == AsSegmentType::AsSet) {
      out.segments.push_back(s);
      need -= 1;
      continue;
    }
    const std::size_t take = std::min(need, s.asns.size());
    out.segments.push_back(AsSegment{
        s.type, std::vector<Asn>(s.asns.begin(),
                                 s.asns.begin() + static_cast<std::ptrdiff_t>(take))});
    need -= take;
    prev_whole = take == s.asns.size();
    if (!prev_whole) {
      break;
    }
  }
  for (const auto& s : as4_path.segments) {
    // One AS_SEQUENCE split across the two attributes is one sequence again (while it still
    // fits a segment, so that re-encoding gives the same segmentation).
    if (&s == &as4_path.segments.front() && !out.segments.empty() &&
        out.segments.back().type == AsSegmentType::AsSequence &&
        s.type == AsSegmentType::AsSequence &&
        out.segments.back().asns.size() + s.asns.size() <= 255) {
      auto& tail = out.segments.back().asns;
      tail.insert(tail.end(), s.asns.begin(), s.asns.end());
      continue;
    }
    out.segments.push_back(s);
  }
  return out;
}

void reconcile_as4(DecodeState& st) {
  if (!st.as4_path && !st.as4_aggregator) {
    return;
  }
  PathAttributes& a = st.msg.attributes;
  const auto as4_path_type = static_cast<std::uint8_t>(AttrType::As4Path);
  const auto as4_agg_type = static_cast<std::uint8_t>(AttrType::As4Aggregator);
  // RFC 6793 §4.2.3: AGGREGATOR and AS4_AGGREGATOR both present but AGGREGATOR holding a real
  // 2-octet ASN means an OLD speaker aggregated after the AS4 attributes were built, so both
  // are stale. (Without AS4_AGGREGATOR the rule does not apply: a NEW aggregator with a
  // 2-octet ASN sends no AS4_AGGREGATOR, and its AS4_PATH is valid.)
  if (a.aggregator && st.as4_aggregator && a.aggregator->asn != kAsTrans) {
    if (st.as4_path) {
      note(st, as4_path_type, AttrAction::None, UpdateSubcode::Unspecific,
           fmt::format("AS4_PATH: ignored, AGGREGATOR AS {} is not AS_TRANS (RFC 6793 §4.2.3)",
                       a.aggregator->asn));
    }
    if (st.as4_aggregator) {
      note(st, as4_agg_type, AttrAction::None, UpdateSubcode::Unspecific,
           fmt::format("AS4_AGGREGATOR: ignored, AGGREGATOR AS {} is not AS_TRANS "
                       "(RFC 6793 §4.2.3)",
                       a.aggregator->asn));
    }
    return;
  }
  if (st.as4_aggregator) {
    if (a.aggregator) {
      a.aggregator = st.as4_aggregator;
    } else {
      note(st, as4_agg_type, AttrAction::None, UpdateSubcode::Unspecific,
           "AS4_AGGREGATOR: ignored, no AGGREGATOR to complete");
    }
  }
  if (st.as4_path) {
    if (!a.as_path) {
      note(st, as4_path_type, AttrAction::None, UpdateSubcode::Unspecific,
           "AS4_PATH: ignored, no AS_PATH to complete");
    } else if (path_count(*a.as_path) < path_count(*st.as4_path)) {
      note(st, as4_path_type, AttrAction::None, UpdateSubcode::Unspecific,
           fmt::format("AS4_PATH: ignored, {} ASNs is more than the {} of AS_PATH "
                       "(RFC 6793 §4.2.3)",
                       path_count(*st.as4_path), path_count(*a.as_path)));
    } else {
      a.as_path = merge_as4_path(*a.as_path, *st.as4_path);
    }
  }
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
  std::stable_sort(st.msg.attributes.unknown.begin(), st.msg.attributes.unknown.end(),
                   [](const RawAttribute& x, const RawAttribute& y) { return x.type < y.type; });
  for (const auto& issue : st.msg.issues) {
    st.msg.action = std::max(st.msg.action, issue.action);
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

  for (const auto& d : kAttrTable) {
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
