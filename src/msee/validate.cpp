// Azure's rules for circuits and peerings (R9–R26, R36, R52–R53, R72–R77) as config checks.
#include "msee/validate.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "msee/azure.hpp"
#include "msee/policy.hpp"

namespace msee {

namespace {

// A peering names a filter the config does not hold: the usual case is pasted `az network
// express-route show` output, which names the filter by id only. Say where to put it.
std::string missing_filter(const std::string& name) {
  return "no route filter named \"" + name + "\": paste the output of `az network route-filter "
         "show -g <group> -n " + name + "` beside the circuit as \"routeFilters\": [ ... ] (in a "
         "native config, under /routeFilters)";
}

struct Checker {
  std::vector<Finding>& out;
  void operator()(std::string path, std::string rule, std::string message) const {
    out.push_back({std::move(path), std::move(rule), std::move(message)});
  }
};

bool overlaps(const Prefix& a, const Prefix& b) { return covers(a, b) || covers(b, a); }

bool is_guid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : std::isxdigit(static_cast<unsigned char>(s[i])) == 0) {
      return false;
    }
  }
  return true;
}

struct LinkRef {
  Prefix prefix;
  std::string path;
};

void check_link(const Checker& bad, const std::optional<Prefix>& link, const std::string& path,
                bool v6, bool must_be_public, bool doc_public, std::vector<LinkRef>& links) {
  if (!link) {
    return;
  }
  if (v6 ? (!link->addr.is_v6() || link->length != 126)
         : (!link->addr.is_v4() || link->length != 30)) {
    std::string hint = " (the customer takes the first host, the MSEE the second)";
    if (link->addr.is_v6() == v6 && link->length == (v6 ? 125 : 29)) {
      // One /29 (/125) for both links, as other clouds ask: Azure wants one /30 per link.
      auto second = *link;
      second.length = v6 ? 126 : 30;
      auto first = second;
      if (v6) {
        second.addr.bytes[15] = static_cast<std::uint8_t>(second.addr.bytes[15] + 4);
      } else {
        second.addr = IpAddress::v4(second.addr.v4_value() + 4);
      }
      hint = ": each link takes its own subnet, so split the " + link->to_string() + " into " +
             first.to_string() + " (primary) and " + second.to_string() + " (secondary)";
    }
    bad(path, v6 ? "R10" : "R9",
        std::string("must be an ") + (v6 ? "IPv6 /126" : "IPv4 /30") + ", got " +
            link->to_string() + hint);
    return;
  }
  if (must_be_public && is_non_public(*link, doc_public)) {
    bad(path, "R11",
        "Microsoft peering link subnets must be public addresses you own, " +
            link->to_string() + " is not");
  }
  for (const auto& other : links) {
    if (overlaps(other.prefix, *link)) {
      bad(path, "R11",
          link->to_string() + " overlaps " + other.prefix.to_string() + " at " + other.path +
              " (every peering link needs its own subnet)");
    }
  }
  links.push_back({*link, path});
}

