// Tests of the bgp_wire value types and text helpers: hex helpers (codec.cpp), IANA error names
// and NotificationMessage helpers (error.cpp, message.cpp; RFC 4271 §4.5, RFC 9003), message
// type names, End-of-RIB recognition (RFC 4724 §2), IP addresses and prefixes, AFI/SAFI names,
// AS_PATH length and text (RFC 4271 §9.1.2.2 a), extended (RFC 4360) and large (RFC 8092)
// community text forms. The codec itself is codec_test.cpp and update_*_test.cpp.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"
#include "bgp/wire/types.hpp"

using namespace msee::bgp::wire;

TEST_CASE("hex helpers", "[bgp][wire]") {
  CHECK(to_hex(Bytes{0x00, 0xff, 0x1a}) == "00ff1a");
  CHECK(from_hex("00 FF\n1a") == Bytes{0x00, 0xff, 0x1a});
  CHECK(from_hex("zz0g1") == Bytes{0x01});
  CHECK(from_hex("").empty());
}

// ===============================================================================================
// Value-type helpers (types.cpp, error.cpp, message.cpp)

TEST_CASE("error names follow the IANA registries", "[bgp][wire]") {
  CHECK(error_name(6, 1) == "Cease/Maximum Number of Prefixes Reached");
  CHECK(error_name(2, 6) == "Open Message Error/Unacceptable Hold Time");
  CHECK(error_name(3, 11) == "Update Message Error/Malformed AS_PATH");
  CHECK(error_name(4, 0) == "Hold Timer Expired");
  CHECK(error_name(5, 1) == "Finite State Machine Error/Receive Unexpected Message in OpenSent "
                            "State");
  CHECK(error_name(6, 10) == "Cease/BFD Down");
  CHECK(error_name(7, 1) == "Route-Refresh Message Error/Invalid Message Length");
  CHECK(error_name(8, 0) == "Send Hold Timer Expired");
  CHECK(error_name(1, 1) == "Message Header Error/Connection Not Synchronized");
  CHECK(error_name(2, 0) == "Open Message Error/Unspecific");
  CHECK(error_name(6, 42) == "Cease/subcode 42");
  CHECK(error_name(2, 8) == "Open Message Error/subcode 8");
  CHECK(error_name(99, 1) == "code 99/subcode 1");
  CHECK(error_name(4, 3) == "Hold Timer Expired/subcode 3");
}

TEST_CASE("NotificationMessage helpers", "[bgp][wire]") {
  SECTION("make and from") {
    DecodeError e{ErrorCode::UpdateMessageError, 11, {1, 2}, 40, "x"};
    CHECK(NotificationMessage::from(e) == NotificationMessage{3, 11, {1, 2}});
    CHECK(NotificationMessage::make(ErrorCode::Cease, 3) == NotificationMessage{6, 3, {}});
  }
  SECTION("cease without text or with a subcode that takes none sends no data") {
    CHECK(NotificationMessage::cease(CeaseSubcode::AdministrativeShutdown).data.empty());
    CHECK(NotificationMessage::cease(CeaseSubcode::PeerDeconfigured, "bye").data.empty());
  }
  SECTION("truncation at 255 octets") {
    auto a = NotificationMessage::cease(CeaseSubcode::AdministrativeShutdown,
                                        std::string(300, 'x'));
    CHECK(a.data.size() == 256);
    CHECK(a.data[0] == 255);
    // 253 'a' + U+20AC (e2 82 ac): cutting at 255 would leave e2 82, so 253 are sent.
    auto b = NotificationMessage::cease(CeaseSubcode::AdministrativeShutdown,
                                        std::string(253, 'a') + "\xe2\x82\xac");
    CHECK(b.data[0] == 253);
    CHECK(b.shutdown_communication() == std::optional<std::string>(std::string(253, 'a')));
    // Exactly 255 octets ending in a complete character are kept whole.
    std::string exact = std::string(253, 'a') + "\xc3\xa9";
    CHECK(NotificationMessage::cease(CeaseSubcode::AdministrativeShutdown, exact).data[0] ==
          255);
  }
  SECTION("malformed communications are refused, the NOTIFICATION still describes") {
    NotificationMessage n{6, 2, {0x05, 'a'}};
    CHECK_FALSE(n.shutdown_communication().has_value());
    CHECK(n.describe() == "Cease/Administrative Shutdown (data 0561)");
    CHECK_FALSE((NotificationMessage{6, 2, {0x02, 0xc3, 0x28}}.shutdown_communication()));
    CHECK_FALSE((NotificationMessage{6, 2, {0x02, 0xc0, 0xaf}}.shutdown_communication()));
    CHECK_FALSE((NotificationMessage{6, 4, {0x03, 0xed, 0xa0, 0x80}}.shutdown_communication()));
    CHECK_FALSE((NotificationMessage{6, 3, {0x01, 'a'}}.shutdown_communication()));
    CHECK_FALSE((NotificationMessage{6, 2, {}}.shutdown_communication()));
    CHECK((NotificationMessage{6, 2, {0x00}}.shutdown_communication()) ==
          std::optional<std::string>(""));
    CHECK((NotificationMessage{6, 4, {0x04, 0xf0, 0x9f, 0x98, 0x80}}.shutdown_communication()) ==
          std::optional<std::string>("\xf0\x9f\x98\x80"));
  }
  SECTION("describe escapes peer text for one-line logs") {
    auto n = NotificationMessage::cease(CeaseSubcode::AdministrativeShutdown, "a\"b\nc");
    CHECK(n.describe() == "Cease/Administrative Shutdown: \"a\\\"b\\x0ac\"");
    CHECK(NotificationMessage{4, 0, {}}.describe() == "Hold Timer Expired");
  }
}

