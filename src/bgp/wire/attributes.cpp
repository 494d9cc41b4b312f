// The path attribute descriptor table of the UPDATE codec (BIRD's bgp_attr_table): for every
// attribute we interpret, its type code, name, expected Optional/Transitive flags (RFC 4271
// §5), decode and encode functions, and RFC 7606 §7 error action (RFC 6793 §6 for the AS4
// attributes). The value codecs live here too, except AS_PATH/AS4_PATH (as_path.cpp):
// ORIGIN, NEXT_HOP, the 4-octet MULTI_EXIT_DISC/LOCAL_PREF/ORIGINATOR_ID and COMMUNITIES/
// CLUSTER_LIST lists, ATOMIC_AGGREGATE, AGGREGATOR/AS4_AGGREGATOR, RFC 4760 MP_REACH_NLRI/
// MP_UNREACH_NLRI (IPv4/IPv6 unicast, RFC 2545 §3 link-local next hop), RFC 4360 extended and
// RFC 8092 large communities. The attribute list itself is walked by update_codec.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "bgp/wire/update_detail.hpp"

namespace msee::bgp::wire::detail {

namespace {

// RFC 7606 §7 length rules shared by the decoders: exactly `want` octets, or a non-zero
// multiple of `unit`.
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

// --- NEXT_HOP (type 3), RFC 7606 §7.3. The semantic checks (RFC 4271 §6.3) run once the
// whole UPDATE is read, with the session's facts (update_codec.cpp check_semantics).
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

// --- The 4-octet attributes, one codec for all: MULTI_EXIT_DISC (type 4), RFC 7606 §7.4;
// LOCAL_PREF (type 5), RFC 7606 §7.5; ORIGINATOR_ID (type 9), RFC 7606 §7.9. Each is exactly one
// 4-octet value. From an external peer LOCAL_PREF and ORIGINATOR_ID are discarded before
// their value is read (update_codec.cpp, §7.5, §7.9).
using U32Field = std::optional<std::uint32_t> PathAttributes::*;

template <U32Field Field>
std::optional<Malformed> decode_u32(const AttrDescriptor& d, ByteReader& v, DecodeState& st) {
  if (auto m = expect_length(d, v, 4)) {
    return m;
  }
  st.msg.attributes.*Field = v.read_u32();
  return std::nullopt;
}
template <U32Field Field>
bool encode_u32(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  const auto& value = m.attributes.*Field;
  if (!value) {
    return false;
  }
  w.u32(*value);
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
  if (a.asn == 0) {  // RFC 7607 §2: attribute discard (the descriptor's action)
    return Malformed{UpdateSubcode::OptionalAttributeError,
                     fmt::format("{}: AS 0 (RFC 7607)", d.name), {}};
  }
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

// --- The lists of 4-octet values, one codec for both: COMMUNITIES (type 8), RFC 7606 §7.8
// (RFC 1997 §3); CLUSTER_LIST (type 10), RFC 7606 §7.10 (RFC 4456 §8). A non-zero multiple of
// 4 octets; an empty list is not sent.
using U32ListField = std::vector<std::uint32_t> PathAttributes::*;

template <U32ListField Field>
std::optional<Malformed> decode_u32_list(const AttrDescriptor& d, ByteReader& v,
                                         DecodeState& st) {
  if (auto m = expect_multiple(d, v, 4)) {
    return m;
  }
  std::vector<std::uint32_t> values;
  while (!v.empty()) {
    values.push_back(v.read_u32());
  }
  st.msg.attributes.*Field = std::move(values);
  return std::nullopt;
}
template <U32ListField Field>
bool encode_u32_list(const UpdateMessage& m, const EncodeContext&, ByteWriter& w) {
  const auto& values = m.attributes.*Field;
  for (std::uint32_t v : values) {
    w.u32(v);
  }
  return !values.empty();
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

// --- AS4_AGGREGATOR (type 18), RFC 6793 §4.1/§6
std::optional<Malformed> decode_as4_aggregator(const AttrDescriptor& d, ByteReader& v,
                                               DecodeState& st) {
  if (ignored_from_new_speaker(d, v, st)) {
    return std::nullopt;
  }
  if (auto m = expect_length(d, v, 8)) {
    return m;
  }
  Aggregator a;
  a.asn = v.read_u32();
  a.address = read_v4(v);
  if (a.asn == 0) {  // RFC 7607 §2: attribute discard (the descriptor's action)
    return Malformed{UpdateSubcode::OptionalAttributeError,
                     fmt::format("{}: AS 0 (RFC 7607)", d.name), {}};
  }
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

// The shared 4-octet codecs, instantiated once per attribute.
constexpr DecodeFn decode_med = decode_u32<&PathAttributes::med>;
constexpr EncodeFn encode_med = encode_u32<&PathAttributes::med>;
constexpr DecodeFn decode_local_pref = decode_u32<&PathAttributes::local_pref>;
constexpr EncodeFn encode_local_pref = encode_u32<&PathAttributes::local_pref>;
constexpr DecodeFn decode_originator_id = decode_u32<&PathAttributes::originator_id>;
constexpr EncodeFn encode_originator_id = encode_u32<&PathAttributes::originator_id>;
constexpr DecodeFn decode_communities = decode_u32_list<&PathAttributes::communities>;
constexpr EncodeFn encode_communities = encode_u32_list<&PathAttributes::communities>;
constexpr DecodeFn decode_cluster_list = decode_u32_list<&PathAttributes::cluster_list>;
constexpr EncodeFn encode_cluster_list = encode_u32_list<&PathAttributes::cluster_list>;

constexpr std::uint8_t kWellKnown = kFlagTransitive;  // well-known: not optional, transitive
constexpr std::uint8_t kOptTrans = kFlagOptional | kFlagTransitive;
constexpr std::uint8_t kOptNonTrans = kFlagOptional;

// The table: one row per attribute we interpret, in ascending type code order (encode walks it
// as is). Columns: type code, name, expected Optional/Transitive bits, decode, encode, and the
// RFC 7606 §7 action for a malformed value.
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

// Type code → row of kAttrTable (kNone for the codes we do not interpret), so that the
// attribute loop finds a descriptor in one step.
constexpr std::uint8_t kNone = 0xFF;
constexpr std::array<std::uint8_t, 256> kAttrIndex = [] {
  std::array<std::uint8_t, 256> index{};
  index.fill(kNone);
  for (std::size_t i = 0; i < kAttrTable.size(); ++i) {
    index[static_cast<std::uint8_t>(kAttrTable[i].type)] = static_cast<std::uint8_t>(i);
  }
  return index;
}();

}  // namespace

bool ignored_from_new_speaker(const AttrDescriptor& d, const ByteReader& v, DecodeState& st) {
  if (!st.ctx.four_octet_as) {
    return false;
  }
  note(st, code(d), AttrAction::None, UpdateSubcode::Unspecific,
       fmt::format("{}: ignored from a 4-octet AS peer (RFC 6793 §4.1), length {}", d.name,
                   v.remaining()));
  return true;
}

std::span<const AttrDescriptor> attribute_table() { return kAttrTable; }

const AttrDescriptor* find_descriptor(std::uint8_t type) {
  const std::uint8_t row = kAttrIndex[type];
  return row == kNone ? nullptr : &kAttrTable[row];
}

std::string attr_name(std::uint8_t type) {
  const AttrDescriptor* d = find_descriptor(type);
  return d ? std::string(d->name) : fmt::format("attribute type {}", type);
}

}  // namespace msee::bgp::wire::detail