void check_emulation(const Checker& bad, const Emulation& e, Addressing addressing,
                     std::vector<LinkRef>& loop_links) {
  const auto& s = e.source;
  if (e.hold_time != 0 && e.hold_time < 3) {
    bad(s.at("holdTime"), "R27", "hold time must be 0 or at least 3 s (RFC 4271 §4.2)");
  }
  if (e.min_hold_time < 3 && e.min_hold_time != 0) {
    bad(s.at("minHoldTime"), "Q11", "the floor must be at least 3 s (RFC 4271) or 0");
  }
  if (e.hold_time != 0 && e.min_hold_time > e.hold_time) {
    bad(s.at("minHoldTime"), "Q11", "minHoldTime is above holdTime");
  }
  if (e.bfd_min_interval_ms < 50 || e.bfd_min_interval_ms > 10000) {
    bad(s.at("bfdMinInterval"), "R29", "BFD interval must be 50–10000 ms (MSEE: 300 or 750)");
  }
  if (e.bfd_multiplier == 0) {
    bad(s.at("bfdMultiplier"), "R29", "BFD detect multiplier must be 1–255");
  }
  if (e.max_prefix_warning_percent > 100) {
    bad(s.at("maxPrefixWarningPercent"), "Q1", "must be 0–100");
  }
  if (e.allow_as_in > 3) {
    bad(s.at("allowAsIn"), "Q13", "allowas-in must be 0–3 (the MSEE uses 2)");
  }
  if (addressing == Addressing::Loopback) {
    auto check = [&](const std::optional<Prefix>& p, const char* field) {
      if (!p) {
        bad(s.at("loopback"), "addressing",
            std::string("emulator.addressing is \"loopback\": set loopback.") + field +
                " (a 127.x.y.z/30 the sessions use instead of the Azure /30)");
        return;
      }
      static const Prefix k127 = *Prefix::parse("127.0.0.0/8");
      if (!p->addr.is_v4() || p->length != 30 || !covers(k127, *p)) {
        bad(s.at("loopback/") + field, "addressing",
            "must be a /30 inside 127.0.0.0/8, got " + p->to_string());
        return;
      }
      for (const auto& other : loop_links) {
        if (overlaps(other.prefix, *p)) {
          bad(s.at("loopback/") + field, "addressing",
              p->to_string() + " overlaps " + other.prefix.to_string() + " at " + other.path);
        }
      }
      loop_links.push_back({*p, s.at("loopback/") + field});
    };
    check(e.loopback_primary, "primaryPeerAddressPrefix");
    check(e.loopback_secondary, "secondaryPeerAddressPrefix");
  }
}

void check_microsoft_config(const Checker& bad, const MicrosoftPeeringConfig& ms, bool v6,
                            bool doc_public) {
  const auto& s = ms.source;
  if (ms.advertised_public_prefixes.empty()) {
    bad(s.at("advertisedPublicPrefixes"), "R41",
        "Microsoft peering needs at least one advertised public prefix");
  }
  for (std::size_t i = 0; i < ms.advertised_public_prefixes.size(); ++i) {
    const auto& p = ms.advertised_public_prefixes[i];
    auto path = s.at("advertisedPublicPrefixes/" + std::to_string(i));
    if (p.addr.is_v6() != v6) {
      bad(path, "R41", std::string("must be an ") + (v6 ? "IPv6" : "IPv4") + " prefix");
    } else if (is_non_public(p, doc_public)) {
      bad(path, "R41", p.to_string() + " is not a public prefix (RFC 1918 and other special "
                                       "ranges are refused on Microsoft peering)");
    }
  }
  if (ms.customer_asn != 0 && is_private_asn(ms.customer_asn)) {
    bad(s.at("customerASN"), "R21", "the Customer ASN must be a public ASN");
  }
}

}  // namespace