TEST_CASE("message type names", "[bgp][wire]") {
  CHECK(type_of(Message{OpenMessage{}}) == MessageType::Open);
  CHECK(type_of(Message{UpdateMessage{}}) == MessageType::Update);
  CHECK(type_of(Message{NotificationMessage{}}) == MessageType::Notification);
  CHECK(type_of(Message{KeepaliveMessage{}}) == MessageType::Keepalive);
  CHECK(type_of(Message{RouteRefreshMessage{}}) == MessageType::RouteRefresh);
  CHECK(std::string(to_string(MessageType::RouteRefresh)) == "ROUTE-REFRESH");
  CHECK(std::string(to_string(MessageType::Open)) == "OPEN");
}

TEST_CASE("End-of-RIB recognition", "[bgp][wire]") {
  CHECK(UpdateMessage::make_end_of_rib(kIpv4Unicast) == UpdateMessage{});
  auto v6 = UpdateMessage::make_end_of_rib(kIpv6Unicast);
  REQUIRE(v6.mp_unreach.has_value());
  CHECK(v6.end_of_rib() == std::optional<AfiSafi>(kIpv6Unicast));
  AfiSafi odd{static_cast<Afi>(3), static_cast<Safi>(128)};
  CHECK(UpdateMessage::make_end_of_rib(odd).end_of_rib() == std::optional<AfiSafi>(odd));

  UpdateMessage withdraw = v6;
  withdraw.mp_unreach->withdrawn.push_back(*Prefix::parse("2001:db8::/32"));
  CHECK_FALSE(withdraw.end_of_rib().has_value());
  UpdateMessage with_attr;
  with_attr.attributes.origin = Origin::Igp;
  CHECK_FALSE(with_attr.end_of_rib().has_value());
  UpdateMessage with_nlri;
  with_nlri.nlri.push_back(*Prefix::parse("10.0.0.0/8"));
  CHECK_FALSE(with_nlri.end_of_rib().has_value());
  UpdateMessage v6_plus_attr = v6;
  v6_plus_attr.attributes.med = 5;
  CHECK_FALSE(v6_plus_attr.end_of_rib().has_value());
}

TEST_CASE("IP addresses and prefixes parse and print", "[bgp][wire]") {
  auto a = IpAddress::parse("192.0.2.1");
  REQUIRE(a);
  CHECK(a->is_v4());
  CHECK(a->v4_value() == 0xC0000201u);
  CHECK(*a == IpAddress::v4(0xC0000201));
  CHECK(a->to_string() == "192.0.2.1");
  auto b = IpAddress::parse("2001:DB8:0:0::1");
  REQUIRE(b);
  CHECK(b->is_v6());
  CHECK(b->to_string() == "2001:db8::1");
  CHECK(IpAddress::parse("fe80::1")->is_link_local());
  CHECK_FALSE(IpAddress::parse("fec0::1")->is_link_local());
  CHECK(IpAddress::parse("0.0.0.0")->is_unspecified());
  CHECK(IpAddress::parse("::")->is_unspecified());
  CHECK_FALSE(a->is_unspecified());
  CHECK(IpAddress::v4(1) < *IpAddress::parse("::"));
  for (const char* bad : {"", "1.2.3", "256.1.1.1", "1.2.3.4 ", "::g", "10.0.0.0/8"}) {
    INFO(bad);
    CHECK_FALSE(IpAddress::parse(bad).has_value());
  }
  CHECK_FALSE(IpAddress::parse(std::string_view("1.2.3.4\0", 8)).has_value());

  auto p = Prefix::parse("10.1.0.0/16");
  REQUIRE(p);
  CHECK(p->length == 16);
  CHECK(p->to_string() == "10.1.0.0/16");
  CHECK_FALSE(Prefix::parse("10.1.2.0/16").has_value());
  CHECK(Prefix::parse("10.1.2.3/16", false)->to_string() == "10.1.0.0/16");
  CHECK(Prefix::parse("10.1.2.3/17", false)->to_string() == "10.1.0.0/17");
  CHECK(Prefix::parse("0.0.0.0/0")->to_string() == "0.0.0.0/0");
  CHECK(Prefix::parse("192.0.2.1/32")->to_string() == "192.0.2.1/32");
  CHECK(Prefix::parse("2001:db8::/32")->to_string() == "2001:db8::/32");
  CHECK(Prefix::parse("2001:db8::1/127", false)->to_string() == "2001:db8::/127");
  CHECK(Prefix::parse("::/0")->max_length() == 128);
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0", "10.0.0.0/", "10.0.0.0/-1",
                          "10.0.0.0/+8", "10.0.0.0/8x", "x/8"}) {
    INFO(bad);
    CHECK_FALSE(Prefix::parse(bad, false).has_value());
  }
}

