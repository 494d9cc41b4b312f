// BGP-4 message value types (RFC 4271 §4) with the capabilities (RFC 5492 and friends) and
// path attributes this speaker understands. Plain aggregates with defaulted ==, so a codec
// round trip is one comparison. The codec lives in codec.hpp; nothing here does I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp/wire/error.hpp"
#include "bgp/wire/types.hpp"

namespace msee::bgp::wire {

inline constexpr std::size_t kHeaderSize = 19;
inline constexpr std::size_t kMaxMessageSize = 4096;            // RFC 4271 §4.1
inline constexpr std::size_t kMaxExtendedMessageSize = 65535;   // RFC 8654

enum class MessageType : std::uint8_t {
  Open = 1,
  Update = 2,
  Notification = 3,
  Keepalive = 4,
  RouteRefresh = 5,  // RFC 2918
};

// ---------------------------------------------------------------------------------------------
// Capabilities (RFC 5492 §4). Each is one capability TLV inside an Optional Parameter of type 2.

enum class CapabilityCode : std::uint8_t {
  Multiprotocol = 1,           // RFC 4760
  RouteRefresh = 2,            // RFC 2918
  ExtendedNextHop = 5,         // RFC 8950 (kept raw)
  ExtendedMessage = 6,         // RFC 8654
  GracefulRestart = 64,        // RFC 4724
  FourOctetAs = 65,            // RFC 6793
  AddPath = 69,                // RFC 7911 (kept raw, not negotiated)
  EnhancedRouteRefresh = 70,   // RFC 7313
};

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-------------------------------+---------------+---------------+
// |              AFI              |   Reserved    |     SAFI      |   RFC 4760 §8
// +-------------------------------+---------------+---------------+
struct MultiprotocolCap {
  AfiSafi afi_safi;
  bool operator==(const MultiprotocolCap&) const = default;
};
struct RouteRefreshCap {
  bool operator==(const RouteRefreshCap&) const = default;
};
struct EnhancedRouteRefreshCap {
  bool operator==(const EnhancedRouteRefreshCap&) const = default;
};
struct ExtendedMessageCap {
  bool operator==(const ExtendedMessageCap&) const = default;
};
struct FourOctetAsCap {
  Asn asn = 0;
  bool operator==(const FourOctetAsCap&) const = default;
};
// RFC 4724 §3: Restart Flags (R = restart state, N = RFC 8538 notification), 12-bit Restart
// Time, then per AFI/SAFI a Flags octet whose top bit is Forwarding State.
struct GracefulRestartCap {
  bool restart_state = false;   // R bit
  bool notification = false;    // N bit (RFC 8538)
  std::uint16_t restart_time = 0;  // seconds, 0..4095
  struct Family {
    AfiSafi afi_safi;
    bool forwarding_state = false;
    bool operator==(const Family&) const = default;
  };
  std::vector<Family> families;
  bool operator==(const GracefulRestartCap&) const = default;
};
// Any capability we do not interpret (kept so that it can be logged and shown).
struct UnknownCap {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> value;
  bool operator==(const UnknownCap&) const = default;
};

using Capability = std::variant<MultiprotocolCap, RouteRefreshCap, EnhancedRouteRefreshCap,
                                ExtendedMessageCap, FourOctetAsCap, GracefulRestartCap,
                                UnknownCap>;

// An optional parameter that is not a capability list (RFC 4271 §4.2). Only kept so that the
// FSM can answer Unsupported Optional Parameter; we never send one.
struct OptionalParameter {
  std::uint8_t type = 0;
  std::vector<std::uint8_t> value;
  bool operator==(const OptionalParameter&) const = default;
};

// RFC 4271 §4.2
//  +-+-+-+-+-+-+-+-+ Version
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ My Autonomous System (AS_TRANS if > 65535)
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ Hold Time
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ BGP Identifier
//  +-+-+-+-+-+-+-+-+ Opt Parm Len, then Optional Parameters
struct OpenMessage {
  std::uint8_t version = 4;
  std::uint16_t my_as = 0;       // the 2-octet field as on the wire
  std::uint16_t hold_time = 0;
  RouterId bgp_id = 0;
  std::vector<Capability> capabilities;   // in wire order, flattened over parameters
  std::vector<OptionalParameter> other_parameters;
  bool operator==(const OpenMessage&) const = default;

