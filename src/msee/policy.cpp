// MSEE policy: addressing, limits, ASN classes, inbound policy per peering type.
#include "msee/policy.hpp"

#include <algorithm>


namespace msee {

namespace wire = bgp::wire;

std::optional<LinkAddresses> link_addresses(const Prefix& link) {
  IpAddress ce = link.addr;
  IpAddress msee = link.addr;
  if (link.addr.is_v4()) {
    if (link.length != 30) {
      return std::nullopt;
    }
    ce = IpAddress::v4(link.addr.v4_value() + 1);
    msee = IpAddress::v4(link.addr.v4_value() + 2);
  } else {
    if (link.length != 126) {
      return std::nullopt;
    }
    // The last two bits are zero in a /126: host 1 and host 2 only touch the last byte.
    ce.bytes[15] = static_cast<std::uint8_t>(ce.bytes[15] + 1);
    msee.bytes[15] = static_cast<std::uint8_t>(msee.bytes[15] + 2);
  }
  return LinkAddresses{ce, msee};
}

bool is_reserved_private_peering_asn(Asn asn) { return asn >= 65515 && asn <= 65520; }

bool is_documentation_asn(Asn asn) { return asn >= 64496 && asn <= 64511; }

bool covers(const Prefix& outer, const Prefix& inner) {
  if (outer.addr.family != inner.addr.family || inner.length < outer.length) {
    return false;
  }
  for (std::size_t bit = 0; bit < outer.length; ++bit) {
    auto byte = bit / 8;
    auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    if ((outer.addr.bytes[byte] & mask) != (inner.addr.bytes[byte] & mask)) {
      return false;
    }
  }
  return true;
}

bool is_non_public(const Prefix& p, bool documentation_public) {
  static const std::vector<Prefix> kSpecial = [] {
    std::vector<Prefix> v;
    for (auto text : {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                      "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
                      "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
                      "224.0.0.0/3", "::/8", "fc00::/7", "fe80::/10", "ff00::/8",
                      "2001:db8::/32"}) {
      v.push_back(*Prefix::parse(text));
    }
    return v;
  }();
  if (p.length == 0) {
    return true;  // the default route is not a public prefix either (R39)
  }
  static const std::vector<Prefix> kDocumentation = {
      *Prefix::parse("192.0.2.0/24"), *Prefix::parse("198.51.100.0/24"),
      *Prefix::parse("203.0.113.0/24"), *Prefix::parse("2001:db8::/32")};
  return std::any_of(kSpecial.begin(), kSpecial.end(), [&](const Prefix& s) {
    if (documentation_public && covers(s, p) &&
        std::any_of(kDocumentation.begin(), kDocumentation.end(),
                    [&](const Prefix& d) { return covers(d, p); })) {
      return false;
    }
    return covers(s, p) || covers(p, s);
  });
}

std::uint32_t route_limit(const Circuit& circuit, const Peering& peering, wire::Afi afi) {
  const auto& emu = peering.emulation;
  if (afi == wire::Afi::Ipv4 && emu.max_prefixes_v4) {
    return *emu.max_prefixes_v4;
  }
  if (afi == wire::Afi::Ipv6 && emu.max_prefixes_v6) {
    return *emu.max_prefixes_v6;
  }
  if (peering.peering_type != PeeringType::AzurePrivatePeering) {
    return 200;  // MSEE: R36 — Microsoft (and legacy public) peering, per session and AFI
  }
  if (afi == wire::Afi::Ipv6) {
    return 100;  // MSEE: R36 — private peering IPv6, any SKU
  }
  // MSEE: R36 — private peering IPv4: 4,000 Local/Standard, 10,000 Premium.
  return circuit.sku_tier == SkuTier::Premium ? 10000 : 4000;
}

bool remove_private_as_if_all_private(wire::AsPath& path) {
  bool any = false;
  for (const auto& seg : path.segments) {
    for (auto asn : seg.asns) {
      if (!is_private_asn(asn)) {
        return false;
      }
      any = true;
    }
  }
  if (any) {
    path.segments.clear();
  }
  return any;
}

std::size_t strip_private_asns(wire::AsPath& path) {
  std::size_t removed = 0;
  for (auto& seg : path.segments) {
    auto before = seg.asns.size();
    seg.asns.erase(std::remove_if(seg.asns.begin(), seg.asns.end(), is_private_asn),
                   seg.asns.end());
    removed += before - seg.asns.size();
  }
  path.segments.erase(std::remove_if(path.segments.begin(), path.segments.end(),
                                     [](const wire::AsSegment& s) { return s.asns.empty(); }),
                      path.segments.end());
  return removed;
}

InboundPolicy::InboundPolicy(const Peering& peering, std::vector<Prefix> link_prefixes,
                             bool documentation_public)
    : InboundPolicy(peering, std::make_shared<const std::vector<Prefix>>(std::move(link_prefixes)),
                    {}, documentation_public) {}

InboundPolicy::InboundPolicy(const Peering& peering,
                             std::shared_ptr<const std::vector<Prefix>> all_links,
                             std::vector<Prefix> own_links, bool documentation_public)
    : type_(peering.peering_type),
      strip_communities_(peering.emulation.strip_customer_communities),
      documentation_public_(documentation_public) {
  if (type_ == PeeringType::MicrosoftPeering) {  // the only peering that reads them (R41)
    link_prefixes_ = std::move(all_links);
    own_links_ = std::move(own_links);
  }
  if (const auto& ms = peering.microsoft_peering_config) {
    declared_ = ms->advertised_public_prefixes;
    declared_v4_validated_ = ms->advertised_public_prefixes_state == PrefixesState::Configured;
  }
  if (peering.ipv6_peering_config && peering.ipv6_peering_config->microsoft_peering_config) {
    const auto& ms6 = *peering.ipv6_peering_config->microsoft_peering_config;
    declared_.insert(declared_.end(), ms6.advertised_public_prefixes.begin(),
                     ms6.advertised_public_prefixes.end());
    declared_v6_validated_ = ms6.advertised_public_prefixes_state == PrefixesState::Configured;
  }
}

std::optional<std::string> InboundPolicy::attributes(wire::PathAttributes& attrs) const {
  if (strip_communities_) {
    // MSEE: R42, Q14 — Microsoft honours no customer community; they are dropped on ingress.
    attrs.communities.clear();
    attrs.large_communities.clear();
    attrs.ext_communities.clear();
  }
  if (type_ == PeeringType::AzurePrivatePeering || !attrs.as_path) {
    return std::nullopt;
  }
  for (const auto& seg : attrs.as_path->segments) {
    for (auto asn : seg.asns) {
      if (is_documentation_asn(asn)) {
        // MSEE: R22 — documentation ASNs must not appear in Microsoft-peering paths.
        return "AS " + std::to_string(asn) +
               " (documentation range 64496-64511) in the AS path on Microsoft peering (R22)";
      }
    }
  }
  // MSEE: R22 — private ASNs are stripped from paths received on Microsoft peering.
  strip_private_asns(*attrs.as_path);
  return std::nullopt;
}

std::optional<std::string> InboundPolicy::prefix(const Prefix& p) const {
  if (type_ == PeeringType::AzurePrivatePeering) {
    return std::nullopt;  // MSEE: R39, R40 — any prefix incl. the default route
  }
  if (p.length == 0) {
    return "default route refused on " + std::string(to_string(type_)) + " (R39)";
  }
  if (is_non_public(p, documentation_public_)) {
    return "non-public prefix refused on " + std::string(to_string(type_)) + " (R41)";
  }
  for (const auto& link : link_prefixes_ ? *link_prefixes_ : std::vector<Prefix>{}) {
    if (std::find(own_links_.begin(), own_links_.end(), link) != own_links_.end()) {
      continue;  // MSEE: R41 — other circuits' links; the own circuit's are not listed
    }
    if (covers(p, link) || covers(link, p)) {
      return "prefix overlaps the peering link subnet " + link.to_string() + " (R41)";
    }
  }
  bool validated = p.addr.is_v4() ? declared_v4_validated_ : declared_v6_validated_;
  bool declared = std::any_of(declared_.begin(), declared_.end(),
                              [&](const Prefix& d) { return covers(d, p); });
  if (!declared) {
    // MSEE: Q4 — undeclared prefixes are filtered (logged), the session stays up.
    return "not in advertisedPublicPrefixes (R41, Q4)";
  }
  if (!validated) {
    return "advertisedPublicPrefixes not validated yet: state ValidationNeeded (R41, Q4)";
  }
  return std::nullopt;
}

}  // namespace msee
