// Protocol value types: text forms of AFI/SAFI pairs, IPv4/IPv6 addresses (RFC 4291 §2.2 via
// inet_pton/inet_ntop, RFC 5952 output) and prefixes. The invariant owned here is that a Prefix
// never carries host bits beyond its length.
#include "bgp/wire/types.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace msee::bgp::wire {

namespace {

// inet_pton needs a NUL-terminated string; a view with an embedded NUL is never an address.
std::optional<std::string> c_string(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(text);
}

// Decimal without sign, leading '+' or whitespace; nullopt on overflow of `max`.
std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 3) {
    return std::nullopt;
  }
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || v > max) {
    return std::nullopt;
  }
  return v;
}

// Zeroes every bit of `addr` at or after bit position `length`.
void clear_host_bits(IpAddress& addr, std::uint8_t length) {
  for (std::size_t i = 0; i < addr.bytes.size(); ++i) {
    std::size_t first_bit = i * 8;
    if (first_bit >= length) {
      addr.bytes[i] = 0;
    } else if (first_bit + 8 > length) {
      auto keep = static_cast<unsigned>(length - first_bit);
      addr.bytes[i] &= static_cast<std::uint8_t>(0xFFu << (8 - keep));
    }
  }
}

}  // namespace

std::string to_string(AfiSafi as) {
  if (as == kIpv4Unicast) {
    return "ipv4-unicast";
  }
  if (as == kIpv6Unicast) {
    return "ipv6-unicast";
  }
  return fmt::format("afi{}-safi{}", static_cast<unsigned>(as.afi),
                     static_cast<unsigned>(as.safi));
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress a;
  a.family = Afi::Ipv4;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& b) {
  IpAddress a;
  a.family = Afi::Ipv6;
  a.bytes = b;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  auto s = c_string(text);
  if (!s) {
    return std::nullopt;
  }
  // glibc's inet_pton(AF_INET) takes only the strict dotted quad (no octal, no short forms),
  // so "010.1.1.1" or "10.1" are rejected rather than silently reinterpreted.
  std::array<std::uint8_t, 16> buf{};
  if (inet_pton(AF_INET, s->c_str(), buf.data()) == 1) {
    IpAddress a;
    a.family = Afi::Ipv4;
    std::copy_n(buf.begin(), 4, a.bytes.begin());
    return a;
  }
  if (inet_pton(AF_INET6, s->c_str(), buf.data()) == 1) {
    return v6(buf);
  }
  return std::nullopt;
}

std::uint32_t IpAddress::v4_value() const {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

bool IpAddress::is_unspecified() const {
  for (std::size_t i = 0; i < size(); ++i) {
    if (bytes[i] != 0) {
      return false;
    }
  }
  return true;
}

bool IpAddress::is_link_local() const {
  // RFC 4291 §2.5.6: fe80::/10.
  return is_v6() && bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  int af = is_v4() ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), buf, sizeof buf) == nullptr) {
    return "?";
  }
  return buf;
}

std::optional<Prefix> Prefix::parse(std::string_view text, bool strict) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) {
    return std::nullopt;
  }
  Prefix p;
  p.addr = *addr;
  auto len = parse_decimal(text.substr(slash + 1), p.max_length());
  if (!len) {
    return std::nullopt;
  }
  p.length = static_cast<std::uint8_t>(*len);
  IpAddress masked = p.addr;
  clear_host_bits(masked, p.length);
  if (strict && masked != p.addr) {
    return std::nullopt;
  }
  p.addr = masked;
  return p;
}

std::string Prefix::to_string() const {
  return fmt::format("{}/{}", addr.to_string(), static_cast<unsigned>(length));
}

}  // namespace msee::bgp::wire