  // The speaker's real AS: the FourOctetAs capability if present, else my_as (RFC 6793 §4.1).
  Asn effective_as() const;
  template <class Cap>
  const Cap* find() const {
    for (const auto& c : capabilities) {
      if (auto* p = std::get_if<Cap>(&c)) return p;
    }
    return nullptr;
  }
};

// ---------------------------------------------------------------------------------------------
// Path attributes (RFC 4271 §4.3, §5). The attribute type codes (IANA registry):
enum class AttrType : std::uint8_t {
  Origin = 1,
  AsPath = 2,
  NextHop = 3,
  MultiExitDisc = 4,
  LocalPref = 5,
  AtomicAggregate = 6,
  Aggregator = 7,
  Communities = 8,          // RFC 1997
  OriginatorId = 9,         // RFC 4456
  ClusterList = 10,         // RFC 4456
  MpReachNlri = 14,         // RFC 4760
  MpUnreachNlri = 15,       // RFC 4760
  ExtendedCommunities = 16, // RFC 4360
  As4Path = 17,             // RFC 6793
  As4Aggregator = 18,       // RFC 6793
  LargeCommunities = 32,    // RFC 8092
};

// Attribute flag bits (RFC 4271 §4.3).
inline constexpr std::uint8_t kFlagOptional = 0x80;
inline constexpr std::uint8_t kFlagTransitive = 0x40;
inline constexpr std::uint8_t kFlagPartial = 0x20;
inline constexpr std::uint8_t kFlagExtendedLength = 0x10;

enum class Origin : std::uint8_t { Igp = 0, Egp = 1, Incomplete = 2 };

enum class AsSegmentType : std::uint8_t {
  AsSet = 1,
  AsSequence = 2,
  AsConfedSequence = 3,  // RFC 5065
  AsConfedSet = 4,       // RFC 5065
};
struct AsSegment {
  AsSegmentType type = AsSegmentType::AsSequence;
  std::vector<Asn> asns;
  bool operator==(const AsSegment&) const = default;
};
// Always held with 4-octet ASNs. Encoding for a 2-octet peer (AS_TRANS + AS4_PATH) and
// decoding from one (RFC 6793 §4.2.3 reconciliation) happen in the codec.
struct AsPath {
  std::vector<AsSegment> segments;
  bool operator==(const AsPath&) const = default;
  // RFC 4271 §9.1.2.2 a): an AS_SET counts 1, confederation segments count 0.
  std::size_t length() const;
  std::string to_string() const;  // "65001 {65002 65003}"; "" when empty
};

struct Aggregator {
  Asn asn = 0;
  IpAddress address;  // always IPv4
  bool operator==(const Aggregator&) const = default;
};

using Community = std::uint32_t;  // RFC 1997: high 16 bits ASN, low 16 bits value
inline constexpr Community kNoExport = 0xFFFFFF01;
inline constexpr Community kNoAdvertise = 0xFFFFFF02;
inline constexpr Community kNoExportSubconfed = 0xFFFFFF03;
inline constexpr Community kNoPeer = 0xFFFFFF04;           // RFC 3765
inline constexpr Community kGracefulShutdown = 0xFFFF0000; // RFC 8326
// "65001:100", or the well-known names "no-export", "no-advertise", "no-export-subconfed",
// "no-peer", "graceful-shutdown" (community.cpp).
std::string community_to_string(Community c);
std::optional<Community> parse_community(std::string_view text);

struct ExtendedCommunity {  // RFC 4360 §2: 8 octets, type + subtype + value
  std::array<std::uint8_t, 8> value{};
  bool operator==(const ExtendedCommunity&) const = default;
  auto operator<=>(const ExtendedCommunity&) const = default;
  std::string to_string() const;  // "rt:65000:1", "soo:65000:1", else "0x0002fde800000001"
  static std::optional<ExtendedCommunity> parse(std::string_view text);
};

struct LargeCommunity {  // RFC 8092 §3
  std::uint32_t global_admin = 0;
  std::uint32_t local1 = 0;
  std::uint32_t local2 = 0;
  bool operator==(const LargeCommunity&) const = default;
  auto operator<=>(const LargeCommunity&) const = default;
  std::string to_string() const;  // "4200000001:1:2"
  static std::optional<LargeCommunity> parse(std::string_view text);
};

// An attribute we do not interpret. Optional transitive ones are passed on with the Partial
// bit set (RFC 4271 §5); optional non-transitive ones are dropped by the speaker.
struct RawAttribute {
  std::uint8_t flags = 0;   // as received, without the Extended Length bit
  std::uint8_t type = 0;
  std::vector<std::uint8_t> value;
  bool operator==(const RawAttribute&) const = default;
};

// The attributes of a route, without the NLRI-bearing MP_REACH/MP_UNREACH (those are fields
// of UpdateMessage). This is the set the RIB interns and compares.
struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<AsPath> as_path;            // reconciled, 4-octet
  std::optional<IpAddress> next_hop;        // NEXT_HOP attribute (IPv4)
  std::optional<std::uint32_t> med;         // MULTI_EXIT_DISC
  std::optional<std::uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;     // reconciled with AS4_AGGREGATOR
  std::vector<Community> communities;
  std::optional<RouterId> originator_id;
  std::vector<std::uint32_t> cluster_list;
  std::vector<ExtendedCommunity> ext_communities;
  std::vector<LargeCommunity> large_communities;
  std::vector<RawAttribute> unknown;        // sorted by type code
  bool operator==(const PathAttributes&) const = default;
};