TEST_CASE("AFI/SAFI names", "[bgp][wire]") {
  CHECK(to_string(kIpv4Unicast) == "ipv4-unicast");
  CHECK(to_string(kIpv6Unicast) == "ipv6-unicast");
  CHECK(to_string(AfiSafi{static_cast<Afi>(3), static_cast<Safi>(128)}) == "afi3-safi128");
  CHECK(to_string(AfiSafi{Afi::Ipv4, Safi::Multicast}) == "afi1-safi2");
}

TEST_CASE("AS_PATH length and text", "[bgp][wire]") {
  AsPath p;
  CHECK(p.length() == 0);
  CHECK(p.to_string().empty());
  p.segments = {{AsSegmentType::AsConfedSequence, {65001, 65002}},
                {AsSegmentType::AsSequence, {65010, 4200000001}},
                {AsSegmentType::AsSet, {65002, 65003}},
                {AsSegmentType::AsConfedSet, {65004}}};
  CHECK(p.length() == 3);
  CHECK(p.to_string() == "(65001 65002) 65010 4200000001 {65002 65003} [65004]");
}

TEST_CASE("extended community text forms", "[bgp][wire]") {
  auto rt = ExtendedCommunity::parse("rt:65000:1");
  REQUIRE(rt);
  CHECK(to_hex(rt->value) == "0002fde800000001");
  CHECK(rt->to_string() == "rt:65000:1");
  auto soo = ExtendedCommunity::parse("soo:65000:4294967295");
  REQUIRE(soo);
  CHECK(to_hex(soo->value) == "0003fde8ffffffff");
  auto rt4 = ExtendedCommunity::parse("rt:4200000001:7");
  REQUIRE(rt4);
  CHECK(to_hex(rt4->value) == "0202fa56ea010007");
  CHECK(rt4->to_string() == "rt:4200000001:7");
  auto rtip = ExtendedCommunity::parse("rt:192.0.2.1:5");
  REQUIRE(rtip);
  CHECK(to_hex(rtip->value) == "0102c00002010005");
  CHECK(rtip->to_string() == "rt:192.0.2.1:5");
  CHECK(ExtendedCommunity::parse("soo:192.0.2.1:5")->to_string() == "soo:192.0.2.1:5");
  // Anything else (here: 4-octet-AS type with a small ASN, a non-transitive RT, an
  // unknown type) prints and parses as hex.
  for (const char* hex : {"0x0202000000640005", "0x4002fde800000001", "0x8006000000000000"}) {
    auto e = ExtendedCommunity::parse(hex);
    REQUIRE(e);
    CHECK(e->to_string() == hex);
  }
  CHECK(ExtendedCommunity::parse("0X0002FDE800000001") == rt);
  for (const char* bad : {"", "rt:65000", "rt:65000:1:2", "xx:65000:1", "rt:4200000001:65536",
                          "rt:192.0.2.1:65536", "rt:1.2.3:5", "rt:4294967296:1",
                          "0x0002fde8", "0x0002fde80000000g", "rt:-1:1"}) {
    INFO(bad);
    CHECK_FALSE(ExtendedCommunity::parse(bad).has_value());
  }
}

TEST_CASE("large community text form", "[bgp][wire]") {
  auto lc = LargeCommunity::parse("4200000001:1:4294967295");
  REQUIRE(lc);
  CHECK(*lc == LargeCommunity{4200000001, 1, 4294967295});
  CHECK(lc->to_string() == "4200000001:1:4294967295");
  for (const char* bad : {"", "1:2", "1:2:3:4", "1::3", "4294967296:1:1", "a:b:c", " 1:2:3"}) {
    INFO(bad);
    CHECK_FALSE(LargeCommunity::parse(bad).has_value());
  }
}
