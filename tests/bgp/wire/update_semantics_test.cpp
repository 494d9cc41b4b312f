// UPDATE codec tests, the semantic side of RFC 7606 (issue #14): AS 0 (RFC 7607), confederation
// segments from an external peer (RFC 5065 §5, RFC 7606 §7.2), NEXT_HOP values that cannot be
// a next hop (RFC 4271 §6.3, RFC 7606 §7.3), iBGP-only attributes from an external peer
// (RFC 7606 §7.5, §7.9, §7.10) and an UPDATE with no NLRI at all (RFC 7606 §5.2). Each row
// names its RFC section; the session's facts come from DecodeContext.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <variant>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"
#include "update_helpers.hpp"

using namespace msee::bgp::wire;
using namespace msee::bgp::wire::test;

namespace {

// The session of most rows: an external peer, we are 192.0.2.99 / 2001:db8::99.
DecodeContext session(bool external, bool four_octet_as = true) {
  DecodeContext c;
  c.four_octet_as = four_octet_as;
  c.external = external;
  c.local_address = ip("192.0.2.99");
  return c;
}

DecodeContext session6(bool external) {
  DecodeContext c = session(external);
  c.local_address = ip("2001:db8::99");
  return c;
}

const std::string kMpHead = "800e1c" "000201" "10";        // IPv6 unicast, 16-octet next hop
const std::string kMpTail = "00" "30" "20010db80010";      // reserved, 2001:db8:10::/48

}  // namespace

