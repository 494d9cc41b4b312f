// UPDATE codec tests, the malformed side: one malformed variant per attribute with its RFC 7606
// action and subcode, further RFC 7606 details (§3-§5), the exact results of chosen one-byte
// mutations and every one-byte mutation of the valid vectors (decode or fail cleanly, and
// round-trip). The vectors and helpers are update_helpers.hpp.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <variant>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"
#include "update_helpers.hpp"
#include "../../fuzz/roundtrip.hpp"

using namespace msee::bgp::wire;
using namespace msee::bgp::wire::test;

TEST_CASE("RFC 7606: one malformed variant per attribute", "[bgp][wire][update]") {
  struct Row {
    const char* name;
    bool four_octet_as;
    std::string attrs;
    std::string nlri;
    bool session_reset;
    AttrAction action;  // when !session_reset
    UpdateSubcode subcode;
    std::uint8_t type;  // attribute the issue names (when !session_reset)
  };
  using A = AttrAction;
  using S = UpdateSubcode;
  const std::vector<Row> rows = {
      {"ORIGIN length 2", true, "4001020000" + kAsPath4 + kNextHop, kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 1},
      {"ORIGIN value 3", true, "40010103" + kAsPath4 + kNextHop, kNlri, false,
       A::TreatAsWithdraw, S::InvalidOriginAttribute, 1},
      {"ORIGIN flagged optional", true, "c0010100" + kAsPath4 + kNextHop, kNlri, false,
       A::TreatAsWithdraw, S::AttributeFlagsError, 1},
      {"AS_PATH segment type 5", true, kOrigin + "4002060501" "0000fde9" + kNextHop, kNlri,
       false, A::TreatAsWithdraw, S::MalformedAsPath, 2},
      {"AS_PATH zero-length segment", true, kOrigin + "4002020200" + kNextHop, kNlri, false,
       A::TreatAsWithdraw, S::MalformedAsPath, 2},
      {"AS_PATH segment overrun", true, kOrigin + "4002060202" "0000fde9" + kNextHop, kNlri,
       false, A::TreatAsWithdraw, S::MalformedAsPath, 2},
      {"AS_PATH stray octet", true, kOrigin + "4002070201" "0000fde900" + kNextHop, kNlri,
       false, A::TreatAsWithdraw, S::MalformedAsPath, 2},
      {"AS_PATH with 2-octet ASNs from a 4-octet peer", true, kOrigin + kAsPath2 + kNextHop,
       kNlri, false, A::TreatAsWithdraw, S::MalformedAsPath, 2},
      {"NEXT_HOP length 5", true, kOrigin + kAsPath4 + "400305c000020100", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 3},
      {"NEXT_HOP flagged optional", true, kOrigin + kAsPath4 + "c00304c0000201", kNlri, false,
       A::TreatAsWithdraw, S::AttributeFlagsError, 3},
      {"MULTI_EXIT_DISC length 2", true, kBase4 + "8004020000", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 4},
      {"MULTI_EXIT_DISC flagged transitive", true, kBase4 + "c00404" "00000000", kNlri, false,
       A::TreatAsWithdraw, S::AttributeFlagsError, 4},
      {"LOCAL_PREF length 3", true, kBase4 + "400503000000", kNlri, false, A::TreatAsWithdraw,
       S::AttributeLengthError, 5},
      {"ATOMIC_AGGREGATE length 1", true, kBase4 + "40060100", kNlri, false,
       A::AttributeDiscard, S::AttributeLengthError, 6},
      {"ATOMIC_AGGREGATE flagged optional", true, kBase4 + "c00600", kNlri, false,
       A::AttributeDiscard, S::AttributeFlagsError, 6},
      {"AGGREGATOR length 6 from a 4-octet peer", true, kBase4 + "c00706fde9c0000201", kNlri,
       false, A::AttributeDiscard, S::AttributeLengthError, 7},
      {"AGGREGATOR length 8 from a 2-octet peer", false, kBase2 + "c007080000fde9c0000201",
       kNlri, false, A::AttributeDiscard, S::AttributeLengthError, 7},
      {"COMMUNITIES length 6", true, kBase4 + "c00806fde900640000", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 8},
      {"COMMUNITIES length 0", true, kBase4 + "c00800", kNlri, false, A::TreatAsWithdraw,
       S::AttributeLengthError, 8},
      {"ORIGINATOR_ID length 3", true, kBase4 + "800903010203", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 9},
      {"CLUSTER_LIST length 6", true, kBase4 + "800a06010203040506", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 10},
      {"MP_REACH_NLRI IPv6 next hop length 15", true,
       kOrigin + kAsPath4 + "800e14000201" "0f" "20010db80000000000000000000000" "00", "",
       true, A::SessionReset, S::OptionalAttributeError, 14},
      {"MP_REACH_NLRI IPv6 prefix length 129", true,
       kOrigin + kAsPath4 + "800e26000201" "10" + kV6Nh + "00" "81" + kV6Nh, "", true,
       A::SessionReset, S::OptionalAttributeError, 14},
      {"MP_REACH_NLRI IPv4 next hop length 16", true,
       kOrigin + kAsPath4 + "800e19000101" "10" + kV6Nh + "00" "180a0203", "", true,
       A::SessionReset, S::OptionalAttributeError, 14},
      {"MP_REACH_NLRI flagged transitive", true,
       kOrigin + kAsPath4 + "c00e1c" "000201" "10" + kV6Nh + "00" "3020010db80010", "", true,
       A::SessionReset, S::AttributeFlagsError, 14},
      {"MP_REACH_NLRI twice", true, kOrigin + kAsPath4 + kMpReachV6 + kMpReachV6, "", true,
       A::SessionReset, S::MalformedAttributeList, 14},
      {"MP_REACH_NLRI overruns the attribute list", true, kOrigin + kAsPath4 + "800e30000201",
       "", true, A::SessionReset, S::AttributeLengthError, 14},
      {"MP_UNREACH_NLRI length 2", true, "800f020002", "", true, A::SessionReset,
       S::OptionalAttributeError, 15},
      {"MP_UNREACH_NLRI truncated prefix", true, "800f05000101180a", "", true,
       A::SessionReset, S::OptionalAttributeError, 15},
      {"MP_UNREACH_NLRI twice", true, "800f03000201" "800f03000201", "", true,
       A::SessionReset, S::MalformedAttributeList, 15},
      {"EXTENDED_COMMUNITIES length 12", true,
       kBase4 + "c0100c" "0002fde900000001" "00000000", kNlri, false, A::TreatAsWithdraw,
       S::AttributeLengthError, 16},
      {"AS4_PATH zero-length segment from a 2-octet peer", false, kBase2 + "c011020200",
       kNlri, false, A::AttributeDiscard, S::OptionalAttributeError, 17},
      {"AS4_PATH segment overrun from a 2-octet peer", false, kBase2 + "c011060202" "0000fde9",
       kNlri, false, A::AttributeDiscard, S::OptionalAttributeError, 17},
      {"AS4_AGGREGATOR length 6 from a 2-octet peer", false,
       kBase2 + "c007065ba0c0000201" "c012065ba0c0000201", kNlri, false, A::AttributeDiscard,
       S::AttributeLengthError, 18},
      {"LARGE_COMMUNITY length 8", true, kBase4 + "c020080000000100000002", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 32},
      {"unknown well-known attribute", true, kBase4 + "40630100", kNlri, true,
       A::SessionReset, S::UnrecognizedWellKnownAttribute, 99},
      {"ORIGIN twice", true, kBase4 + "40010101", kNlri, false, A::AttributeDiscard,
       S::MalformedAttributeList, 1},
      {"ORIGIN missing", true, kAsPath4 + kNextHop, kNlri, false, A::TreatAsWithdraw,
       S::MissingWellKnownAttribute, 1},
      {"AS_PATH missing", true, kOrigin + kNextHop, kNlri, false, A::TreatAsWithdraw,
       S::MissingWellKnownAttribute, 2},
      {"NEXT_HOP missing with IPv4 NLRI", true, kOrigin + kAsPath4, kNlri, false,
       A::TreatAsWithdraw, S::MissingWellKnownAttribute, 3},
      {"ORIGIN missing with MP_REACH_NLRI", true, kAsPath4 + kMpReachV6, "", false,
       A::TreatAsWithdraw, S::MissingWellKnownAttribute, 1},
      {"last attribute overruns the list", true, kBase4 + "c00810fde90064", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 8},
      {"two octets of attribute header left", true, kBase4 + "c008", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 8},
      {"one octet of attribute header left", true, kBase4 + "c0", kNlri, false,
       A::TreatAsWithdraw, S::AttributeLengthError, 0},
      {"unsupported AFI/SAFI in MP_REACH_NLRI", true,
       kOrigin + kAsPath4 + "800e0d000180" "04c0000201" "00" "180a0203", "", false, A::None,
       S::Unspecific, 14},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const Bytes b = make_update("", row.attrs, row.nlri);
    auto r = decode_bytes(b, row.four_octet_as);
    if (row.session_reset) {
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == ErrorCode::UpdateMessageError);
      CHECK(r.error().subcode == static_cast<std::uint8_t>(row.subcode));
      CHECK(r.error().offset >= 23);
      CHECK(r.error().offset < b.size());
      continue;
    }
    if (!r.has_value()) {
      FAIL("unexpected error: " << r.error().reason);
    }
    const auto& u = std::get<UpdateMessage>(*r);
    REQUIRE(u.issues.size() == 1);
    INFO(u.issues[0].reason);
    CHECK(u.issues[0].type == row.type);
    CHECK(u.issues[0].action == row.action);
    CHECK(u.issues[0].subcode == row.subcode);
    CHECK(u.action == row.action);
    CHECK_FALSE(u.issues[0].reason.empty());
  }
}

