// UPDATE codec tests, the valid side: byte-exact vectors in both directions (RFC 4271 §4.3,
// RFC 4760, RFC 2545), AS_TRANS with AS4_PATH/AS4_AGGREGATOR and the RFC 6793 §4.2.3
// reconciliation from a 2-octet peer, and encoding details. The malformed side (RFC 7606) is
// update_errors_test.cpp; the vectors and helpers are update_helpers.hpp.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <variant>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"
#include "update_helpers.hpp"

using namespace msee::bgp::wire;
using namespace msee::bgp::wire::test;

// ---------------------------------------------------------------------------------------------

TEST_CASE("IPv4 UPDATE with every attribute decodes and encodes byte-exact",
          "[bgp][wire][update]") {
  const Bytes bytes = from_hex(kV4Full);
  const UpdateMessage value = v4_full_value();
  CHECK(decode_ok(bytes, true) == value);

  // RFC 4271 §5: the unknown optional transitive attribute goes out with Partial set; every
  // other octet is identical.
  Bytes expected = bytes;
  expected[kUnknownFlagsAt] = kFlagOptional | kFlagTransitive | kFlagPartial;
  const Bytes encoded = encode_update(value, true);
  CHECK(to_hex(encoded) == to_hex(expected));
  CHECK(encoded[kUnknownFlagsAt] == 0xE0);

  // Re-decoding keeps the Partial bit as received.
  UpdateMessage again = decode_ok(encoded, true);
  REQUIRE(again.attributes.unknown.size() == 1);
  CHECK(again.attributes.unknown[0].flags == 0xE0);
  CHECK(encoded_update_size(value, ectx(true)) == encoded.size());
}

TEST_CASE("IPv6 MP_REACH_NLRI with a link-local next hop round-trips", "[bgp][wire][update]") {
  const Bytes bytes = from_hex(kV6Reach);
  CHECK(decode_ok(bytes, true) == v6_reach_value());
  CHECK(to_hex(encode_update(v6_reach_value(), true)) == to_hex(bytes));

  SECTION("16-octet next hop: no link-local") {
    UpdateMessage u = v6_reach_value();
    u.mp_reach->link_local_next_hop.reset();
    const Bytes b = encode_update(u, true);
    CHECK(b[42] == 16);  // Length of Next Hop Network Address
    CHECK(decode_ok(b, true) == u);
  }
  SECTION("an all-zero second address is no link-local next hop") {
    const Bytes b = make_update(
        "", kOrigin + kAsPath4 + "800e35000201" "20" + kV6Nh + std::string(32, '0') + "00" +
                "3020010db80010" "4020010db800200000",
        "");
    UpdateMessage u = decode_ok(b, true);
    REQUIRE(u.mp_reach.has_value());
    CHECK_FALSE(u.mp_reach->link_local_next_hop.has_value());
    CHECK(u.issues.empty());
  }
}

TEST_CASE("MP_UNREACH_NLRI round-trips", "[bgp][wire][update]") {
  UpdateMessage u;
  u.mp_unreach = MpUnreachNlri{kIpv6Unicast, {pfx("2001:db8:10::/48")}};
  const Bytes bytes = from_hex(kV6Unreach);
  CHECK(decode_ok(bytes, true) == u);
  CHECK(to_hex(encode_update(u, true)) == to_hex(bytes));
  CHECK_FALSE(u.end_of_rib().has_value());
}

TEST_CASE("End-of-RIB for IPv4 and IPv6 unicast round-trips", "[bgp][wire][update]") {
  for (bool four : {false, true}) {
    const UpdateMessage v4 = decode_ok(from_hex(kEorV4), four);
    CHECK(v4 == UpdateMessage::make_end_of_rib(kIpv4Unicast));
    CHECK(v4.end_of_rib() == kIpv4Unicast);
    CHECK(to_hex(encode_update(v4, four)) == kEorV4);

    const UpdateMessage v6 = decode_ok(from_hex(kEorV6), four);
    CHECK(v6 == UpdateMessage::make_end_of_rib(kIpv6Unicast));
    CHECK(v6.end_of_rib() == kIpv6Unicast);
    CHECK(to_hex(encode_update(v6, four)) == kEorV6);
  }
}

TEST_CASE("AS_SET segments round-trip", "[bgp][wire][update]") {
  UpdateMessage u;
  u.attributes.origin = Origin::Incomplete;
  u.attributes.as_path = AsPath{{seq({65001}), set({65002, 65003})}};
  u.attributes.next_hop = ip("192.0.2.1");
  u.nlri = {pfx("10.2.3.0/24")};
  const Bytes bytes = from_hex(kAsSet);
  CHECK(decode_ok(bytes, true) == u);
  CHECK(to_hex(encode_update(u, true)) == to_hex(bytes));
}

