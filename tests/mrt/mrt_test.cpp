// MRT encoder (RFC 6396) byte-exact vectors, laid out by hand from the RFC's field diagrams,
// for BGP4MP_ET MESSAGE_AS4 / STATE_CHANGE_AS4 and TABLE_DUMP_V2 PEER_INDEX_TABLE / RIB_IPV4 /
// RIB_IPV6_UNICAST; plus the MrtRecorder's strftime naming and rotation on a temp directory.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

#include "mrt/recorder.hpp"
#include "bgp/wire/codec.hpp"
#include "mrt/mrt.hpp"

using namespace msee::bgp::wire;
namespace mrt = msee::mrt;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }
Prefix prefix(const char* text) { return *Prefix::parse(text); }

// 2023-11-14T22:13:20Z and 123456 µs.
constexpr mrt::Timestamp kTime{1700000000, 123456};

mrt::SessionKey v4_session() {
  return {65001, 4200000001u, 3, ip("192.0.2.1"), ip("192.0.2.2")};
}
mrt::SessionKey v6_session() {
  return {65001, 4200000001u, 3, ip("2001:db8::1"), ip("2001:db8::2")};
}

AsPath sequence(std::vector<Asn> asns) {
  return AsPath{{AsSegment{AsSegmentType::AsSequence, std::move(asns)}}};
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("BGP4MP_ET MESSAGE_AS4 over IPv4 carries the microsecond header and the message",
          "[mrt]") {
  const Bytes keepalive = encode(Message{KeepaliveMessage{}}, EncodeContext{});
  REQUIRE(keepalive.size() == 19);
  const Bytes rec = mrt::bgp4mp_message_as4(kTime, v4_session(), keepalive);
  const Bytes expected = from_hex(
      // §3 ET header: Timestamp, Type 17, Subtype 4, Length 43 (39 body + 4 µs), Microseconds
      "6553f100 0011 0004 0000002b 0001e240"
      // §4.4.3: Peer AS 65001, Local AS 4200000001, ifIndex 3, AFI 1, peer, local
      "0000fde9 fa56ea01 0003 0001 c0000201 c0000202"
      // RFC 4271 KEEPALIVE
      "ffffffffffffffffffffffffffffffff 0013 04");
  CHECK(to_hex(rec) == to_hex(expected));
}

TEST_CASE("BGP4MP_ET MESSAGE_AS4 over IPv6 embeds an UPDATE that decodes back", "[mrt]") {
  UpdateMessage u;
  u.attributes.origin = Origin::Igp;
  u.attributes.as_path = sequence({65001, 4200000001u});
  u.attributes.communities = {0xFDE90064};
  u.mp_reach = MpReachNlri{kIpv6Unicast, ip("2001:db8::1"), std::nullopt,
                           {prefix("2001:db8:100::/40")}};
  const EncodeContext ectx{.four_octet_as = true};
  const Bytes msg = encode(Message{u}, ectx);

  const Bytes rec = mrt::bgp4mp_message_as4(kTime, v6_session(), msg);
  const std::size_t session = 4 + 4 + 2 + 2 + 16 + 16;
  REQUIRE(rec.size() == mrt::kEtHeaderSize + session + msg.size());
  const Bytes head = from_hex("6553f100 0011 0004");
  CHECK(Bytes(rec.begin(), rec.begin() + 8) == head);
  const std::uint32_t length = (std::uint32_t{rec[8]} << 24) | (rec[9] << 16) | (rec[10] << 8) |
                               rec[11];
  CHECK(length == 4 + session + msg.size());
  const Bytes session_bytes = from_hex(
      "0000fde9 fa56ea01 0003 0002"
      "20010db8000000000000000000000001 20010db8000000000000000000000002");
  CHECK(Bytes(rec.begin() + 16, rec.begin() + 16 + static_cast<long>(session)) == session_bytes);

  const ByteSpan embedded = ByteSpan(rec).subspan(mrt::kEtHeaderSize + session);
  DecodeContext ctx;
  ctx.four_octet_as = true;
  auto decoded = decode(embedded, ctx);
  REQUIRE(decoded.has_value());
  const auto* back = std::get_if<UpdateMessage>(&*decoded);
  REQUIRE(back != nullptr);
  CHECK(*back == u);
}

TEST_CASE("BGP4MP_ET MESSAGE has 2-octet AS fields with AS_TRANS for a large AS", "[mrt]") {
  const Bytes keepalive = encode(Message{KeepaliveMessage{}}, EncodeContext{});
  const Bytes rec = mrt::bgp4mp_message(kTime, v4_session(), keepalive);
  const Bytes expected = from_hex(
      // Subtype 1, Length 39 (35 body + 4 µs)
      "6553f100 0011 0001 00000027 0001e240"
      // §4.4.2: Peer AS 65001, Local AS 4200000001 as AS_TRANS 23456, ifIndex 3, AFI 1
      "fde9 5ba0 0003 0001 c0000201 c0000202"
      "ffffffffffffffffffffffffffffffff 0013 04");
  CHECK(to_hex(rec) == to_hex(expected));
}

TEST_CASE("BGP4MP_ET STATE_CHANGE_AS4 uses the 1-based MRT state numbers", "[mrt]") {
  SECTION("IPv6 OpenConfirm to Established") {
    const Bytes rec = mrt::bgp4mp_state_change_as4(
        kTime, v6_session(), mrt::BgpState::OpenConfirm, mrt::BgpState::Established);
    const Bytes expected = from_hex(
        "6553f100 0011 0005 00000034 0001e240"  // 48 body + 4 µs = 52
        "0000fde9 fa56ea01 0003 0002"
        "20010db8000000000000000000000001 20010db8000000000000000000000002"
        "0005 0006");
    CHECK(to_hex(rec) == to_hex(expected));
  }
  SECTION("a local address of the other family is written as the unspecified address") {
    mrt::SessionKey k = v4_session();
    k.local_ip = ip("2001:db8::2");
    const Bytes rec =
        mrt::bgp4mp_state_change_as4(kTime, k, mrt::BgpState::Established, mrt::BgpState::Idle);
    const Bytes expected = from_hex(
        "6553f100 0011 0005 0000001c 0001e240"  // 24 body + 4 µs = 28
        "0000fde9 fa56ea01 0003 0001 c0000201 00000000"
        "0006 0001");
    CHECK(to_hex(rec) == to_hex(expected));
  }
}

TEST_CASE("TABLE_DUMP_V2 PEER_INDEX_TABLE lists IPv4 and IPv6 peers with 4-octet ASes",
          "[mrt]") {
  const std::vector<mrt::RibPeer> peers{
      {0xC0000201, ip("192.0.2.1"), 65001},
      {0x0A000002, ip("2001:db8::1"), 4200000001u},
  };
  const Bytes rec = mrt::peer_index_table(kTime, 0x0A000001, "msee", peers);
  const Bytes expected = from_hex(
      // §2 header without microseconds: Type 13, Subtype 1, Length 50
      "6553f100 000d 0001 00000032"
      // §4.3.1: Collector BGP ID, View Name Length 4, "msee", Peer Count 2
      "0a000001 0004 6d736565 0002"
      // Peer Type 0x02 (AS4), BGP ID, IPv4 address, AS
      "02 c0000201 c0000201 0000fde9"
      // Peer Type 0x03 (AS4 | IPv6), BGP ID, IPv6 address, AS
      "03 0a000002 20010db8000000000000000000000001 fa56ea01");
  CHECK(to_hex(rec) == to_hex(expected));
}

TEST_CASE("TABLE_DUMP_V2 RIB_IPV4_UNICAST encodes the attributes as in a 4-octet UPDATE",
          "[mrt]") {
  mrt::RibEntry e;
  e.peer_index = 0;
  e.originated_time = 1700000000;
  e.attributes.origin = Origin::Igp;
  e.attributes.as_path = sequence({65001, 4200000001u});
  e.attributes.next_hop = ip("198.51.100.9");  // overridden by e.next_hop
  e.attributes.med = 100;
  e.next_hop = ip("192.0.2.1");
  const std::vector<mrt::RibEntry> entries{e};

  const Bytes rec = mrt::rib_unicast(kTime, 7, prefix("203.0.113.0/24"), entries);
  const Bytes expected = from_hex(
      "6553f100 000d 0002 00000031"  // Type 13, Subtype 2, Length 49
      // §4.3.2: Sequence 7, Prefix Length 24, 3 prefix octets, Entry Count 1
      "00000007 18 cb0071 0001"
      // §4.3.4: Peer Index 0, Originated Time, Attribute Length 31
      "0000 6553f100 001f"
      "40 01 01 00"                      // ORIGIN IGP
      "40 02 0a 02 02 0000fde9 fa56ea01" // AS_PATH, AS_SEQUENCE of two 4-octet ASNs
      "40 03 04 c0000201"                // NEXT_HOP
      "80 04 04 00000064");              // MULTI_EXIT_DISC 100
  CHECK(to_hex(rec) == to_hex(expected));
}

TEST_CASE("TABLE_DUMP_V2 RIB_IPV6_UNICAST keeps only the next hop in MP_REACH_NLRI", "[mrt]") {
  mrt::RibEntry a;
  a.peer_index = 1;
  a.originated_time = 1700000000;
  a.attributes.origin = Origin::Igp;
  a.attributes.as_path = sequence({65001});
  a.attributes.communities = {0xFDE90064};
  a.attributes.next_hop = ip("192.0.2.1");  // an IPv4 NEXT_HOP has no place in an IPv6 entry
  a.next_hop = ip("2001:db8::1");

  mrt::RibEntry b;
  b.peer_index = 2;
  b.originated_time = 1700000001;
  b.attributes.origin = Origin::Incomplete;
  b.attributes.as_path = AsPath{};  // iBGP-learned: empty AS_PATH
  b.next_hop = ip("2001:db8::2");
  b.link_local_next_hop = ip("fe80::2");
  const std::vector<mrt::RibEntry> entries{a, b};

  const Bytes rec = mrt::rib_unicast(kTime, 8, prefix("2001:db8:100::/40"), entries);
  const Bytes expected = from_hex(
      "6553f100 000d 0004 0000006f"  // Type 13, Subtype 4, Length 111
      "00000008 28 20010db801 0002"  // Sequence 8, /40 in 5 octets, Entry Count 2
      // Entry 1: Peer Index 1, Originated Time, Attribute Length 40
      "0001 6553f100 0028"
      "40 01 01 00"
      "40 02 06 02 01 0000fde9"
      "c0 08 04 fde90064"            // COMMUNITIES 65001:100
      "80 0e 11 10 20010db8000000000000000000000001"  // MP_REACH: NH length 16, NH
      // Entry 2: Peer Index 2, Originated Time + 1, Attribute Length 43
      "0002 6553f101 002b"
      "40 01 01 02"
      "40 02 00"
      "80 0e 21 20 20010db8000000000000000000000002 fe800000000000000000000000000002");
  CHECK(to_hex(rec) == to_hex(expected));
}

TEST_CASE("MrtRecorder expands strftime names in UTC and rotates on aligned boundaries",
          "[mrt]") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("msee-mrt-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);

  const Bytes a = mrt::bgp4mp_state_change_as4(kTime, v4_session(), mrt::BgpState::Idle,
                                               mrt::BgpState::Connect);
  const Bytes b = mrt::bgp4mp_state_change_as4(kTime, v4_session(), mrt::BgpState::Connect,
                                               mrt::BgpState::OpenSent);
  const Bytes c = mrt::peer_index_table(kTime, 1, "", {});

  SECTION("a 300 s interval starts a new file at the next multiple of 300") {
    {
      msee::mrt::Recorder rec((dir / "updates.%Y%m%d.%H%M").string(), 300);
      REQUIRE(rec.open(1700000000));  // 22:13:20Z; next boundary 1700000100 (22:15:00Z)
      CHECK(rec.current_path() == (dir / "updates.20231114.2213").string());
      CHECK(rec.write(a, 1700000000));
      CHECK(rec.write(b, 1700000099));
      CHECK(rec.current_path() == (dir / "updates.20231114.2213").string());
      CHECK(rec.write(c, 1700000100));
      CHECK(rec.current_path() == (dir / "updates.20231114.2215").string());
      CHECK(rec.records_written() == 3);
    }  // the destructor flushes
    Bytes ab = a;
    ab.insert(ab.end(), b.begin(), b.end());
    CHECK(read_file(dir / "updates.20231114.2213") == ab);
    CHECK(read_file(dir / "updates.20231114.2215") == c);
  }
  SECTION("a name without strftime fields stays one file across rotations") {
    {
      msee::mrt::Recorder rec((dir / "fixed.mrt").string(), 60);
      REQUIRE(rec.open(1700000000));
      CHECK(rec.write(a, 1700000000));
      CHECK(rec.write(b, 1700000500));
      REQUIRE(rec.flush());
      CHECK(read_file(dir / "fixed.mrt").size() == a.size() + b.size());
    }
    CHECK(fs::directory_iterator(dir) != fs::directory_iterator());
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  }
  SECTION("an unopenable path is reported, not thrown, and writes are refused") {
    msee::mrt::Recorder rec((dir / "missing" / "x.mrt").string());
    CHECK_FALSE(rec.open(1700000000));
    CHECK(rec.error().find("missing/x.mrt") != std::string::npos);
    CHECK_FALSE(rec.is_open());
    CHECK_FALSE(rec.write(a, 1700000000));
  }
  fs::remove_all(dir);
}

TEST_CASE("Messages the speaker sent are the _LOCAL subtypes, otherwise byte-identical",
          "[mrt]") {
  const Bytes keepalive = encode(Message{KeepaliveMessage{}}, EncodeContext{});
  // RFC 6396 §4.4.6/§4.4.7: subtype 6 / 7 for locally generated messages; the subtype is the
  // 16-bit field at octets 6..7 of the common header.
  auto received4 = mrt::bgp4mp_message_as4(kTime, v4_session(), keepalive);
  auto sent4 = mrt::bgp4mp_message_as4(kTime, v4_session(), keepalive, true);
  CHECK(received4[6] == 0);
  CHECK(received4[7] == 4);
  CHECK(sent4[7] == 7);
  auto sent2 = mrt::bgp4mp_message(kTime, v4_session(), keepalive, true);
  CHECK(sent2[7] == 6);
  sent4[7] = 4;
  CHECK(sent4 == received4);
}