TEST_CASE("RFC 7606 details", "[bgp][wire][update]") {
  SECTION("attribute discard leaves the attribute out and keeps the rest") {
    UpdateMessage u = decode_ok(make_update("", kBase4 + "40060100" "c00706fde9c0000201",
                                            kNlri),
                                true);
    CHECK_FALSE(u.attributes.atomic_aggregate);
    CHECK_FALSE(u.attributes.aggregator.has_value());
    CHECK(u.attributes.origin == Origin::Igp);
    CHECK(u.nlri.size() == 1);
    CHECK(u.action == AttrAction::AttributeDiscard);
    CHECK(u.issues.size() == 2);
  }
  SECTION("the strongest action wins") {
    UpdateMessage u =
        decode_ok(make_update("", kBase4 + "40060100" "8004020000", kNlri), true);
    CHECK(u.action == AttrAction::TreatAsWithdraw);
  }
  SECTION("a repeated attribute keeps the first occurrence") {
    UpdateMessage u = decode_ok(make_update("", kBase4 + "40010102", kNlri), true);
    CHECK(u.attributes.origin == Origin::Igp);
  }
  SECTION("reason names the attribute and the lengths") {
    UpdateMessage u = decode_ok(make_update("", kBase4 + "8004020000", kNlri), true);
    REQUIRE(u.issues.size() == 1);
    CHECK(u.issues[0].reason.find("MULTI_EXIT_DISC") != std::string::npos);
    CHECK(u.issues[0].reason.find('2') != std::string::npos);
    CHECK(u.issues[0].reason.find('4') != std::string::npos);
  }
  SECTION("no NLRI: attributes are not required") {
    UpdateMessage u = decode_ok(make_update("180a0203", kNextHop, ""), true);
    CHECK(u.issues.empty());
    CHECK(u.withdrawn_routes.size() == 1);
  }
  SECTION("unknown well-known attribute quotes the attribute") {
    DecodeError e = decode_err(make_update("", kBase4 + "40630100", kNlri), true);
    CHECK(e.data == Bytes{0x40, 0x63, 0x01, 0x00});
    CHECK(e.offset == 23 + kBase4.size() / 2);
  }
  SECTION("MP_REACH_NLRI error quotes the attribute, offset at the next hop length") {
    const std::string mp = "800e14000201" "0f" "20010db80000000000000000000000" "00";
    DecodeError e = decode_err(make_update("", kOrigin + kAsPath4 + mp, ""), true);
    CHECK(e.data == from_hex(mp));
    CHECK(e.offset == 23 + (kOrigin.size() + kAsPath4.size()) / 2 + 6);
  }
  SECTION("invalid prefixes in withdrawn routes and NLRI are a session reset") {
    DecodeError w = decode_err(make_update("210a000000000000", kBase4, kNlri), true);
    CHECK(w.code == ErrorCode::UpdateMessageError);
    CHECK(w.subcode == static_cast<std::uint8_t>(UpdateSubcode::InvalidNetworkField));
    CHECK(w.offset == 21);
    DecodeError n = decode_err(make_update("", kBase4, "180a02"), true);
    CHECK(n.subcode == static_cast<std::uint8_t>(UpdateSubcode::InvalidNetworkField));
    CHECK(n.offset == 23 + kBase4.size() / 2);
    CHECK(n.data.empty());
  }
}

