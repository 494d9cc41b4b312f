// Protocol value types shared by every module: AFI/SAFI (IANA registry names), AS numbers,
// router IDs, IP addresses and prefixes. Pure values: no I/O, no allocation beyond std.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace msee::bgp::wire {

// IANA "Address Family Numbers".
enum class Afi : std::uint16_t { Ipv4 = 1, Ipv6 = 2 };
// IANA "SAFI Values". Other values may appear on the wire and are kept as numbers.
enum class Safi : std::uint8_t { Unicast = 1, Multicast = 2 };

struct AfiSafi {
  Afi afi = Afi::Ipv4;
  Safi safi = Safi::Unicast;
  auto operator<=>(const AfiSafi&) const = default;
};
inline constexpr AfiSafi kIpv4Unicast{Afi::Ipv4, Safi::Unicast};
inline constexpr AfiSafi kIpv6Unicast{Afi::Ipv6, Safi::Unicast};
std::string to_string(AfiSafi as);  // "ipv4-unicast", "ipv6-unicast", "afi3-safi128"

using Asn = std::uint32_t;                 // always 4 octets inside the program (RFC 6793)
inline constexpr Asn kAsTrans = 23456;     // RFC 6793 §9
using RouterId = std::uint32_t;            // BGP Identifier, host byte order
// RFC 6996 §5: private-use ASNs 64512–65534 and 4200000000–4294967294.
constexpr bool is_private_asn(Asn asn) {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000u && asn <= 4294967294u);
}

// An IPv4 or IPv6 address. IPv4 uses bytes[0..3]; the rest stays zero so that defaulted
// comparison orders all IPv4 addresses before IPv6 ones and equality is exact.
struct IpAddress {
  Afi family = Afi::Ipv4;
  std::array<std::uint8_t, 16> bytes{};

  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v6(const std::array<std::uint8_t, 16>& b);
  // Parses dotted-quad or RFC 4291 text; nullopt on anything else.
  static std::optional<IpAddress> parse(std::string_view text);

  bool is_v4() const { return family == Afi::Ipv4; }
  bool is_v6() const { return family == Afi::Ipv6; }
  std::uint32_t v4_value() const;  // host order; only for IPv4
  bool is_unspecified() const;     // 0.0.0.0 or ::
  bool is_link_local() const;      // fe80::/10 (IPv6 only)
  std::size_t size() const { return is_v4() ? 4 : 16; }
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;
};

// A route prefix. Host bits beyond `length` are always zero (the codec clears them on decode
// and parse() rejects text with host bits set unless `strict` is false).
struct Prefix {
  IpAddress addr;
  std::uint8_t length = 0;

  Afi family() const { return addr.family; }
  std::uint8_t max_length() const { return addr.is_v4() ? 32 : 128; }
  static std::optional<Prefix> parse(std::string_view text, bool strict = true);
  std::string to_string() const;

  auto operator<=>(const Prefix&) const = default;
};

}  // namespace msee::bgp::wire