TEST_CASE("IPv4 unicast in MP_REACH_NLRI with a 4-octet next hop is accepted",
          "[bgp][wire][update]") {
  const Bytes bytes =
      make_update("", kOrigin + kAsPath4 + "800e0d000101" "04c0000201" "00" + kNlri, "");
  UpdateMessage u = decode_ok(bytes, true);
  REQUIRE(u.mp_reach.has_value());
  CHECK(u.mp_reach->afi_safi == kIpv4Unicast);
  CHECK(u.mp_reach->next_hop == ip("192.0.2.1"));
  CHECK(u.mp_reach->nlri == std::vector<Prefix>{pfx("10.2.3.0/24")});
  CHECK(u.issues.empty());  // no NEXT_HOP needed: the next hop is in MP_REACH_NLRI
  CHECK(encode_update(u, true) == bytes);
}

TEST_CASE("2-octet peer: AS_TRANS with AS4_PATH/AS4_AGGREGATOR both ways",
          "[bgp][wire][update]") {
  const Bytes bytes = from_hex(kAs4);
  CHECK(to_hex(encode_update(as4_value(), false)) == to_hex(bytes));
  const UpdateMessage u = decode_ok(bytes, false);
  CHECK(u == as4_value());

  SECTION("no AS4 attributes when every ASN fits 2 octets") {
    UpdateMessage small = as4_value();
    small.attributes.as_path = AsPath{{seq({65001, 65002})}};
    small.attributes.aggregator = Aggregator{65001, ip("192.0.2.1")};
    CHECK(to_hex(encode_update(small, false)) ==
          to_hex(make_update("", kOrigin + "400206" "0202fde9fdea" + kNextHop +
                                     "c00706fde9c0000201",
                             kNlri)));
  }
  SECTION("confederation segments stay out of AS4_PATH and come back in front") {
    UpdateMessage c = as4_value();
    c.attributes.aggregator.reset();
    c.attributes.as_path =
        AsPath{{AsSegment{AsSegmentType::AsConfedSequence, {65100}}, seq({65001, 4200000001})}};
    const Bytes b = encode_update(c, false);
    CHECK(to_hex(b) == to_hex(make_update("",
                                          kOrigin + "40020a" "0301fe4c" "0202fde95ba0" +
                                              kNextHop + "c0110a" "0202" "0000fde9fa56ea01",
                                          kNlri)));
    CHECK(decode_ok(b, false) == c);
  }
}

TEST_CASE("RFC 6793 §4.2.3 reconciliation from a 2-octet peer", "[bgp][wire][update]") {
  SECTION("AS_PATH leading part is prepended to AS4_PATH") {
    // AS_PATH 65010 65001 23456, AS4_PATH 4200000001 → 65010 65001 4200000001
    const Bytes b = make_update(
        "", kOrigin + "40020802" "03fdf2fde95ba0" + kNextHop + "c01106" "0201fa56ea01", kNlri);
    UpdateMessage u = decode_ok(b, false);
    CHECK(u.attributes.as_path == AsPath{{seq({65010, 65001, 4200000001})}});
    CHECK(u.issues.empty());
  }
  SECTION("an AS_SET counts as one AS") {
    // AS_PATH 65010 {65020 65021} 23456, AS4_PATH 4200000001
    const Bytes b = make_update("",
                                kOrigin + "40020e" "0201fdf2" "0102fdfcfdfd" "02015ba0" +
                                    kNextHop + "c01106" "0201fa56ea01",
                                kNlri);
    UpdateMessage u = decode_ok(b, false);
    CHECK(u.attributes.as_path ==
          AsPath{{seq({65010}), set({65020, 65021}), seq({4200000001})}});
  }
  SECTION("AS4_PATH longer than AS_PATH is ignored") {
    const Bytes b = make_update(
        "", kOrigin + kAsPath2 + kNextHop + "c0110a" "0202fa56ea01fa56ea02", kNlri);
    UpdateMessage u = decode_ok(b, false);
    CHECK(u.attributes.as_path == AsPath{{seq({65001})}});
    CHECK(has_issue(u, 17, AttrAction::None, UpdateSubcode::Unspecific));
    CHECK(u.action == AttrAction::None);
  }
  SECTION("an AGGREGATOR that is not AS_TRANS voids AS4_PATH and AS4_AGGREGATOR") {
    const Bytes b = make_update("",
                                kOrigin + "400206" "0202fde95ba0" + kNextHop +
                                    "c00706fdedc0000201" "c01106" "0201fa56ea01"
                                    "c01208fa56ea01c0000201",
                                kNlri);
    UpdateMessage u = decode_ok(b, false);
    CHECK(u.attributes.as_path == AsPath{{seq({65001, kAsTrans})}});
    CHECK(u.attributes.aggregator == Aggregator{65005, ip("192.0.2.1")});
    CHECK(has_issue(u, 17, AttrAction::None, UpdateSubcode::Unspecific));
    CHECK(has_issue(u, 18, AttrAction::None, UpdateSubcode::Unspecific));
  }
  SECTION("an AGGREGATOR that is not AS_TRANS without AS4_AGGREGATOR keeps AS4_PATH") {
    const Bytes b = make_update("",
                                kOrigin + "400206" "0202fde95ba0" + kNextHop +
                                    "c00706fdedc0000201" "c01106" "0201fa56ea01",
                                kNlri);
    UpdateMessage u = decode_ok(b, false);
    CHECK(u.attributes.as_path == AsPath{{seq({65001, 4200000001})}});
    CHECK(u.attributes.aggregator == Aggregator{65005, ip("192.0.2.1")});
    CHECK(u.issues.empty());
    CHECK(decode_ok(encode_update(u, false), false) == u);
  }
  SECTION("AGGREGATOR AS_TRANS takes the AS4_AGGREGATOR values") {
    const Bytes b = make_update("",
                                kBase2 + "c007065ba0c0000201" "c01208fa56ea01c0000202",
                                kNlri);
    UpdateMessage u = decode_ok(b, false);
    CHECK(u.attributes.aggregator == Aggregator{4200000001, ip("192.0.2.2")});
  }
  SECTION("AS4 attributes from a 4-octet peer are discarded") {
    const Bytes b = make_update(
        "", kBase4 + "c01106" "0201fa56ea01" "c01208fa56ea01c0000201", kNlri);
    UpdateMessage u = decode_ok(b, true);
    CHECK(u.attributes.as_path == AsPath{{seq({65001})}});
    CHECK_FALSE(u.attributes.aggregator.has_value());
    CHECK(has_issue(u, 17, AttrAction::None, UpdateSubcode::Unspecific));
    CHECK(has_issue(u, 18, AttrAction::None, UpdateSubcode::Unspecific));
  }
  SECTION("confederation segments in AS4_PATH are dropped") {
    const Bytes b = make_update(
        "", kOrigin + "400206" "0202fde95ba0" + kNextHop + "c0110c" "0301fa56ea02" "0201fa56ea01",
        kNlri);
    UpdateMessage u = decode_ok(b, false);
    CHECK(u.attributes.as_path == AsPath{{seq({65001, 4200000001})}});
    CHECK(u.action == AttrAction::AttributeDiscard);
  }
}

