// Behaviour of the message value types: the effective AS of an OPEN (RFC 6793 §4.1), AS_PATH
// length and text (RFC 4271 §9.1.2.2, RFC 5065 §5.3), extended (RFC 4360, RFC 5668) and large
// (RFC 8092) community text forms, End-of-RIB markers (RFC 4724 §2) and NOTIFICATION helpers
// including the RFC 9003 Shutdown Communication.
#include "bgp/wire/message.hpp"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <span>

namespace msee::bgp::wire {

namespace {

// Strict unsigned decimal: digits only, no sign or whitespace, no overflow of `max`.
std::optional<std::uint64_t> parse_u64(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 20) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || v > max) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::uint8_t> hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return static_cast<std::uint8_t>(c - '0');
  }
  if (c >= 'a' && c <= 'f') {
    return static_cast<std::uint8_t>(c - 'a' + 10);
  }
  if (c >= 'A' && c <= 'F') {
    return static_cast<std::uint8_t>(c - 'A' + 10);
  }
  return std::nullopt;
}

// Splits "a:b:c" into exactly three fields; IPv4 text has no ':' so "rt:192.0.2.1:5" works.
std::optional<std::array<std::string_view, 3>> split3(std::string_view text) {
  auto c1 = text.find(':');
  if (c1 == std::string_view::npos) {
    return std::nullopt;
  }
  auto c2 = text.find(':', c1 + 1);
  if (c2 == std::string_view::npos || text.find(':', c2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::array<std::string_view, 3>{text.substr(0, c1), text.substr(c1 + 1, c2 - c1 - 1),
                                         text.substr(c2 + 1)};
}

// RFC 3629 §4: well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
// Only the first continuation octet has a lead-dependent range; the others are 80..BF.
bool valid_utf8(std::span<const std::uint8_t> s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint8_t lead = s[i];
    std::size_t tail = 0;
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
      tail = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      tail = 2;
      lo = lead == 0xE0 ? 0xA0 : 0x80;  // E0 80..9F would be overlong
      hi = lead == 0xED ? 0x9F : 0xBF;  // ED A0..BF would be a surrogate
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      tail = 3;
      lo = lead == 0xF0 ? 0x90 : 0x80;  // F0 80..8F would be overlong
      hi = lead == 0xF4 ? 0x8F : 0xBF;  // F4 90.. would exceed U+10FFFF
    } else {
      return false;
    }
    if (s.size() - i - 1 < tail) {
      return false;
    }
    for (std::size_t k = 1; k <= tail; ++k) {
      std::uint8_t c = s[i + k];
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) {
        return false;
      }
    }
    i += tail + 1;
  }
  return true;
}

// Peer text goes into log lines: keep it on one line and unambiguous inside quotes.
std::string escape_for_log(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

constexpr std::uint8_t kExtTypeTwoOctetAs = 0x00;   // RFC 4360 §3.1
constexpr std::uint8_t kExtTypeIpv4 = 0x01;         // RFC 4360 §3.2
constexpr std::uint8_t kExtTypeFourOctetAs = 0x02;  // RFC 5668 §2
constexpr std::uint8_t kExtSubRouteTarget = 0x02;   // RFC 4360 §4
constexpr std::uint8_t kExtSubRouteOrigin = 0x03;   // RFC 4360 §5

}  // namespace

Asn OpenMessage::effective_as() const {
  // RFC 6793 §4.1: a NEW speaker carries its real AS in the capability, my_as may be AS_TRANS.
  if (const auto* cap = find<FourOctetAsCap>()) {
    return cap->asn;
  }
  return my_as;
}

std::size_t AsPath::length() const {
  std::size_t n = 0;
  for (const auto& seg : segments) {
    switch (seg.type) {
      case AsSegmentType::AsSequence:
        n += seg.asns.size();
        break;
      case AsSegmentType::AsSet:
        // RFC 4271 §9.1.2.2 a): an AS_SET counts as 1 whatever its size.
        n += 1;
        break;
      case AsSegmentType::AsConfedSequence:
      case AsSegmentType::AsConfedSet:
        // RFC 5065 §5.3: confederation segments do not count.
        break;
    }
  }
  return n;
}

std::string AsPath::to_string() const {
  std::string out;
  for (const auto& seg : segments) {
    std::string_view open;
    std::string_view close;
    switch (seg.type) {
      case AsSegmentType::AsSequence:
        break;
      case AsSegmentType::AsSet:
        open = "{";
        close = "}";
        break;
      case AsSegmentType::AsConfedSequence:
        open = "(";
        close = ")";
        break;
      case AsSegmentType::AsConfedSet:
        open = "[";
        close = "]";
        break;
    }
    if (open.empty() && seg.asns.empty()) {
      continue;
    }
    if (!out.empty()) {
      out += ' ';
    }
    out += fmt::format("{}{}{}", open, fmt::join(seg.asns, " "), close);
  }
  return out;
}