//  RFC 4760 §3
//  +---------------------------------------------------------+
//  | AFI (2) | SAFI (1) | Len of Next Hop (1) | Next Hop (var) |
//  | Reserved (1) | NLRI (var)                                |
//  +---------------------------------------------------------+
struct MpReachNlri {
  AfiSafi afi_safi = kIpv6Unicast;
  IpAddress next_hop;                         // global next hop
  std::optional<IpAddress> link_local_next_hop;  // RFC 2545 §3: 32-octet form
  std::vector<Prefix> nlri;
  bool operator==(const MpReachNlri&) const = default;
};
struct MpUnreachNlri {
  AfiSafi afi_safi = kIpv6Unicast;
  std::vector<Prefix> withdrawn;
  bool operator==(const MpUnreachNlri&) const = default;
};

// One RFC 7606 finding inside an otherwise decodable UPDATE.
struct AttrIssue {
  std::uint8_t type = 0;       // attribute type code
  AttrAction action = AttrAction::None;
  UpdateSubcode subcode = UpdateSubcode::Unspecific;
  std::string reason;
  bool operator==(const AttrIssue&) const = default;
};

// RFC 4271 §4.3
//  +-----------------------------------------------------+
//  |   Withdrawn Routes Length (2 octets)                |
//  |   Withdrawn Routes (variable)                       |
//  |   Total Path Attribute Length (2 octets)            |
//  |   Path Attributes (variable)                        |
//  |   Network Layer Reachability Information (variable) |
//  +-----------------------------------------------------+
struct UpdateMessage {
  std::vector<Prefix> withdrawn_routes;  // IPv4 unicast
  PathAttributes attributes;
  std::optional<MpReachNlri> mp_reach;
  std::optional<MpUnreachNlri> mp_unreach;
  std::vector<Prefix> nlri;              // IPv4 unicast
  // Filled by decode (RFC 7606 outcome), ignored by encode. `action` is the max over issues:
  // AttributeDiscard (attributes already dropped) or TreatAsWithdraw (the receiver must treat
  // every NLRI of this UPDATE, IPv4 and MP, as withdrawn). Session-reset errors are not
  // reported here: decode() returns a DecodeError for them.
  std::vector<AttrIssue> issues;
  AttrAction action = AttrAction::None;
  bool operator==(const UpdateMessage&) const = default;

  // RFC 4724 §2 / RFC 4760: an UPDATE with no NLRI/withdrawals and no attributes is the
  // IPv4 End-of-RIB; one carrying only an empty MP_UNREACH for an AFI/SAFI is its End-of-RIB.
  std::optional<AfiSafi> end_of_rib() const;
  static UpdateMessage make_end_of_rib(AfiSafi afi_safi);
};

// ---------------------------------------------------------------------------------------------
// RFC 4271 §4.5
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Error code    | Error subcode |   Data (variable)             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct NotificationMessage {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  std::vector<std::uint8_t> data;
  bool operator==(const NotificationMessage&) const = default;

  static NotificationMessage make(ErrorCode code, std::uint8_t subcode,
                                  std::vector<std::uint8_t> data = {});
  static NotificationMessage from(const DecodeError& err);
  // RFC 8203/9003: Cease with subcode Administrative Shutdown or Administrative Reset, data =
  // one length octet + UTF-8 text of at most 255 octets (longer text is truncated at a UTF-8
  // character boundary).
  static NotificationMessage cease(CeaseSubcode subcode, std::string_view shutdown_text = {});
  // RFC 8538 §3: Cease/Hard Reset carrying `inner` (its code, subcode and data as the data).
  static NotificationMessage hard_reset(const NotificationMessage& inner);
  bool is_hard_reset() const {
    return code == static_cast<std::uint8_t>(ErrorCode::Cease) &&
           subcode == static_cast<std::uint8_t>(CeaseSubcode::HardReset);
  }
  // The shutdown communication if this is an RFC 9003 Cease with valid data, else nullopt.
  std::optional<std::string> shutdown_communication() const;
  std::string describe() const;  // "Cease/Administrative Shutdown: \"maintenance\""
};

struct KeepaliveMessage {
  bool operator==(const KeepaliveMessage&) const = default;
};

// RFC 2918 §3, RFC 7313 §3: the Reserved octet is the message subtype.
enum class RouteRefreshSubtype : std::uint8_t { Normal = 0, BeginOfRouteRefresh = 1, EndOfRouteRefresh = 2 };
struct RouteRefreshMessage {
  AfiSafi afi_safi = kIpv4Unicast;
  RouteRefreshSubtype subtype = RouteRefreshSubtype::Normal;
  bool operator==(const RouteRefreshMessage&) const = default;
};

using Message = std::variant<OpenMessage, UpdateMessage, NotificationMessage, KeepaliveMessage,
                             RouteRefreshMessage>;

MessageType type_of(const Message& m);
const char* to_string(MessageType t);

}  // namespace msee::bgp::wire