TEST_CASE("exact results of chosen one-byte mutations", "[bgp][wire][update]") {
  const Bytes valid = from_hex(kV4Full);
  SECTION("withdrawn routes length too large") {
    Bytes b = valid;
    b[19] = 0x00;
    b[20] = 0xFF;
    DecodeError e = decode_err(b, true);
    CHECK(e.code == ErrorCode::UpdateMessageError);
    CHECK(e.subcode == static_cast<std::uint8_t>(UpdateSubcode::MalformedAttributeList));
    CHECK(e.offset == 19);
    CHECK(e.data.empty());
  }
  SECTION("total path attribute length too large") {
    Bytes b = valid;
    b[25] = 0x01;
    DecodeError e = decode_err(b, true);
    CHECK(e.subcode == static_cast<std::uint8_t>(UpdateSubcode::MalformedAttributeList));
    CHECK(e.offset == 25);
  }
  SECTION("last attribute length overruns the list") {
    Bytes b = valid;
    b[122] = 0xFF;
    UpdateMessage u = decode_ok(b, true);
    CHECK(u.action == AttrAction::TreatAsWithdraw);
    CHECK(has_issue(u, 241, AttrAction::TreatAsWithdraw, UpdateSubcode::AttributeLengthError));
    CHECK(u.nlri.size() == 2);  // the NLRI is still located through the total length
  }
  SECTION("ORIGIN flags changed") {
    Bytes b = valid;
    b[27] = 0x80;
    UpdateMessage u = decode_ok(b, true);
    CHECK(u.action == AttrAction::TreatAsWithdraw);
    CHECK(has_issue(u, 1, AttrAction::TreatAsWithdraw, UpdateSubcode::AttributeFlagsError));
    CHECK_FALSE(u.attributes.origin.has_value());
  }
  SECTION("AGGREGATOR flags changed") {
    Bytes b = valid;
    b[72] = 0x40;
    UpdateMessage u = decode_ok(b, true);
    CHECK(u.action == AttrAction::AttributeDiscard);
    CHECK(has_issue(u, 7, AttrAction::AttributeDiscard, UpdateSubcode::AttributeFlagsError));
  }
  SECTION("ORIGIN value 3") {
    Bytes b = valid;
    b[30] = 3;
    UpdateMessage u = decode_ok(b, true);
    CHECK(u.action == AttrAction::TreatAsWithdraw);
    REQUIRE(u.issues.size() == 1);
    CHECK(u.issues[0].type == 1);
    CHECK(u.issues[0].subcode == UpdateSubcode::InvalidOriginAttribute);
    CHECK(u.issues[0].reason.find("ORIGIN") != std::string::npos);
  }
  SECTION("AS_PATH segment type 0") {
    Bytes b = valid;
    b[34] = 0;
    UpdateMessage u = decode_ok(b, true);
    CHECK(has_issue(u, 2, AttrAction::TreatAsWithdraw, UpdateSubcode::MalformedAsPath));
  }
  SECTION("NLRI prefix length 33") {
    Bytes b = valid;
    b[129] = 33;
    DecodeError e = decode_err(b, true);
    CHECK(e.subcode == static_cast<std::uint8_t>(UpdateSubcode::InvalidNetworkField));
    CHECK(e.offset == 129);
  }
}