std::vector<Finding> validate(const EmulatorConfig& config) {
  std::vector<Finding> out;
  Checker bad{out};
  const bool doc = config.emulator.documentation_prefixes_public;
  if (config.circuits.empty()) {
    bad("/circuits", "R1", "no circuit configured");
  }
  std::vector<LinkRef> links;       // every link subnet of every circuit (R11)
  std::vector<LinkRef> loop_links;  // loopback mappings
  std::set<std::string> names;
  for (const auto& f : config.route_filters) {
    for (std::size_t i = 0; i < f.communities.size(); ++i) {
      if ((f.communities[i] >> 16) != kMicrosoftAsn) {
        bad(f.source.at("communities/" + std::to_string(i)), "R77",
            "route filter communities are Microsoft's 12076:<value> service or regional "
            "communities");
      }
    }
  }
  for (const auto& c : config.circuits) {
    const auto& cs = c.source;
    if (c.name.empty()) {
      bad(cs.at("name"), "R1", "every circuit needs a name");
    } else if (!names.insert(c.name).second) {
      bad(cs.at("name"), "R1", "circuit name \"" + c.name + "\" is used twice");
    }
    if (!c.service_key.empty() && !is_guid(c.service_key)) {
      bad(cs.at("serviceKey"), "R1", "the service key is a GUID (8-4-4-4-12 hex digits)");
    }
    static const std::set<std::uint32_t> kBandwidths = {50,   100,  200,   500,   1000,  2000,
                                                        5000, 10000, 40000, 100000, 200000,
                                                        400000};
    if (c.bandwidth_in_mbps != 0 && kBandwidths.count(c.bandwidth_in_mbps) == 0) {
      bad(cs.at("bandwidthInMbps"), "R73",
          "not an ExpressRoute bandwidth (50, 100, 200, 500 Mbps, 1, 2, 5, 10 Gbps; Direct "
          "40, 100, 200, 400 Gbps)");
    }
    std::set<PeeringType> types;
    std::map<std::uint32_t, std::string> vlans;
    for (const auto& p : c.peerings) {
      const auto& ps = p.source;
      if (!types.insert(p.peering_type).second) {
        bad(ps.at("peeringType"), "R2",
            std::string(to_string(p.peering_type)) + " is configured twice on this circuit");
      }
      bool microsoft = p.peering_type != PeeringType::AzurePrivatePeering;
      // MSEE: R12 — one VLAN per peering, unique within the circuit.
      // (0 = missing or out of range: the parser reported it already.)
      if (p.vlan_id != 0) {
        if (auto [it, fresh] = vlans.emplace(p.vlan_id, ps.at("vlanId")); !fresh) {
          bad(ps.at("vlanId"), "R12",
              "VLAN " + std::to_string(p.vlan_id) + " is already used by " + it->second +
                  " (two peerings of one circuit cannot share a VLAN)");
        }
      }
      // MSEE: R18–R21 — peer ASN.
      if (p.peer_asn == 0) {
        bad(ps.at("peerASN"), "R20", "peerASN is required");
      } else if (p.peer_asn == kMicrosoftAsn || p.peer_asn == 8074 || p.peer_asn == 8075) {
        bad(ps.at("peerASN"), "R19", "AS " + std::to_string(p.peer_asn) + " is Microsoft's");
      } else if (is_reserved_private_peering_asn(p.peer_asn)) {
        bad(ps.at("peerASN"), "R19",
            "AS " + std::to_string(p.peer_asn) +
                " is reserved by Azure (65515–65520) and cannot be the peer ASN");
      } else if (p.peer_asn == bgp::wire::kAsTrans) {
        bad(ps.at("peerASN"), "R20", "AS 23456 (AS_TRANS) cannot be a peer ASN");
      }
      if (microsoft && is_private_asn(p.peer_asn) && !is_reserved_private_peering_asn(p.peer_asn)) {
        bool validated = p.microsoft_peering_config &&
                         p.microsoft_peering_config->advertised_public_prefixes_state ==
                             PrefixesState::Configured;
        if (!validated) {
          bad(ps.at("peerASN"), "R21",
              "a private peer ASN on Microsoft peering needs validated prefixes "
              "(advertisedPublicPrefixesState \"Configured\")");
        }
      }
      // MSEE: R26 — shared key.
      if (p.shared_key.size() > 25) {
        bad(ps.at("sharedKey"), "R26",
            "the MD5 key is at most 25 characters, this one has " +
                std::to_string(p.shared_key.size()));
      } else if (!std::all_of(p.shared_key.begin(), p.shared_key.end(), [](char ch) {
                   return std::isalnum(static_cast<unsigned char>(ch)) != 0;
                 })) {
        bad(ps.at("sharedKey"), "R26", "the MD5 key may hold letters and digits only");
      }
      // MSEE: R9, R11 — IPv4 link subnets.
      if (!p.primary_peer_address_prefix) {
        bad(ps.at("primaryPeerAddressPrefix"), "R9", "required (a /30)");
      }
      if (!p.secondary_peer_address_prefix) {
        bad(ps.at("secondaryPeerAddressPrefix"), "R9", "required (a /30)");
      }
      check_link(bad, p.primary_peer_address_prefix, ps.at("primaryPeerAddressPrefix"), false,
                 microsoft, doc, links);
      check_link(bad, p.secondary_peer_address_prefix, ps.at("secondaryPeerAddressPrefix"),
                 false, microsoft, doc, links);
      if (const auto& v6 = p.ipv6_peering_config) {
        check_link(bad, v6->primary_peer_address_prefix,
                   v6->source.at("primaryPeerAddressPrefix"), true, microsoft, doc, links);
        check_link(bad, v6->secondary_peer_address_prefix,
                   v6->source.at("secondaryPeerAddressPrefix"), true, microsoft, doc, links);
        if (microsoft && v6->microsoft_peering_config) {
          check_microsoft_config(bad, *v6->microsoft_peering_config, true, doc);
        }
      }
      if (microsoft) {
        if (!p.microsoft_peering_config) {
          bad(ps.at("microsoftPeeringConfig"), "R7",
              "Microsoft peering needs microsoftPeeringConfig with advertisedPublicPrefixes");
        } else {
          check_microsoft_config(bad, *p.microsoft_peering_config, false, doc);
        }
      }
      if (p.ipv6_peering_config && !p.ipv6_peering_config->route_filter.empty() &&
          config.route_filter(p.ipv6_peering_config->route_filter) == nullptr) {
        bad(p.ipv6_peering_config->source.at("routeFilter"), "R77",
            missing_filter(p.ipv6_peering_config->route_filter));
      }
      if (!p.route_filter.empty()) {
        const auto* f = config.route_filter(p.route_filter);
        if (p.peering_type != PeeringType::MicrosoftPeering) {
          bad(ps.at("routeFilter"), "R77", "route filters attach to Microsoft peering only");
        } else if (f == nullptr) {
          bad(ps.at("routeFilter"), "R77", missing_filter(p.route_filter));
        } else if (c.sku_tier != SkuTier::Premium) {
          for (const auto& svc : service_communities()) {
            if (svc.requires_premium &&
                std::find(f->communities.begin(), f->communities.end(), svc.community) !=
                    f->communities.end()) {
              bad(ps.at("routeFilter"), "R77",
                  "route filter \"" + f->name + "\" allows " + std::string(svc.name) +
                      " (Microsoft 365), which needs a Premium circuit");
            }
          }
        }
      }
      check_emulation(bad, p.emulation, config.emulator.addressing, loop_links);
    }
  }
  // VNets (R11, R47, R53, R56), once every circuit's link subnets are known.
  for (const auto& c : config.circuits) {
    const auto& cs = c.source;
    const auto* priv = c.peering(PeeringType::AzurePrivatePeering);
    auto geo = peering_location_geo(c.peering_location);
    auto near = local_regions(c.peering_location);
    for (const auto& v : c.vnets) {
      const auto& vs = v.source;
      const auto* region = find_region(v.region);
      if (region == nullptr) {
        bad(vs.at("region"), "R57", "unknown Azure region \"" + v.region + "\"");
      } else if (c.sku_tier == SkuTier::Local && !near.empty() &&
                 std::find(near.begin(), near.end(), region->name) == near.end()) {
        bad(vs.at("region"), "R53",
            "a Local circuit at " + c.peering_location + " reaches only the region(s) near "
            "it; " + std::string(region->display_name) + " is not one of them");
      } else if (c.sku_tier != SkuTier::Premium && geo && region->geo != *geo) {
        bad(vs.at("region"), "R53",
            std::string(region->display_name) + " is outside the geopolitical region of " +
                c.peering_location + " (" + std::string(*geo) + "): that needs Premium");
      }
      if (v.bgp_community && (*v.bgp_community >> 16) != kMicrosoftAsn) {
        bad(vs.at("bgpCommunity"), "R56", "a VNet community has the form 12076:<value>");
      }
      if (v.address_prefixes.empty()) {
        bad(vs.at("addressPrefixes"), "R47", "a VNet needs at least one address prefix");
      }
      for (std::size_t i = 0; i < v.address_prefixes.size(); ++i) {
        const auto& vp = v.address_prefixes[i];
        for (const auto& link : links) {
          if (overlaps(vp, link.prefix)) {
            bad(vs.at("addressPrefixes/" + std::to_string(i)), "R11",
                vp.to_string() + " overlaps the peering link subnet " +
                    link.prefix.to_string() + " at " + link.path);
          }
        }
      }
    }
    if (!c.vnets.empty() && priv == nullptr) {
      bad(cs.at("vnets"), "R47", "VNets are linked through private peering; there is none");
    }
    }
  // Global Reach (R74).
  std::set<std::pair<std::string, std::string>> gr_pairs;
  std::vector<LinkRef> gr_blocks;
  for (const auto& c : config.circuits) {
    for (const auto& g : c.global_reach) {
      const auto& gs = g.source;
      const auto* peer = config.circuit(g.peer_circuit);
      if (peer == nullptr) {
        bad(gs.at("peerCircuit"), "R74", "no circuit named \"" + g.peer_circuit + "\"");
        continue;
      }
      if (peer == &c) {
        bad(gs.at("peerCircuit"), "R74", "a circuit cannot be linked to itself");
        continue;
      }
      auto key = std::minmax(c.name, peer->name);
      if (!gr_pairs.insert(key).second) {
        bad(gs.path, "R74", "Global Reach between " + key.first + " and " + key.second +
                                " is configured twice");
      }
      if (c.sku_tier == SkuTier::Local || peer->sku_tier == SkuTier::Local) {
        bad(gs.path, "R74", "Global Reach is not available on ExpressRoute Local circuits");
      }
      if (!c.peering_location.empty() &&
          normalise_region(c.peering_location) == normalise_region(peer->peering_location)) {
        bad(gs.path, "R74", "Global Reach links circuits at different peering locations; " +
                                c.name + " and " + peer->name + " are both at " +
                                c.peering_location);
      }
      auto ga = peering_location_geo(c.peering_location);
      auto gb = peering_location_geo(peer->peering_location);
      if (ga && gb && *ga != *gb &&
          (c.sku_tier != SkuTier::Premium || peer->sku_tier != SkuTier::Premium)) {
        bad(gs.path, "R74",
            "circuits in different geopolitical regions need Premium on both for Global Reach");
      }
      if (c.peering(PeeringType::AzurePrivatePeering) == nullptr ||
          peer->peering(PeeringType::AzurePrivatePeering) == nullptr) {
        bad(gs.path, "R74", "Global Reach links private peerings: both circuits need one");
      }
      if (g.address_prefix) {
        if (!g.address_prefix->addr.is_v4() || g.address_prefix->length != 29) {
          bad(gs.at("addressPrefix"), "R74", "Global Reach consumes an IPv4 /29");
        }
        for (const auto& other : links) {
          if (overlaps(other.prefix, *g.address_prefix)) {
            bad(gs.at("addressPrefix"), "R74",
                "the /29 overlaps the link subnet at " + other.path);
          }
        }
        for (const auto& other : gr_blocks) {
          if (overlaps(other.prefix, *g.address_prefix)) {
            bad(gs.at("addressPrefix"), "R74", "the /29 overlaps " + other.path);
          }
        }
        gr_blocks.push_back({*g.address_prefix, gs.at("addressPrefix")});
      }
    }
  }
  return out;
}

}  // namespace msee
