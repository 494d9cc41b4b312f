// BFD Control packet codec (RFC 5880 §4.1) and the stateless §6.8.6 discard rules: byte-exact
// vectors both ways, every rule with its reason, and a one-byte mutation sweep.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "bfd/packet.hpp"

using namespace msee::bfd;
using Bytes = std::vector<std::uint8_t>;

namespace {

// Down, no diag, Detect Mult 3, My Discr 0x01020304, Your Discr 0, Desired Min TX 1 s (the
// §6.8.3 value while not Up), Required Min RX 300 ms, Required Min Echo RX 0.
const Bytes kDownVector = {0x20, 0x40, 0x03, 0x18, 0x01, 0x02, 0x03, 0x04,
                           0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x40,
                           0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0x00, 0x00};

ControlPacket down_packet() {
  return {.state = State::Down, .detect_mult = 3, .my_discriminator = 0x01020304,
          .your_discriminator = 0, .desired_min_tx_us = 1'000'000,
          .required_min_rx_us = 300'000};
}

// Up + Poll, Your Discr 0xdeadbeef, 300 ms both ways, Echo RX 50 ms.
const Bytes kUpPollVector = {0x20, 0xe0, 0x03, 0x18, 0x00, 0x00, 0x00, 0x01,
                             0xde, 0xad, 0xbe, 0xef, 0x00, 0x04, 0x93, 0xe0,
                             0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0xc3, 0x50};

ControlPacket up_poll_packet() {
  return {.state = State::Up, .poll = true, .detect_mult = 3, .my_discriminator = 1,
          .your_discriminator = 0xdeadbeef, .desired_min_tx_us = 300'000,
          .required_min_rx_us = 300'000, .required_min_echo_rx_us = 50'000};
}

// AdminDown, diag 7, Final + C + D bits, Detect Mult 1, all intervals distinct.
const Bytes kAdminDownVector = {0x27, 0x1a, 0x01, 0x18, 0x80, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
                                0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00};

ControlPacket admin_down_packet() {
  return {.diag = Diag::AdministrativelyDown, .state = State::AdminDown, .final = true,
          .control_plane_independent = true, .demand = true, .detect_mult = 1,
          .my_discriminator = 0x80000000, .desired_min_tx_us = 0x100,
          .required_min_rx_us = 0x200, .required_min_echo_rx_us = 0x300};
}

std::string error_of(const Bytes& b) {
  auto r = decode(b);
  return r ? std::string("(accepted)") : r.error();
}

}  // namespace

TEST_CASE("BFD control packet vectors encode and decode byte-exactly", "[bfd]") {
  struct Vec {
    const char* name;
    Bytes bytes;
    ControlPacket pkt;
  };
  const std::vector<Vec> vectors = {{"down", kDownVector, down_packet()},
                                    {"up+poll", kUpPollVector, up_poll_packet()},
                                    {"admindown", kAdminDownVector, admin_down_packet()}};
  for (const auto& v : vectors) {
    INFO(v.name);
    CHECK(encode(v.pkt) == v.bytes);
    auto d = decode(v.bytes);
    REQUIRE(d.has_value());
    CHECK(*d == v.pkt);
  }
}

TEST_CASE("BFD decode keeps reserved diagnostics and ignores trailing octets", "[bfd]") {
  Bytes b = kDownVector;
  b[0] = 0x20 | 0x1f;  // diag 31: reserved, still carried
  auto d = decode(b);
  REQUIRE(d.has_value());
  CHECK(static_cast<unsigned>(d->diag) == 31);
  CHECK(to_string(d->diag) == "Reserved(31)");
  CHECK(encode(*d) == b);

  Bytes longer = kDownVector;
  longer.insert(longer.end(), {0xaa, 0xbb, 0xcc, 0xdd});
  auto d2 = decode(longer);
  REQUIRE(d2.has_value());
  CHECK(*d2 == down_packet());

  // A Length beyond 24 is fine when the datagram really is that long.
  longer[3] = 28;
  CHECK(decode(longer).has_value());
}

TEST_CASE("BFD to_string names", "[bfd]") {
  CHECK(to_string(State::AdminDown) == "AdminDown");
  CHECK(to_string(State::Up) == "Up");
  CHECK(to_string(Diag::ControlDetectionTimeExpired) == "ControlDetectionTimeExpired");
  CHECK(to_string(Diag::NeighborSignaledSessionDown) == "NeighborSignaledSessionDown");
  CHECK(to_string(Diag::ReverseConcatenatedPathDown) == "ReverseConcatenatedPathDown");
}

TEST_CASE("BFD decode applies each RFC 5880 6.8.6 discard rule with its reason", "[bfd]") {
  for (std::size_t n = 0; n < kControlPacketLength; ++n) {
    Bytes shorter(kDownVector.begin(), kDownVector.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK(error_of(shorter) == "datagram of " + std::to_string(n) +
                                   " octets is shorter than a Control packet (24)");
  }
  Bytes b = kDownVector;
  b[0] = 0x40;  // version 2
  CHECK(error_of(b) == "version 2 is not 1");

  b = kDownVector;
  b[3] = 23;
  CHECK(error_of(b) == "length field 23 is below 24");

  b = kDownVector;
  b[3] = 25;
  CHECK(error_of(b) == "length field 25 exceeds the datagram (24 octets)");

  b = kDownVector;
  b[2] = 0;
  CHECK(error_of(b) == "detect multiplier is zero");

  b = kDownVector;
  b[1] |= 0x01;
  CHECK(error_of(b) == "multipoint bit is set");

  b = kDownVector;
  b[4] = b[5] = b[6] = b[7] = 0;
  CHECK(error_of(b) == "my discriminator is zero");

  b = kDownVector;
  b[1] = 0xc0;  // Up with Your Discriminator 0
  CHECK(error_of(b) == "your discriminator is zero in state Up");
  b[1] = 0x80;
  CHECK(error_of(b) == "your discriminator is zero in state Init");
  b[1] = 0x00;  // AdminDown with Your Discriminator 0 is legal
  CHECK(decode(b).has_value());

  // A bit: Length must cover the auth header (26), and then we discard anyway (no auth).
  b = kDownVector;
  b[1] |= 0x04;
  CHECK(error_of(b) == "length field 24 is below 26");
  b.insert(b.end(), {0x01, 0x02});
  b[3] = 26;
  CHECK(error_of(b) == "authentication present but none is configured");
}

TEST_CASE("BFD decode survives every one-byte mutation of a valid packet", "[bfd]") {
  // My Discriminator 1 and Your Discriminator 2 so a single byte can zero either of them.
  Bytes base = kUpPollVector;
  base[8] = base[9] = base[10] = 0;
  base[11] = 2;
  REQUIRE(decode(base).has_value());

  std::set<std::string> kinds;
  std::size_t accepted = 0;
  for (std::size_t pos = 0; pos < base.size(); ++pos) {
    for (int v = 0; v < 256; ++v) {
      Bytes m = base;
      m[pos] = static_cast<std::uint8_t>(v);
      auto r = decode(m);
      if (r) {
        ++accepted;
        // Exactly 24 octets: an accepted packet has Length 24 and every bit is meaningful.
        CHECK(encode(*r) == m);
        continue;
      }
      const std::string& e = r.error();
      if (e.rfind("version", 0) == 0) {
        kinds.insert("version");
      } else if (e.find("is below") != std::string::npos) {
        kinds.insert("length-low");
      } else if (e.find("exceeds the datagram") != std::string::npos) {
        kinds.insert("length-high");
      } else if (e == "detect multiplier is zero") {
        kinds.insert("detect-mult");
      } else if (e == "multipoint bit is set") {
        kinds.insert("multipoint");
      } else if (e == "my discriminator is zero") {
        kinds.insert("my-discr");
      } else if (e.rfind("your discriminator is zero", 0) == 0) {
        kinds.insert("your-discr");
      } else {
        FAIL("unexpected reason: " << e);
      }
    }
  }
  CHECK(accepted > 0);
  CHECK(kinds == std::set<std::string>{"version", "length-low", "length-high", "detect-mult",
                                       "multipoint", "my-discr", "your-discr"});
}
