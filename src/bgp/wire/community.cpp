// Text form of RFC 1997 communities ("ASN:value" and the IANA well-known names).
#include <charconv>
#include <fmt/core.h>

#include "bgp/wire/message.hpp"

namespace msee::bgp::wire {
namespace {
struct WellKnown {
  Community value;
  const char* name;
};
constexpr WellKnown kWellKnown[] = {
    {kNoExport, "no-export"},
    {kNoAdvertise, "no-advertise"},
    {kNoExportSubconfed, "no-export-subconfed"},
    {kNoPeer, "no-peer"},
    {kGracefulShutdown, "graceful-shutdown"},
};

std::optional<std::uint32_t> parse_u32(std::string_view s, std::uint32_t max) {
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty() || v > max) {
    return std::nullopt;
  }
  return v;
}
}  // namespace

std::string community_to_string(Community c) {
  for (const auto& w : kWellKnown) {
    if (w.value == c) {
      return w.name;
    }
  }
  return fmt::format("{}:{}", c >> 16, c & 0xFFFF);
}

std::optional<Community> parse_community(std::string_view text) {
  for (const auto& w : kWellKnown) {
    if (text == w.name) {
      return w.value;
    }
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  auto hi = parse_u32(text.substr(0, colon), 0xFFFF);
  auto lo = parse_u32(text.substr(colon + 1), 0xFFFF);
  if (!hi || !lo) {
    return std::nullopt;
  }
  return (*hi << 16) | *lo;
}

}  // namespace msee::bgp::wire
