// Shared helpers of the UPDATE codec tests (update_test.cpp, update_errors_test.cpp): value
// builders, decode/encode wrappers, a whole-message builder from hex fields, and the byte-exact
// vectors (RFC 4271 §4.3, RFC 4760, RFC 2545, RFC 6793 AS_TRANS/AS4_PATH) with their values.
// Every vector below was checked once with Wireshark (shared/lab/bgp_pcap_oracle.py: no
// malformed packet, no expert warning).
#pragma once

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"

namespace msee::bgp::wire::test {

inline Prefix pfx(std::string_view text) {
  auto p = Prefix::parse(text);
  REQUIRE(p.has_value());
  return *p;
}

inline IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

inline DecodeContext dctx(bool four_octet_as) {
  DecodeContext c;
  c.four_octet_as = four_octet_as;
  return c;
}

inline EncodeContext ectx(bool four_octet_as) {
  EncodeContext c;
  c.four_octet_as = four_octet_as;
  return c;
}

inline msee::Result<Message, DecodeError> decode_bytes(const Bytes& b, bool four_octet_as) {
  return decode(b, dctx(four_octet_as));
}

inline UpdateMessage decode_ok(const Bytes& b, bool four_octet_as) {
  auto r = decode_bytes(b, four_octet_as);
  if (!r) {
    FAIL("decode failed: " << r.error().reason);
  }
  auto* u = std::get_if<UpdateMessage>(&*r);
  REQUIRE(u != nullptr);
  return *u;
}

inline DecodeError decode_err(const Bytes& b, bool four_octet_as) {
  auto r = decode_bytes(b, four_octet_as);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

inline Bytes encode_update(const UpdateMessage& u, bool four_octet_as) {
  return encode(Message{u}, ectx(four_octet_as));
}

// A whole UPDATE message around the three hex fields, lengths filled in.
inline Bytes make_update(std::string_view withdrawn, std::string_view attrs,
                         std::string_view nlri) {
  Bytes w = from_hex(withdrawn);
  Bytes a = from_hex(attrs);
  Bytes n = from_hex(nlri);
  Bytes out(16, 0xFF);
  const std::size_t len = kHeaderSize + 2 + w.size() + 2 + a.size() + n.size();
  out.push_back(static_cast<std::uint8_t>(len >> 8));
  out.push_back(static_cast<std::uint8_t>(len));
  out.push_back(2);
  out.push_back(static_cast<std::uint8_t>(w.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(w.size()));
  out.insert(out.end(), w.begin(), w.end());
  out.push_back(static_cast<std::uint8_t>(a.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(a.size()));
  out.insert(out.end(), a.begin(), a.end());
  out.insert(out.end(), n.begin(), n.end());
  return out;
}

inline AsSegment seq(std::vector<Asn> asns) {
  return AsSegment{AsSegmentType::AsSequence, asns};
}
inline AsSegment set(std::vector<Asn> asns) { return AsSegment{AsSegmentType::AsSet, asns}; }

// --- Vectors -------------------------------------------------------------------------------

// IPv4 UPDATE from a 4-octet peer with every attribute we interpret plus an unknown optional
// transitive one (type 241). Layout (offsets from the message start):
//   19 withdrawn len, 21 192.0.2.0/24, 25 attribute len, 27 ORIGIN, 31 AS_PATH, 48 NEXT_HOP,
//   55 MED, 62 LOCAL_PREF, 69 ATOMIC_AGGREGATE, 72 AGGREGATOR, 83 COMMUNITIES,
//   94 EXTENDED_COMMUNITIES, 105 LARGE_COMMUNITY, 120 type 241, 126 NLRI.
inline constexpr std::string_view kV4Full =
    "ffffffffffffffffffffffffffffffff" "0085" "02"
    "0004" "18c00002"
    "0063"
    "40010100"
    "40020e" "0203" "0000fde9" "fa56ea01" "0000fdea"
    "400304" "c0000201"
    "800404" "00000032"
    "400504" "00000064"
    "400600"
    "c00708" "fa56ea01" "c0000201"
    "c00808" "fde90064" "ffffff01"
    "c01008" "0002fde900000001"
    "c0200c" "fa56ea01" "00000001" "00000002"
    "c0f103" "aabbcc"
    "100a01" "180a0203";
inline constexpr std::size_t kUnknownFlagsAt = 120;

inline UpdateMessage v4_full_value() {
  UpdateMessage u;
  u.withdrawn_routes = {pfx("192.0.2.0/24")};
  PathAttributes& a = u.attributes;
  a.origin = Origin::Igp;
  a.as_path = AsPath{{seq({65001, 4200000001, 65002})}};
  a.next_hop = ip("192.0.2.1");
  a.med = 50;
  a.local_pref = 100;
  a.atomic_aggregate = true;
  a.aggregator = Aggregator{4200000001, ip("192.0.2.1")};
  a.communities = {0xFDE90064, kNoExport};
  a.ext_communities = {ExtendedCommunity{{0x00, 0x02, 0xFD, 0xE9, 0x00, 0x00, 0x00, 0x01}}};
  a.large_communities = {LargeCommunity{4200000001, 1, 2}};
  a.unknown = {RawAttribute{kFlagOptional | kFlagTransitive, 241, {0xAA, 0xBB, 0xCC}}};
  u.nlri = {pfx("10.1.0.0/16"), pfx("10.2.3.0/24")};
  return u;
}

// IPv6 unicast MP_REACH_NLRI with the RFC 2545 32-octet next hop (global + link-local).
inline constexpr std::string_view kV6Reach =
    "ffffffffffffffffffffffffffffffff" "005c" "02"
    "0000"
    "0045"
    "40010100"
    "400206" "0201" "0000fde9"
    "800e35" "0002" "01" "20"
    "20010db8000000000000000000000001" "fe800000000000000000000000000001" "00"
    "30" "20010db80010" "40" "20010db800200000";

inline UpdateMessage v6_reach_value() {
  UpdateMessage u;
  u.attributes.origin = Origin::Igp;
  u.attributes.as_path = AsPath{{seq({65001})}};
  MpReachNlri mp;
  mp.afi_safi = kIpv6Unicast;
  mp.next_hop = ip("2001:db8::1");
  mp.link_local_next_hop = ip("fe80::1");
  mp.nlri = {pfx("2001:db8:10::/48"), pfx("2001:db8:20::/64")};
  u.mp_reach = mp;
  return u;
}

inline constexpr std::string_view kV6Unreach =
    "ffffffffffffffffffffffffffffffff" "0024" "02" "0000" "000d"
    "800f0a" "0002" "01" "30" "20010db80010";

inline constexpr std::string_view kEorV4 =
    "ffffffffffffffffffffffffffffffff" "0017" "02" "0000" "0000";
inline constexpr std::string_view kEorV6 =
    "ffffffffffffffffffffffffffffffff" "001d" "02" "0000" "0006" "800f03" "0002" "01";

// The kV4Full path and aggregator as sent to a 2-octet peer: AS_TRANS (23456 = 0x5ba0) in
// AS_PATH/AGGREGATOR, the real values in AS4_PATH/AS4_AGGREGATOR (RFC 6793 §4.2.2).
inline constexpr std::string_view kAs4 =
    "ffffffffffffffffffffffffffffffff" "0056" "02" "0000" "003b"
    "40010100"
    "400208" "0203" "fde9" "5ba0" "fdea"
    "400304" "c0000201"
    "c00706" "5ba0" "c0000201"
    "c0110e" "0203" "0000fde9" "fa56ea01" "0000fdea"
    "c01208" "fa56ea01" "c0000201"
    "180a0203";

inline UpdateMessage as4_value() {
  UpdateMessage u;
  u.attributes.origin = Origin::Igp;
  u.attributes.as_path = AsPath{{seq({65001, 4200000001, 65002})}};
  u.attributes.next_hop = ip("192.0.2.1");
  u.attributes.aggregator = Aggregator{4200000001, ip("192.0.2.1")};
  u.nlri = {pfx("10.2.3.0/24")};
  return u;
}

inline constexpr std::string_view kAsSet =
    "ffffffffffffffffffffffffffffffff" "0039" "02" "0000" "001e"
    "40010102"
    "400210" "0201" "0000fde9" "0102" "0000fdea" "0000fdeb"
    "400304" "c0000201"
    "180a0203";

// Building blocks for the malformed-attribute table (4-octet peer unless noted).
inline const std::string kOrigin = "40010100";
inline const std::string kAsPath4 = "4002060201" "0000fde9";
inline const std::string kAsPath2 = "4002040201" "fde9";
inline const std::string kNextHop = "400304c0000201";
inline const std::string kBase4 = kOrigin + kAsPath4 + kNextHop;
inline const std::string kBase2 = kOrigin + kAsPath2 + kNextHop;
inline const std::string kNlri = "180a0203";
inline const std::string kV6Nh = "20010db8000000000000000000000001";
inline const std::string kMpReachV6 = "800e1c" "000201" "10" + kV6Nh + "00" "30" "20010db80010";

inline bool has_issue(const UpdateMessage& u, std::uint8_t type, AttrAction action,
               UpdateSubcode subcode) {
  for (const auto& i : u.issues) {
    if (i.type == type && i.action == action && i.subcode == subcode) {
      return true;
    }
  }
  return false;
}

}  // namespace msee::bgp::wire::test
