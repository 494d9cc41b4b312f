// Session and advertisement plan of the emulated MSEE pairs.
#include "msee/plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "msee/policy.hpp"

namespace msee {

namespace wire = bgp::wire;

namespace {

std::string session_name(const Circuit& c, const Peering& p, LinkPath path, wire::Afi afi) {
  std::string n = c.name + "/" + std::string(to_string(p.peering_type)) + "/" +
                  std::string(to_string(path));
  if (afi == wire::Afi::Ipv6) {
    n += "/ipv6";
  }
  return n;
}

// Which catalogue regions a circuit's Microsoft peering reaches (R53).
bool in_scope(const Circuit& c, const CatalogueEntry& e) {
  if (e.region == "global" || c.sku_tier == SkuTier::Premium) {
    return true;
  }
  if (c.sku_tier == SkuTier::Local) {
    auto near = local_regions(c.peering_location);
    return std::find(near.begin(), near.end(), e.region) != near.end();
  }
  auto geo = peering_location_geo(c.peering_location);
  const auto* r = find_region(e.region);
  return geo && r != nullptr && r->geo == *geo;
}

wire::PathAttributes originated(std::vector<Asn> path, std::vector<Community> communities) {
  wire::PathAttributes a;
  a.origin = wire::Origin::Igp;  // Q8: origin IGP, no MED, no LOCAL_PREF
  a.as_path = wire::AsPath{};
  if (!path.empty()) {
    a.as_path->segments.push_back({wire::AsSegmentType::AsSequence, std::move(path)});
  }
  std::sort(communities.begin(), communities.end());
  communities.erase(std::unique(communities.begin(), communities.end()), communities.end());
  a.communities = std::move(communities);
  return a;
}

}  // namespace

std::vector<Prefix> circuit_link_prefixes(const Circuit& c) {
  std::vector<Prefix> out;
  for (const auto& p : c.peerings) {
    for (const auto& link : {p.primary_peer_address_prefix, p.secondary_peer_address_prefix}) {
      if (link) {
        out.push_back(*link);
      }
    }
    if (p.ipv6_peering_config) {
      out.push_back(p.ipv6_peering_config->primary_peer_address_prefix);
      out.push_back(p.ipv6_peering_config->secondary_peer_address_prefix);
    }
  }
  return out;
}

std::vector<Prefix> all_link_prefixes(const EmulatorConfig& config,
                                      std::optional<std::size_t> except) {
  std::vector<Prefix> out;
  for (std::size_t ci = 0; ci < config.circuits.size(); ++ci) {
    if (except != ci) {
      auto links = circuit_link_prefixes(config.circuits[ci]);
      out.insert(out.end(), links.begin(), links.end());
    }
  }
  return out;
}

bool session_enabled(const Peering& peering, wire::Afi afi) {
  bool on = peering.state == PeeringState::Enabled;
  if (afi == wire::Afi::Ipv6) {
    on = on && peering.ipv6_peering_config &&
         peering.ipv6_peering_config->state == PeeringState::Enabled;
  }
  return on;
}

std::string table_name(const SessionPlan& s) {
  return s.circuit + "/" + std::string(to_string(s.peering_type));
}

std::uint32_t dataplane_table(const DataplaneSettings& d, std::size_t circuit_index,
                              PeeringType type) {
  std::uint32_t slot = type == PeeringType::AzurePrivatePeering ? 1
                       : type == PeeringType::MicrosoftPeering  ? 2
                                                                : 3;
  return d.table_base + 10 * static_cast<std::uint32_t>(circuit_index) + slot;
}

std::uint32_t dataplane_site_table(const DataplaneSettings& d, const SessionPlan& s) {
  auto own = dataplane_table(d, s.circuit_index, s.peering_type);
  return s.export_from.empty() ? own : own + 5;
}

Plan make_plan(const EmulatorConfig& config, const std::vector<CatalogueEntry>& catalogue) {
  Plan plan;
  bool loopback = config.emulator.addressing == Addressing::Loopback;
  for (std::size_t ci = 0; ci < config.circuits.size(); ++ci) {
    const auto& c = config.circuits[ci];
    for (std::size_t pi = 0; pi < c.peerings.size(); ++pi) {
      const auto& p = c.peerings[pi];
      const auto& emu = p.emulation;
      std::map<LinkPath, wire::RouterId> ids;
      auto add = [&](LinkPath path, wire::Afi afi, const std::optional<Prefix>& azure_link,
                     const std::optional<Prefix>& bound_link, bool enabled) {
        if (!azure_link || !bound_link) {
          return;
        }
        auto azure = link_addresses(*azure_link);
        auto bound = link_addresses(*bound_link);
        if (!azure || !bound) {
          return;  // validation reported it
        }
        SessionPlan s;
        s.name = session_name(c, p, path, afi);
        s.circuit = c.name;
        s.peering_type = p.peering_type;
        s.path = path;
        s.afi = afi;
        s.enabled = enabled;
        s.msee_address = bound->msee;
        s.ce_address = bound->ce;
        s.azure_msee_address = azure->msee;
        s.azure_ce_address = azure->ce;
        // Each MSEE is its own router: the IPv4 session's address is its BGP Identifier; the
        // IPv6 session of the same MSEE reuses it.
        if (afi == wire::Afi::Ipv4) {
          ids[path] = bound->msee.v4_value();
        }
        s.router_id = ids.count(path) != 0
                          ? ids[path]
                          : (0x0a000000u | (static_cast<std::uint32_t>(ci) << 12) |
                             (static_cast<std::uint32_t>(pi) << 4) |
                             (path == LinkPath::Primary ? 1u : 2u));
        s.peer_asn = p.peer_asn;  // R13: IPv6 uses the same peer ASN
        s.md5_password = p.shared_key;
        s.hold_time = emu.hold_time;
        s.min_hold_time = emu.min_hold_time;
        s.send_hold_time = emu.send_hold_time;
        s.graceful_restart = emu.graceful_restart;
        s.bfd = emu.bfd && afi == wire::Afi::Ipv4;  // MSEE: R30
        s.bfd_interval_ms = emu.bfd_min_interval_ms;
        s.bfd_multiplier = emu.bfd_multiplier;
        s.route_limit = route_limit(c, p, afi);
        s.warning_percent = emu.max_prefix_warning_percent;
        s.restart_s = emu.max_prefix_restart_s;
        s.count_rejected = emu.count_rejected_prefixes;
        s.allow_as_in = emu.allow_as_in;
        s.personality = emu.personality;
        s.circuit_index = ci;
        s.peering_index = pi;
        plan.sessions.push_back(std::move(s));
      };
      bool enabled = session_enabled(p, wire::Afi::Ipv4);
      add(LinkPath::Primary, wire::Afi::Ipv4, p.primary_peer_address_prefix,
          loopback ? emu.loopback_primary : p.primary_peer_address_prefix, enabled);
      add(LinkPath::Secondary, wire::Afi::Ipv4, p.secondary_peer_address_prefix,
          loopback ? emu.loopback_secondary : p.secondary_peer_address_prefix, enabled);
      if (const auto& v6 = p.ipv6_peering_config) {
        if (loopback) {
          plan.notes.push_back(c.name + "/" + std::string(to_string(p.peering_type)) +
                               ": IPv6 sessions need the real /126 addresses (addressing "
                               "\"direct\" in a namespace); skipped in loopback addressing");
        } else {
          bool v6_enabled = session_enabled(p, wire::Afi::Ipv6);
          add(LinkPath::Primary, wire::Afi::Ipv6, v6->primary_peer_address_prefix,
              v6->primary_peer_address_prefix, v6_enabled);
          add(LinkPath::Secondary, wire::Afi::Ipv6, v6->secondary_peer_address_prefix,
              v6->secondary_peer_address_prefix, v6_enabled);
        }
      }
    }
  }

  auto sessions_of = [&](const std::string& circuit, PeeringType type, wire::Afi afi) {
    std::vector<std::string> names;
    for (const auto& s : plan.sessions) {
      if (s.circuit == circuit && s.peering_type == type && s.afi == afi) {
        names.push_back(s.name);
      }
    }
    return names;
  };

  // MSEE: R74 — Global Reach: each private-peering session re-advertises the linked circuit's
  // customer routes; links are symmetric and not transitive.
  std::set<std::pair<std::string, std::string>> links;
  for (const auto& c : config.circuits) {
    for (const auto& gr : c.global_reach) {
      links.insert({c.name, gr.peer_circuit});
      links.insert({gr.peer_circuit, c.name});
    }
  }
  for (auto& s : plan.sessions) {
    if (s.peering_type != PeeringType::AzurePrivatePeering) {
      continue;
    }
    for (const auto& [from, to] : links) {
      if (from == s.circuit) {
        auto names = sessions_of(to, PeeringType::AzurePrivatePeering, s.afi);
        s.export_from.insert(s.export_from.end(), names.begin(), names.end());
      }
    }
  }

  // Advertisements: one entry per (prefix, attributes); `to` collects the sessions.
  auto advertise = [&](const Prefix& prefix, wire::PathAttributes attrs,
                       const std::vector<std::string>& to, const std::string& origin) {
    if (to.empty()) {
      return;
    }
    for (auto& a : plan.advertisements) {
      if (a.prefix == prefix && a.attributes == attrs) {
        for (const auto& t : to) {
          if (std::find(a.to.begin(), a.to.end(), t) == a.to.end()) {
            a.to.push_back(t);
          }
        }
        return;
      }
    }
    plan.advertisements.push_back({prefix, std::move(attrs), to, origin});
  };

  for (const auto& c : config.circuits) {
    // MSEE: R47, R49, R56 — VNet address spaces on private peering, originated by the gateway
    // (AS 65515, removed toward the customer by remove-private-as), with the custom VNet
    // community and the regional 12076:50xxx community when a custom one is set.
    if (c.peering(PeeringType::AzurePrivatePeering) != nullptr) {
      for (const auto& v : c.vnets) {
        std::vector<Community> comms;
        if (v.bgp_community) {
          comms.push_back(*v.bgp_community);
          if (auto regional = private_regional_community(v.region)) {
            comms.push_back(*regional);
          }
        }
        for (const auto& prefix : v.address_prefixes) {
          auto to = sessions_of(c.name, PeeringType::AzurePrivatePeering, prefix.family());
          advertise(prefix, originated({kGatewayAsn}, comms), to, "vnet " + v.name);
        }
      }
    }
    // MSEE: R52, R53, R55, R77, Q4 — Microsoft peering advertises the catalogue prefixes of
    // the communities its route filter allows, scoped by SKU, and nothing before a filter is
    // attached and the customer's prefixes are validated.
    for (const auto& p : c.peerings) {
      if (p.peering_type != PeeringType::MicrosoftPeering) {
        continue;
      }
      for (auto afi : {wire::Afi::Ipv4, wire::Afi::Ipv6}) {
        // IPv6 Microsoft peering may name its own filter; else the peering's applies.
        const auto& filter_name =
            afi == wire::Afi::Ipv6 && p.ipv6_peering_config &&
                    !p.ipv6_peering_config->route_filter.empty()
                ? p.ipv6_peering_config->route_filter
                : p.route_filter;
        const auto* filter = config.route_filter(filter_name);
        if (filter == nullptr) {
          // MSEE: R52 — without a route filter Microsoft peering advertises nothing: a valid
          // config, but rarely what was meant (the sessions come up and stay empty).
          if (afi == wire::Afi::Ipv4 || p.ipv6_peering_config) {
            plan.notes.push_back(c.name + "/MicrosoftPeering: " +
                                 std::string(afi == wire::Afi::Ipv4 ? "IPv4" : "IPv6") +
                                 ": no route filter attached, so no Microsoft prefix is "
                                 "advertised (R52); attach one with \"routeFilter\"");
          }
          continue;
        }
        const MicrosoftPeeringConfig* ms = nullptr;
        if (afi == wire::Afi::Ipv4) {
          ms = p.microsoft_peering_config ? &*p.microsoft_peering_config : nullptr;
        } else if (p.ipv6_peering_config && p.ipv6_peering_config->microsoft_peering_config) {
          ms = &*p.ipv6_peering_config->microsoft_peering_config;
        }
        if (ms == nullptr || ms->advertised_public_prefixes_state != PrefixesState::Configured) {
          if (ms != nullptr) {
            plan.notes.push_back(c.name + "/MicrosoftPeering: " +
                                 std::string(afi == wire::Afi::Ipv4 ? "IPv4" : "IPv6") +
                                 " prefixes not validated (ValidationNeeded): nothing "
                                 "advertised (Q4)");
          }
          continue;
        }
        auto to = sessions_of(c.name, PeeringType::MicrosoftPeering, afi);
        for (const auto& e : catalogue) {
          bool allowed = std::any_of(e.communities.begin(), e.communities.end(), [&](Community x) {
            return std::find(filter->communities.begin(), filter->communities.end(), x) !=
                   filter->communities.end();
          });
          if (!allowed || !in_scope(c, e)) {
            continue;
          }
          for (const auto& prefix : e.prefixes) {
            if (prefix.family() == afi) {
              advertise(prefix, originated({}, e.communities), to,
                        "catalogue " + (e.service.empty() ? "Azure " + e.region
                                                          : e.service + " " + e.region));
            }
          }
        }
      }
    }
  }
  return plan;
}

}  // namespace msee