std::string ExtendedCommunity::to_string() const {
  const auto& v = value;
  std::string_view kind;
  if (v[1] == kExtSubRouteTarget) {
    kind = "rt";
  } else if (v[1] == kExtSubRouteOrigin) {
    kind = "soo";
  }
  if (!kind.empty()) {
    auto u16 = [&](std::size_t at) { return (unsigned{v[at]} << 8) | v[at + 1]; };
    auto u32 = [&](std::size_t at) {
      return (std::uint32_t{v[at]} << 24) | (std::uint32_t{v[at + 1]} << 16) |
             (std::uint32_t{v[at + 2]} << 8) | std::uint32_t{v[at + 3]};
    };
    switch (v[0]) {
      case kExtTypeTwoOctetAs:
        return fmt::format("{}:{}:{}", kind, u16(2), u32(4));
      case kExtTypeIpv4:
        return fmt::format("{}:{}:{}", kind, IpAddress::v4(u32(2)).to_string(), u16(6));
      case kExtTypeFourOctetAs:
        // A 4-octet-AS community with a small ASN would print like the 2-octet form and parse
        // back as that; the hex form keeps parse(to_string(x)) == x.
        if (u32(2) > 0xFFFF) {
          return fmt::format("{}:{}:{}", kind, u32(2), u16(6));
        }
        break;
      default:
        break;
    }
  }
  return fmt::format("0x{:02x}", fmt::join(v, ""));
}

std::optional<ExtendedCommunity> ExtendedCommunity::parse(std::string_view text) {
  ExtendedCommunity ec;
  auto& v = ec.value;
  if (text.size() == 18 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    for (std::size_t i = 0; i < 8; ++i) {
      auto hi = hex_digit(text[2 + 2 * i]);
      auto lo = hex_digit(text[3 + 2 * i]);
      if (!hi || !lo) {
        return std::nullopt;
      }
      v[i] = static_cast<std::uint8_t>((*hi << 4) | *lo);
    }
    return ec;
  }
  auto parts = split3(text);
  if (!parts) {
    return std::nullopt;
  }
  auto [kind, admin, local] = *parts;
  if (kind == "rt") {
    v[1] = kExtSubRouteTarget;
  } else if (kind == "soo") {
    v[1] = kExtSubRouteOrigin;
  } else {
    return std::nullopt;
  }
  auto put = [&](std::size_t at, std::uint64_t x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      v[at + i] = static_cast<std::uint8_t>(x >> (8 * (n - 1 - i)));
    }
  };
  if (admin.find('.') != std::string_view::npos) {
    auto ip = IpAddress::parse(admin);
    auto n = parse_u64(local, 0xFFFF);
    if (!ip || !ip->is_v4() || !n) {
      return std::nullopt;
    }
    v[0] = kExtTypeIpv4;
    put(2, ip->v4_value(), 4);
    put(6, *n, 2);
    return ec;
  }
  auto asn = parse_u64(admin, std::numeric_limits<std::uint32_t>::max());
  if (!asn) {
    return std::nullopt;
  }
  if (*asn <= 0xFFFF) {
    auto n = parse_u64(local, std::numeric_limits<std::uint32_t>::max());
    if (!n) {
      return std::nullopt;
    }
    v[0] = kExtTypeTwoOctetAs;
    put(2, *asn, 2);
    put(4, *n, 4);
    return ec;
  }
  auto n = parse_u64(local, 0xFFFF);
  if (!n) {
    return std::nullopt;
  }
  v[0] = kExtTypeFourOctetAs;
  put(2, *asn, 4);
  put(6, *n, 2);
  return ec;
}

std::string LargeCommunity::to_string() const {
  return fmt::format("{}:{}:{}", global_admin, local1, local2);
}

std::optional<LargeCommunity> LargeCommunity::parse(std::string_view text) {
  auto parts = split3(text);
  if (!parts) {
    return std::nullopt;
  }
  constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
  auto a = parse_u64((*parts)[0], kMax);
  auto b = parse_u64((*parts)[1], kMax);
  auto c = parse_u64((*parts)[2], kMax);
  if (!a || !b || !c) {
    return std::nullopt;
  }
  return LargeCommunity{static_cast<std::uint32_t>(*a), static_cast<std::uint32_t>(*b),
                        static_cast<std::uint32_t>(*c)};
}

std::optional<AfiSafi> UpdateMessage::end_of_rib() const {
  bool no_ipv4 = withdrawn_routes.empty() && nlri.empty();
  if (!no_ipv4 || mp_reach || attributes != PathAttributes{}) {
    return std::nullopt;
  }
  // RFC 4724 §2: IPv4 unicast End-of-RIB is an UPDATE with nothing in it at all.
  if (!mp_unreach) {
    return kIpv4Unicast;
  }
  // RFC 4724 §2: any other family's is an UPDATE whose only content is an MP_UNREACH_NLRI for
  // that family without withdrawn routes.
  if (mp_unreach->withdrawn.empty()) {
    return mp_unreach->afi_safi;
  }
  return std::nullopt;
}

