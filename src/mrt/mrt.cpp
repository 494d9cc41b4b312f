// MRT record encoder (RFC 6396 §2, §3, §4.3.1, §4.3.2, §4.3.4, §4.4.2-§4.4.4). The RIB
// entry attributes come from the project's UPDATE encoder; this file only rewrites
// MP_REACH_NLRI into the abbreviated form of §4.3.4.
#include "mrt/mrt.hpp"

#include <algorithm>
#include <limits>
#include <variant>

#include "bgp/wire/codec.hpp"

namespace msee::mrt {
namespace {

using wire::ByteReader;
using wire::ByteWriter;
using wire::Bytes;
using wire::ByteSpan;

constexpr std::size_t kMaxU16 = std::numeric_limits<std::uint16_t>::max();

// RFC 6396 §4.3.1 Peer Type bits.
constexpr std::uint8_t kPeerTypeIpv6 = 0x01;
constexpr std::uint8_t kPeerTypeAs4 = 0x02;

// RFC 6396 §2
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           Timestamp                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |             Type              |            Subtype            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                             Length                            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      Message... (variable)
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// The §3 Extended Timestamp form adds a 4-octet Microsecond Timestamp after Length.
Bytes make_record(Timestamp t, Type type, std::uint16_t subtype, bool extended_timestamp,
                  ByteSpan body) {
  Bytes out;
  out.reserve((extended_timestamp ? kEtHeaderSize : kHeaderSize) + body.size());
  ByteWriter w(out);
  w.u32(t.seconds);
  w.u16(static_cast<std::uint16_t>(type));
  w.u16(subtype);
  if (extended_timestamp) {
    // RFC 6396 §3: the Microsecond Timestamp counts in the Length field.
    w.u32(static_cast<std::uint32_t>(body.size() + 4));
    w.u32(t.microseconds);
  } else {
    // RFC 6396 §2: Length excludes the common header.
    w.u32(static_cast<std::uint32_t>(body.size()));
  }
  w.bytes(body);
  return out;
}

void write_address(ByteWriter& w, const wire::IpAddress& a) {
  w.bytes(ByteSpan(a.bytes).first(a.size()));
}

// RFC 6396 §4.4.3 / §4.4.4 common part:
//  Peer AS Number (4) | Local AS Number (4) | Interface Index (2) | Address Family (2)
//  Peer IP Address (4 or 16) | Local IP Address (4 or 16)
// §4.4.2 (BGP4MP_MESSAGE) has the same layout with 2-octet AS numbers.
void write_session(ByteWriter& w, const SessionKey& k, bool as4) {
  if (as4) {
    w.u32(k.peer_as);
    w.u32(k.local_as);
  } else {
    // RFC 6793 §9: an AS that does not fit in 2 octets is written as AS_TRANS.
    const auto as2 = [](wire::Asn a) {
      return static_cast<std::uint16_t>(a > kMaxU16 ? wire::kAsTrans : a);
    };
    w.u16(as2(k.peer_as));
    w.u16(as2(k.local_as));
  }
  w.u16(k.interface_index);
  w.u16(static_cast<std::uint16_t>(k.peer_ip.family));
  write_address(w, k.peer_ip);
  if (k.local_ip.family == k.peer_ip.family) {
    write_address(w, k.local_ip);
  } else {
    // One Address Family field covers both addresses: a mismatched local address cannot be
    // represented, so the unspecified address of the peer's family stands in for it.
    w.bytes(ByteSpan(wire::IpAddress{}.bytes).first(k.peer_ip.size()));
  }
}

// RFC 6396 §4.3.2: Prefix Length, then the prefix in the fewest octets that hold it.
void write_prefix(ByteWriter& w, const wire::Prefix& p) {
  const std::size_t length = std::min<std::size_t>(p.length, p.addr.size() * 8);
  w.u8(static_cast<std::uint8_t>(length));
  w.bytes(ByteSpan(p.addr.bytes).first((length + 7) / 8));
}

// Copies the attributes of an encoded UPDATE body, replacing MP_REACH_NLRI by its §4.3.4
// form. The input is our own encoder's output, so a short read only means a bug upstream;
// it ends the copy rather than reading past the end.
Bytes abbreviate_attributes(ByteSpan attrs) {
  Bytes out;
  out.reserve(attrs.size());
  ByteWriter w(out);
  ByteReader r(attrs);
  while (!r.empty() && r.ok()) {
    const std::uint8_t flags = r.read_u8();
    const std::uint8_t type = r.read_u8();
    const bool extended = (flags & wire::kFlagExtendedLength) != 0;
    const std::size_t length = extended ? r.read_u16() : r.read_u8();
    ByteSpan value = r.read_bytes(length);
    if (!r.ok()) {
      break;
    }
    if (type != static_cast<std::uint8_t>(wire::AttrType::MpReachNlri)) {
      w.u8(flags);
      w.u8(type);
      if (extended) {
        w.u16(static_cast<std::uint16_t>(length));
      } else {
        w.u8(static_cast<std::uint8_t>(length));
      }
      w.bytes(value);
      continue;
    }
    // RFC 6396 §4.3.4: AFI, SAFI and NLRI are already in the RIB Entry Header, so only the
    // Next Hop Address Length and Next Hop Address remain (Reserved goes too).
    ByteReader v(value);
    v.read_bytes(3);  // AFI (2), SAFI (1)
    const std::uint8_t nh_len = v.read_u8();
    ByteSpan nh = v.read_bytes(nh_len);
    if (!v.ok()) {
      continue;
    }
    w.u8(static_cast<std::uint8_t>(flags & ~wire::kFlagExtendedLength));
    w.u8(type);
    w.u8(static_cast<std::uint8_t>(1 + nh.size()));
    w.u8(nh_len);
    w.bytes(nh);
  }
  return out;
}

}  // namespace

wire::Bytes bgp4mp_message_as4(Timestamp t, const SessionKey& k,
                               std::span<const std::uint8_t> bgp_message, bool local) {
  Bytes body;
  ByteWriter w(body);
  write_session(w, k, true);
  // RFC 6396 §4.4.3: the BGP message follows whole, header included.
  w.bytes(bgp_message);
  // RFC 6396 §4.4.7: a message this speaker sent is a MESSAGE_AS4_LOCAL.
  auto sub = local ? Bgp4mpSubtype::MessageAs4Local : Bgp4mpSubtype::MessageAs4;
  return make_record(t, Type::Bgp4mpEt, static_cast<std::uint16_t>(sub), true, body);
}

wire::Bytes bgp4mp_message(Timestamp t, const SessionKey& k,
                           std::span<const std::uint8_t> bgp_message, bool local) {
  Bytes body;
  ByteWriter w(body);
  write_session(w, k, false);
  w.bytes(bgp_message);
  // RFC 6396 §4.4.6: MESSAGE_LOCAL for what this speaker sent.
  auto sub = local ? Bgp4mpSubtype::MessageLocal : Bgp4mpSubtype::Message;
  return make_record(t, Type::Bgp4mpEt, static_cast<std::uint16_t>(sub), true, body);
}

wire::Bytes bgp4mp_state_change_as4(Timestamp t, const SessionKey& k, BgpState old_state,
                                    BgpState new_state) {
  Bytes body;
  ByteWriter w(body);
  write_session(w, k, true);
  // RFC 6396 §4.4.4: Old State (2), New State (2), numbered as in §4.4.1.
  w.u16(static_cast<std::uint16_t>(old_state));
  w.u16(static_cast<std::uint16_t>(new_state));
  return make_record(t, Type::Bgp4mpEt,
                     static_cast<std::uint16_t>(Bgp4mpSubtype::StateChangeAs4), true, body);
}

// RFC 6396 §4.3.1
//  Collector BGP ID (4) | View Name Length (2) | View Name (variable) | Peer Count (2)
//  then per peer: Peer Type (1) | Peer BGP ID (4) | Peer IP Address (4 or 16) | Peer AS (2 or 4)
wire::Bytes peer_index_table(Timestamp t, wire::RouterId collector_bgp_id,
                             std::string_view view_name, std::span<const RibPeer> peers) {
  Bytes body;
  ByteWriter w(body);
  w.u32(collector_bgp_id);
  const std::size_t name_len = std::min(view_name.size(), kMaxU16);
  w.u16(static_cast<std::uint16_t>(name_len));
  for (std::size_t i = 0; i < name_len; ++i) {
    w.u8(static_cast<std::uint8_t>(view_name[i]));
  }
  const std::size_t count = std::min(peers.size(), kMaxU16);
  w.u16(static_cast<std::uint16_t>(count));
  for (const RibPeer& p : peers.first(count)) {
    // Our behaviour: always the 4-octet AS form, so one table serves every peer.
    const std::uint8_t type =
        static_cast<std::uint8_t>(kPeerTypeAs4 | (p.peer_ip.is_v6() ? kPeerTypeIpv6 : 0));
    w.u8(type);
    w.u32(p.bgp_id);
    write_address(w, p.peer_ip);
    w.u32(p.peer_as);
  }
  return make_record(t, Type::TableDumpV2,
                     static_cast<std::uint16_t>(TableDumpV2Subtype::PeerIndexTable), false, body);
}

wire::Bytes rib_entry_attributes(wire::Afi family, const RibEntry& entry) {
  wire::UpdateMessage update;
  update.attributes = entry.attributes;
  if (family == wire::Afi::Ipv4 && entry.next_hop.is_v4()) {
    update.attributes.next_hop = entry.next_hop;
  } else {
    // Any other next hop travels in MP_REACH_NLRI (RFC 4760 §3; RFC 8950 for an IPv6 next
    // hop of an IPv4 prefix); the NLRI stays empty because the RIB header carries the prefix.
    update.attributes.next_hop.reset();
    update.mp_reach = wire::MpReachNlri{
        wire::AfiSafi{family, wire::Safi::Unicast}, entry.next_hop, entry.link_local_next_hop,
        {}};
  }
  // RFC 6396 §4.3.4: AS_PATH (and AGGREGATOR) always with 4-octet ASNs. Extended message so
  // that nothing in the encoder sizes the attributes down to 4096 octets.
  const wire::EncodeContext ctx{.four_octet_as = true, .extended_message = true};
  const Bytes message = wire::encode(wire::Message{std::move(update)}, ctx);

  // RFC 4271 §4.3: header (19), Withdrawn Routes Length (2) = 0, Total Path Attribute
  // Length (2), Path Attributes; no withdrawn routes and no NLRI were given.
  ByteReader r(message);
  r.read_bytes(wire::kHeaderSize);
  r.read_bytes(r.read_u16());
  const std::uint16_t attrs_len = r.read_u16();
  ByteSpan attrs = r.read_bytes(attrs_len);
  if (!r.ok()) {
    return {};
  }
  return abbreviate_attributes(attrs);
}

// RFC 6396 §4.3.2
//  Sequence Number (4) | Prefix Length (1) | Prefix (variable) | Entry Count (2) | RIB Entries
// §4.3.4 RIB Entry:
//  Peer Index (2) | Originated Time (4) | Attribute Length (2) | BGP Attributes (variable)
wire::Bytes rib_unicast(Timestamp t, std::uint32_t sequence, const wire::Prefix& prefix,
                        std::span<const RibEntry> entries) {
  const wire::Afi family = prefix.family();
  Bytes body;
  ByteWriter w(body);
  w.u32(sequence);
  write_prefix(w, prefix);
  const std::size_t count = std::min(entries.size(), kMaxU16);
  w.u16(static_cast<std::uint16_t>(count));
  for (const RibEntry& e : entries.first(count)) {
    const Bytes attrs = rib_entry_attributes(family, e);
    w.u16(e.peer_index);
    w.u32(e.originated_time);
    w.u16(static_cast<std::uint16_t>(std::min(attrs.size(), kMaxU16)));
    w.bytes(ByteSpan(attrs).first(std::min(attrs.size(), kMaxU16)));
  }
  const auto subtype = family == wire::Afi::Ipv6 ? TableDumpV2Subtype::RibIpv6Unicast
                                                 : TableDumpV2Subtype::RibIpv4Unicast;
  return make_record(t, Type::TableDumpV2, static_cast<std::uint16_t>(subtype), false, body);
}

}  // namespace msee::mrt