TEST_CASE("RFC 7606 semantic rows: one finding each, with its action", "[bgp][wire][update]") {
  struct Row {
    const char* name;  // with the RFC section
    DecodeContext ctx;
    std::string withdrawn;
    std::string attrs;
    std::string nlri;
    AttrAction action;
    UpdateSubcode subcode;
    std::uint8_t type;
  };
  using A = AttrAction;
  using S = UpdateSubcode;
  const std::vector<Row> rows = {
      {"RFC 7607: AS 0 in AS_PATH", session(true), "",
       kOrigin + "40020a0202" "0000fde9" "00000000" + kNextHop, kNlri, A::TreatAsWithdraw,
       S::MalformedAsPath, 2},
      {"RFC 7607: AS 0 in a 2-octet AS_PATH", session(true, false), "",
       kOrigin + "4002040201" "0000" + kNextHop, kNlri, A::TreatAsWithdraw, S::MalformedAsPath,
       2},
      {"RFC 7607: AS 0 in AS4_PATH from a 2-octet peer", session(true, false), "",
       kBase2 + "c011060201" "00000000", kNlri, A::TreatAsWithdraw, S::OptionalAttributeError,
       17},
      {"RFC 7607: AS 0 in AGGREGATOR", session(true), "",
       kBase4 + "c00708" "00000000" "c0000201", kNlri, A::AttributeDiscard,
       S::OptionalAttributeError, 7},
      {"RFC 7607: AS 0 in AS4_AGGREGATOR from a 2-octet peer", session(true, false), "",
       kBase2 + "c007065ba0c0000201" "c01208" "00000000" "c0000201", kNlri,
       A::AttributeDiscard, S::OptionalAttributeError, 18},
      {"RFC 5065 §5: AS_CONFED_SEQUENCE from an external peer", session(true), "",
       kOrigin + "40020c" "0301" "0000fde8" "0201" "0000fde9" + kNextHop, kNlri,
       A::TreatAsWithdraw, S::MalformedAsPath, 2},
      {"RFC 5065 §5: AS_CONFED_SET from an external peer", session(true), "",
       kOrigin + "40020c" "0401" "0000fde8" "0201" "0000fde9" + kNextHop, kNlri,
       A::TreatAsWithdraw, S::MalformedAsPath, 2},
      {"RFC 4271 §6.3: NEXT_HOP 0.0.0.0", session(true), "",
       kOrigin + kAsPath4 + "40030400000000", kNlri, A::TreatAsWithdraw,
       S::InvalidNextHopAttribute, 3},
      {"RFC 4271 §6.3: NEXT_HOP multicast 224.0.0.5", session(true), "",
       kOrigin + kAsPath4 + "400304e0000005", kNlri, A::TreatAsWithdraw,
       S::InvalidNextHopAttribute, 3},
      {"RFC 4271 §6.3: NEXT_HOP class E 240.0.0.1", session(true), "",
       kOrigin + kAsPath4 + "400304f0000001", kNlri, A::TreatAsWithdraw,
       S::InvalidNextHopAttribute, 3},
      {"RFC 4271 §6.3: NEXT_HOP 255.255.255.255", session(true), "",
       kOrigin + kAsPath4 + "400304ffffffff", kNlri, A::TreatAsWithdraw,
       S::InvalidNextHopAttribute, 3},
      {"RFC 4271 §6.3: NEXT_HOP our own address", session(true), "",
       kOrigin + kAsPath4 + "400304c0000263", kNlri, A::TreatAsWithdraw,
       S::InvalidNextHopAttribute, 3},
      {"RFC 7606 §7.3: MP_REACH_NLRI next hop ::", session6(true), "",
       kOrigin + kAsPath4 + kMpHead + std::string(32, '0') + kMpTail, "",
       A::TreatAsWithdraw, S::InvalidNextHopAttribute, 14},
      {"RFC 7606 §7.3: MP_REACH_NLRI next hop ff02::1", session6(true), "",
       kOrigin + kAsPath4 + kMpHead + "ff020000000000000000000000000001" + kMpTail, "",
       A::TreatAsWithdraw, S::InvalidNextHopAttribute, 14},
      {"RFC 7606 §7.3: MP_REACH_NLRI next hop our own address", session6(true), "",
       kOrigin + kAsPath4 + kMpHead + "20010db8000000000000000000000099" + kMpTail, "",
       A::TreatAsWithdraw, S::InvalidNextHopAttribute, 14},
      {"RFC 7606 §7.5: LOCAL_PREF of length 3 from an external peer", session(true), "",
       kBase4 + "400503000000", kNlri, A::AttributeDiscard, S::Unspecific, 5},
      {"RFC 7606 §7.5: a well-formed LOCAL_PREF from an external peer", session(true), "",
       kBase4 + "40050400000064", kNlri, A::AttributeDiscard, S::Unspecific, 5},
      {"RFC 7606 §7.9: ORIGINATOR_ID of length 3 from an external peer", session(true), "",
       kBase4 + "800903010203", kNlri, A::AttributeDiscard, S::Unspecific, 9},
      {"RFC 7606 §7.10: CLUSTER_LIST of length 6 from an external peer", session(true), "",
       kBase4 + "800a06010203040506", kNlri, A::AttributeDiscard, S::Unspecific, 10},
      {"RFC 7606 §7.10: CLUSTER_LIST with wrong flags from an external peer", session(true), "",
       kBase4 + "c00a0401020304", kNlri, A::AttributeDiscard, S::Unspecific, 10},
      {"RFC 7606 §5.2: withdrawals only, AS 0: treat-as-withdraw still withdraws them",
       session(true), "180a0203", kOrigin + "4002060201" "00000000", "", A::TreatAsWithdraw,
       S::MalformedAsPath, 2},
      {"RFC 7606 §5.2: no NLRI, an attribute-discard error changes nothing", session(true), "",
       kBase4 + "40060100", "", A::AttributeDiscard, S::AttributeLengthError, 6},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const Bytes b = make_update(row.withdrawn, row.attrs, row.nlri);
    auto r = decode(b, row.ctx);
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

TEST_CASE("RFC 7606 semantic rows: what stays as it was", "[bgp][wire][update]") {
  SECTION("confederation segments from an internal peer are not an error here") {
    auto u = std::get<UpdateMessage>(
        *decode(make_update("", kOrigin + "40020c" "0301" "0000fde8" "0201" "0000fde9" +
                                    kNextHop,
                            kNlri),
                session(false)));
    CHECK(u.issues.empty());
  }
  SECTION("iBGP-only attributes from an internal peer keep their length rule") {
    auto u = std::get<UpdateMessage>(
        *decode(make_update("", kBase4 + "400503000000", kNlri), session(false)));
    REQUIRE(u.issues.size() == 1);
    CHECK(u.action == AttrAction::TreatAsWithdraw);
  }
  SECTION("a discarded LOCAL_PREF is gone, the route stays") {
    auto u = std::get<UpdateMessage>(
        *decode(make_update("", kBase4 + "40050400000064", kNlri), session(true)));
    CHECK_FALSE(u.attributes.local_pref.has_value());
    CHECK(u.nlri.size() == 1);
  }
  SECTION("a discarded AGGREGATOR with AS 0 is gone, the route stays") {
    auto u = std::get<UpdateMessage>(*decode(
        make_update("", kBase4 + "c00708" "00000000" "c0000201", kNlri), session(true)));
    CHECK_FALSE(u.attributes.aggregator.has_value());
    CHECK(u.nlri.size() == 1);
  }
  SECTION("NEXT_HOP is only checked when IPv4 NLRI use it") {
    auto u = std::get<UpdateMessage>(*decode(
        make_update("", kOrigin + kAsPath4 + "40030400000000" + kMpReachV6, ""),
        session6(true)));
    CHECK(u.issues.empty());
  }
  SECTION("a usual next hop passes, and so does any without session facts") {
    CHECK(std::get<UpdateMessage>(*decode(make_update("", kBase4, kNlri), session(true)))
              .issues.empty());
    DecodeContext none;
    none.four_octet_as = true;
    CHECK(std::get<UpdateMessage>(
              *decode(make_update("", kOrigin + kAsPath4 + "400304c0000263", kNlri), none))
              .issues.empty());
  }
}

TEST_CASE("RFC 7606 §5.2: treat-as-withdraw with no NLRI at all is a session reset",
          "[bgp][wire][update]") {
  struct Row {
    const char* name;
    std::string attrs;
    UpdateSubcode subcode;
  };
  const std::vector<Row> rows = {
      {"AS 0 in AS_PATH", kOrigin + "4002060201" "00000000" + kNextHop,
       UpdateSubcode::MalformedAsPath},
      {"MULTI_EXIT_DISC of length 2", kBase4 + "8004020000",
       UpdateSubcode::AttributeLengthError},
      {"AS_CONFED_SEQUENCE from an external peer",
       kOrigin + "40020c" "0301" "0000fde8" "0201" "0000fde9" + kNextHop,
       UpdateSubcode::MalformedAsPath},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const Bytes b = make_update("", row.attrs, "");
    auto r = decode(b, session(true));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::UpdateMessageError);
    CHECK(r.error().subcode == static_cast<std::uint8_t>(row.subcode));
    CHECK(r.error().offset == 21);  // the Total Path Attribute Length
    CHECK(r.error().reason.find("RFC 7606 §5.2") != std::string::npos);
  }
}