UpdateMessage UpdateMessage::make_end_of_rib(AfiSafi afi_safi) {
  UpdateMessage u;
  if (afi_safi != kIpv4Unicast) {
    u.mp_unreach = MpUnreachNlri{afi_safi, {}};
  }
  return u;
}

NotificationMessage NotificationMessage::make(ErrorCode code, std::uint8_t subcode,
                                              std::vector<std::uint8_t> data) {
  return NotificationMessage{static_cast<std::uint8_t>(code), subcode, std::move(data)};
}

NotificationMessage NotificationMessage::from(const DecodeError& err) {
  return make(err.code, err.subcode, err.data);
}

NotificationMessage NotificationMessage::hard_reset(const NotificationMessage& inner) {
  std::vector<std::uint8_t> data{inner.code, inner.subcode};
  data.insert(data.end(), inner.data.begin(), inner.data.end());
  return make(ErrorCode::Cease, static_cast<std::uint8_t>(CeaseSubcode::HardReset),
              std::move(data));
}

NotificationMessage NotificationMessage::cease(CeaseSubcode subcode,
                                               std::string_view shutdown_text) {
  NotificationMessage n = make(ErrorCode::Cease, static_cast<std::uint8_t>(subcode));
  bool carries_text = subcode == CeaseSubcode::AdministrativeShutdown ||
                      subcode == CeaseSubcode::AdministrativeReset;
  // RFC 9003 §2: without a communication we send no data at all (a zero length octet would
  // also be valid, but older RFC 4486 speakers expect an empty Data field).
  if (!carries_text || shutdown_text.empty()) {
    return n;
  }
  // RFC 9003 §2: at most 255 octets. Cutting before a continuation octet (10xxxxxx) keeps the
  // truncated text valid UTF-8.
  std::size_t len = std::min<std::size_t>(shutdown_text.size(), 255);
  while (len > 0 && len < shutdown_text.size() &&
         (static_cast<unsigned char>(shutdown_text[len]) & 0xC0) == 0x80) {
    --len;
  }
  n.data.reserve(len + 1);
  n.data.push_back(static_cast<std::uint8_t>(len));
  n.data.insert(n.data.end(), shutdown_text.begin(), shutdown_text.begin() + len);
  return n;
}

std::optional<std::string> NotificationMessage::shutdown_communication() const {
  bool carries_text = code == static_cast<std::uint8_t>(ErrorCode::Cease) &&
                      (subcode == static_cast<std::uint8_t>(CeaseSubcode::AdministrativeShutdown) ||
                       subcode == static_cast<std::uint8_t>(CeaseSubcode::AdministrativeReset));
  if (!carries_text || data.empty()) {
    return std::nullopt;
  }
  std::size_t len = data[0];
  // RFC 9003 §4: a length beyond the data or text that is not UTF-8 is a malformed
  // communication; the NOTIFICATION itself still stands, only the text is dropped.
  if (len > data.size() - 1) {
    return std::nullopt;
  }
  std::span<const std::uint8_t> text(data.data() + 1, len);
  if (!valid_utf8(text)) {
    return std::nullopt;
  }
  return std::string(text.begin(), text.end());
}

std::string NotificationMessage::describe() const {
  std::string out = error_name(code, subcode);
  if (auto text = shutdown_communication(); text && !text->empty()) {
    return fmt::format("{}: \"{}\"", out, escape_for_log(*text));
  }
  if (!data.empty()) {
    return fmt::format("{} (data {:02x})", out, fmt::join(data, ""));
  }
  return out;
}

MessageType type_of(const Message& m) {
  struct Visitor {
    MessageType operator()(const OpenMessage&) const { return MessageType::Open; }
    MessageType operator()(const UpdateMessage&) const { return MessageType::Update; }
    MessageType operator()(const NotificationMessage&) const { return MessageType::Notification; }
    MessageType operator()(const KeepaliveMessage&) const { return MessageType::Keepalive; }
    MessageType operator()(const RouteRefreshMessage&) const { return MessageType::RouteRefresh; }
  };
  return std::visit(Visitor{}, m);
}

const char* to_string(MessageType t) {
  switch (t) {
    case MessageType::Open:
      return "OPEN";
    case MessageType::Update:
      return "UPDATE";
    case MessageType::Notification:
      return "NOTIFICATION";
    case MessageType::Keepalive:
      return "KEEPALIVE";
    case MessageType::RouteRefresh:
      return "ROUTE-REFRESH";
  }
  return "UNKNOWN";
}

}  // namespace msee::bgp::wire
