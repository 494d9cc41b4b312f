// MRT record encoder (RFC 6396): BGP4MP_ET message and state-change records for live session
// traces (§3, §4.4.2-§4.4.4) and TABLE_DUMP_V2 peer index / unicast RIB records for table
// snapshots (§4.3.1, §4.3.2, §4.3.4). Pure: values in, one complete record (header included)
// out; no clock, no file. The caller concatenates records into a file (app/mrt_recorder.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/message.hpp"
#include "bgp/wire/types.hpp"

namespace msee::mrt {

namespace wire = msee::bgp::wire;

// RFC 6396 §4 / IANA "MRT Types".
enum class Type : std::uint16_t {
  TableDumpV2 = 13,  // §4.3
  Bgp4mp = 16,       // §4.4
  Bgp4mpEt = 17,     // §4.4 with the §3 Extended Timestamp header
};

// RFC 6396 §4.3 TABLE_DUMP_V2 subtypes.
enum class TableDumpV2Subtype : std::uint16_t {
  PeerIndexTable = 1,
  RibIpv4Unicast = 2,
  RibIpv4Multicast = 3,
  RibIpv6Unicast = 4,
  RibIpv6Multicast = 5,
  RibGeneric = 6,
};

// RFC 6396 §4.4 BGP4MP / BGP4MP_ET subtypes.
enum class Bgp4mpSubtype : std::uint16_t {
  StateChange = 0,
  Message = 1,
  MessageAs4 = 4,
  StateChangeAs4 = 5,
  MessageLocal = 6,
  MessageAs4Local = 7,
};

// RFC 6396 §4.4.1: the BGP FSM states as numbered in MRT (1-based, unlike fsm::State).
enum class BgpState : std::uint16_t {
  Idle = 1,
  Connect = 2,
  Active = 3,
  OpenSent = 4,
  OpenConfirm = 5,
  Established = 6,
};

// Wall-clock time of the record, supplied by the caller. TABLE_DUMP_V2 records carry only
// `seconds`; BGP4MP_ET records carry both (§3).
struct Timestamp {
  std::uint32_t seconds = 0;
  std::uint32_t microseconds = 0;  // 0..999999
  bool operator==(const Timestamp&) const = default;
};

// The session a BGP4MP record belongs to (§4.4.3). The Address Family field is taken from
// peer_ip; a local_ip of the other family is written as the unspecified address of the peer's
// family, so the record stays well formed.
struct SessionKey {
  wire::Asn peer_as = 0;
  wire::Asn local_as = 0;
  std::uint16_t interface_index = 0;
  wire::IpAddress peer_ip;
  wire::IpAddress local_ip;
  bool operator==(const SessionKey&) const = default;
};

// One entry of the PEER_INDEX_TABLE (§4.3.1). Always written with a 4-octet AS.
struct RibPeer {
  wire::RouterId bgp_id = 0;  // host byte order, as wire::RouterId
  wire::IpAddress peer_ip;
  wire::Asn peer_as = 0;
  bool operator==(const RibPeer&) const = default;
};

// One RIB Entry (§4.3.4). `next_hop` is authoritative: for an IPv4 prefix it becomes the
// NEXT_HOP attribute (attributes.next_hop is ignored); for an IPv6 prefix it goes into the
// abbreviated MP_REACH_NLRI together with `link_local_next_hop` (RFC 2545 §3 32-octet form)
// and any IPv4 NEXT_HOP attribute is dropped.
struct RibEntry {
  std::uint16_t peer_index = 0;       // index into the PEER_INDEX_TABLE
  std::uint32_t originated_time = 0;  // seconds since the epoch
  wire::PathAttributes attributes;
  wire::IpAddress next_hop;
  std::optional<wire::IpAddress> link_local_next_hop;
  bool operator==(const RibEntry&) const = default;
};

inline constexpr std::size_t kHeaderSize = 12;    // §2 common header
inline constexpr std::size_t kEtHeaderSize = 16;  // §3: plus the Microsecond Timestamp

// BGP4MP_ET / BGP4MP_MESSAGE_AS4 (§4.4.3): `bgp_message` is the whole BGP message including
// its 19-octet header, copied unchanged. Readers (bgpdump) parse the AS_PATH inside a
// MESSAGE_AS4 record with 4-octet ASNs, so use it only for sessions that negotiated the RFC 6793
// capability, and bgp4mp_message() for the others.
// `local`: the message was sent by this speaker, not received (§4.4.7 MESSAGE_AS4_LOCAL).
wire::Bytes bgp4mp_message_as4(Timestamp t, const SessionKey& k,
                               std::span<const std::uint8_t> bgp_message, bool local = false);

// BGP4MP_ET / BGP4MP_MESSAGE (§4.4.2): the same with 2-octet AS fields (AS_TRANS for a larger
// AS, RFC 6793 §9). Use it for sessions without the four-octet AS capability: readers then
// parse the embedded AS_PATH with 2-octet ASNs.
wire::Bytes bgp4mp_message(Timestamp t, const SessionKey& k,
                           std::span<const std::uint8_t> bgp_message, bool local = false);

// BGP4MP_ET / BGP4MP_STATE_CHANGE_AS4 (§4.4.4).
wire::Bytes bgp4mp_state_change_as4(Timestamp t, const SessionKey& k, BgpState old_state,
                                    BgpState new_state);

// TABLE_DUMP_V2 / PEER_INDEX_TABLE (§4.3.1). A view name longer than 65535 octets and peers
// beyond the 65535th are cut off (the length and count fields are 2 octets).
wire::Bytes peer_index_table(Timestamp t, wire::RouterId collector_bgp_id,
                             std::string_view view_name, std::span<const RibPeer> peers);

// TABLE_DUMP_V2 / RIB_IPV4_UNICAST or RIB_IPV6_UNICAST by the prefix's family (§4.3.2), with
// the attributes of each entry encoded as in an UPDATE with 4-octet AS_PATH (§4.3.4) by the
// project's UPDATE encoder (wire::encode). Entries beyond the 65535th are cut off.
wire::Bytes rib_unicast(Timestamp t, std::uint32_t sequence, const wire::Prefix& prefix,
                        std::span<const RibEntry> entries);

// The attribute block of one RIB Entry (§4.3.4) for a prefix of `family`, without the
// Attribute Length field. Exposed for tests and for sizing.
wire::Bytes rib_entry_attributes(wire::Afi family, const RibEntry& entry);

}  // namespace msee::mrt