TEST_CASE("every one-byte mutation of valid UPDATEs decodes or fails cleanly",
          "[bgp][wire][update]") {
  // fuzz::replay frames and decodes with both four_octet_as settings, checks that errors are
  // registered NOTIFICATION codes with an offset inside the message, and that whatever decodes
  // re-encodes to the same value. Run under ASan/UBSan by the MSEE_SANITIZE build.
  std::size_t decoded = 0;
  std::size_t runs = 0;
  for (std::string_view hex : {kV4Full, kV6Reach, kAs4, kV6Unreach, kAsSet}) {
    const Bytes valid = from_hex(hex);
    for (std::size_t i = 0; i < valid.size(); ++i) {
      const std::uint8_t orig = valid[i];
      for (std::uint8_t v : {static_cast<std::uint8_t>(orig ^ 0xFF),
                             static_cast<std::uint8_t>(orig + 1),
                             static_cast<std::uint8_t>(orig - 1), std::uint8_t{0},
                             std::uint8_t{0xFF}, std::uint8_t{0x80}}) {
        if (v == orig) {
          continue;
        }
        Bytes b = valid;
        b[i] = v;
        const fuzz::ReplayOutcome outcome = fuzz::replay(b);
        if (outcome.failure) {
          FAIL("byte " << i << " = " << int{v} << ": " << *outcome.failure);
        }
        decoded += outcome.decoded;
        ++runs;
      }
    }
  }
  CHECK(runs > 1000);
  CHECK(decoded > 0);
}