TEST_CASE("encoding details", "[bgp][wire][update]") {
  SECTION("values above 255 octets use Extended Length") {
    UpdateMessage u;
    for (std::uint32_t i = 0; i < 70; ++i) {
      u.attributes.communities.push_back(0xFDE90000 + i);
    }
    const Bytes b = encode_update(u, true);
    // header, withdrawn length 0, attribute length, then flags/type/2-octet length
    CHECK(b[23] == (kFlagOptional | kFlagTransitive | kFlagExtendedLength));
    CHECK(b[24] == 8);
    CHECK(b[25] == 0x01);
    CHECK(b[26] == 0x18);  // 280
    CHECK(decode_ok(b, true) == u);
  }
  SECTION("Extended Length on a short attribute is accepted") {
    const Bytes b = make_update("", "5001000100" + kAsPath4 + kNextHop, kNlri);
    UpdateMessage u = decode_ok(b, true);
    CHECK(u.attributes.origin == Origin::Igp);
    CHECK(u.issues.empty());
  }
  SECTION("unknown optional non-transitive attributes are kept but not sent") {
    const Bytes b = make_update("", kBase4 + "80f002abcd" "c0f101ee", kNlri);
    UpdateMessage u = decode_ok(b, true);
    REQUIRE(u.attributes.unknown.size() == 2);
    CHECK(u.attributes.unknown[0] == RawAttribute{kFlagOptional, 240, {0xAB, 0xCD}});
    CHECK(to_hex(encode_update(u, true)) ==
          to_hex(make_update("", kBase4 + "e0f101ee", kNlri)));
  }
  SECTION("unknown attributes are sorted by type and merged into type order") {
    const Bytes b = make_update("", "c0f101ee" "c00b0101" + kBase4, kNlri);
    UpdateMessage u = decode_ok(b, true);
    REQUIRE(u.attributes.unknown.size() == 2);
    CHECK(u.attributes.unknown[0].type == 11);
    CHECK(u.attributes.unknown[1].type == 241);
    CHECK(to_hex(encode_update(u, true)) ==
          to_hex(make_update("", kBase4 + "e00b0101" "e0f101ee", kNlri)));
  }
  SECTION("host bits are cleared on decode") {
    const Bytes b = make_update("120a01ff", kBase4, "170a0203");
    UpdateMessage u = decode_ok(b, true);
    CHECK(u.withdrawn_routes == std::vector<Prefix>{pfx("10.1.192.0/18")});
    CHECK(u.nlri == std::vector<Prefix>{pfx("10.2.2.0/23")});
  }
  SECTION("ORIGINATOR_ID and CLUSTER_LIST round-trip") {
    UpdateMessage u = as4_value();
    u.attributes.originator_id = 0x0A000001;
    u.attributes.cluster_list = {0x0A000002, 0x0A000003};
    const Bytes b = encode_update(u, true);
    CHECK(decode_ok(b, true) == u);
  }
}
