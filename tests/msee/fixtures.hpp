// Shared fixtures of the ExpressRoute unit tests (tests/msee, tests/app circuit and emulator
// configs): prefix/address/community literals, the reference circuits and peerings the cases
// start from, an EmulatorConfig with the JSON paths the native parser would give, and dumps of
// validator findings and config errors for INFO().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "util/config_error.hpp"
#include "msee/azure.hpp"
#include "msee/circuit.hpp"
#include "msee/plan.hpp"
#include "msee/validate.hpp"

namespace msee::test {

inline bgp::wire::Prefix pfx(const char* s) { return *bgp::wire::Prefix::parse(s); }
inline bgp::wire::IpAddress ip(const char* s) { return *bgp::wire::IpAddress::parse(s); }
inline bgp::wire::Community comm(std::uint16_t asn, std::uint16_t value) {
  return (bgp::wire::Community{asn} << 16) | value;
}

// Private peering of ASN 65001 on VLAN 100 over the worked example 192.168.100.128/29, split
// into a lower (primary) and upper (secondary) /30 (R9); no shared key.
inline msee::Peering private_peering(const char* primary = "192.168.100.128/30",
                                   const char* secondary = "192.168.100.132/30",
                                   std::uint32_t vlan = 100, bgp::wire::Asn asn = 65001) {
  msee::Peering p;
  p.peering_type = msee::PeeringType::AzurePrivatePeering;
  p.peer_asn = asn;
  p.primary_peer_address_prefix = pfx(primary);
  p.secondary_peer_address_prefix = pfx(secondary);
  p.vlan_id = vlan;
  return p;
}

inline msee::Ipv6PeeringConfig v6_links(const char* primary, const char* secondary) {
  msee::Ipv6PeeringConfig v6;
  v6.primary_peer_address_prefix = pfx(primary);
  v6.secondary_peer_address_prefix = pfx(secondary);
  return v6;
}

// Microsoft peering of ASN 12345 on VLAN 300 over 203.0.113.0/30 and .4/30, declaring the
// documentation range 198.51.100.0/24 in `state`; IPv4 only.
inline msee::Peering microsoft_peering_ipv4(msee::PrefixesState state = msee::PrefixesState::Configured) {
  msee::Peering p;
  p.peering_type = msee::PeeringType::MicrosoftPeering;
  p.peer_asn = 12345;
  p.primary_peer_address_prefix = pfx("203.0.113.0/30");
  p.secondary_peer_address_prefix = pfx("203.0.113.4/30");
  p.vlan_id = 300;
  msee::MicrosoftPeeringConfig ms;
  ms.advertised_public_prefixes = {pfx("198.51.100.0/24")};
  ms.advertised_public_prefixes_state = state;
  p.microsoft_peering_config = ms;
  return p;
}

// The same Microsoft peering dual-stack: IPv6 links 2001:db8:300::/126 and ::4/126 declaring
// 2001:db8:3000::/48, also in `state`.
inline msee::Peering microsoft_peering(msee::PrefixesState state = msee::PrefixesState::Configured) {
  auto p = microsoft_peering_ipv4(state);
  auto v6 = v6_links("2001:db8:300::/126", "2001:db8:300::4/126");
  msee::MicrosoftPeeringConfig ms6;
  ms6.advertised_public_prefixes = {pfx("2001:db8:3000::/48")};
  ms6.advertised_public_prefixes_state = state;
  v6.microsoft_peering_config = ms6;
  p.ipv6_peering_config = v6;
  return p;
}

// A circuit with only what the planner and the route limits read, and no peering yet.
inline msee::Circuit circuit(const char* name, msee::SkuTier tier = msee::SkuTier::Standard,
                           const char* location = "Amsterdam") {
  msee::Circuit c;
  c.name = name;
  c.sku_tier = tier;
  c.peering_location = location;
  return c;
}

// A circuit the validator accepts as it is: service key, 1 Gbps and private peering.
inline msee::Circuit valid_circuit(const char* name, const char* location = "Amsterdam",
                                 msee::SkuTier tier = msee::SkuTier::Standard) {
  auto c = circuit(name, tier, location);
  c.service_key = "00000000-0000-4000-8000-000000000001";
  c.bandwidth_in_mbps = 1000;
  c.peerings.push_back(private_peering());
  return c;
}

inline msee::VnetLink vnet(const char* name, const char* region, std::vector<const char*> prefixes) {
  msee::VnetLink v;
  v.name = name;
  v.region = msee::normalise_region(region);
  for (auto* p : prefixes) {
    v.address_prefixes.push_back(pfx(p));
  }
  return v;
}

// Gives every object the JSON path the native parser would give it, so that findings can be
// asserted by path.
inline void number(msee::EmulatorConfig& cfg) {
  for (std::size_t f = 0; f < cfg.route_filters.size(); ++f) {
    cfg.route_filters[f].source.path = "/routeFilters/" + std::to_string(f);
  }
  for (std::size_t ci = 0; ci < cfg.circuits.size(); ++ci) {
    auto& c = cfg.circuits[ci];
    c.source.path = "/circuits/" + std::to_string(ci);
    for (std::size_t pi = 0; pi < c.peerings.size(); ++pi) {
      auto& p = c.peerings[pi];
      p.source.path = c.source.at("peerings/" + std::to_string(pi));
      p.emulation.source.path = p.source.at("emulation");
      if (p.microsoft_peering_config) {
        p.microsoft_peering_config->source.path = p.source.at("microsoftPeeringConfig");
      }
      if (p.ipv6_peering_config) {
        auto& v6 = *p.ipv6_peering_config;
        v6.source.path = p.source.at("ipv6PeeringConfig");
        if (v6.microsoft_peering_config) {
          v6.microsoft_peering_config->source.path = v6.source.at("microsoftPeeringConfig");
        }
      }
    }
    for (std::size_t vi = 0; vi < c.vnets.size(); ++vi) {
      c.vnets[vi].source.path = c.source.at("vnets/" + std::to_string(vi));
    }
    for (std::size_t gi = 0; gi < c.global_reach.size(); ++gi) {
      c.global_reach[gi].source.path = c.source.at("globalReach/" + std::to_string(gi));
    }
  }
}

// The lab switch documentation_prefixes_public is on so that the documentation ranges used
// above count as public (only the validator reads it; the planner reads neither it nor paths).
inline msee::EmulatorConfig config(std::vector<msee::Circuit> circuits,
                                 std::vector<msee::RouteFilter> filters = {}) {
  msee::EmulatorConfig cfg;
  cfg.emulator.documentation_prefixes_public = true;
  cfg.circuits = std::move(circuits);
  cfg.route_filters = std::move(filters);
  number(cfg);
  return cfg;
}

inline const msee::SessionPlan* session(const msee::Plan& plan, const std::string& name) {
  for (const auto& s : plan.sessions) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

inline std::string dump(const std::vector<msee::Finding>& findings) {
  std::string out;
  for (const auto& f : findings) {
    out += f.path + " [" + f.rule + "] " + f.message + "\n";
  }
  return out;
}

inline std::string dump(const std::vector<util::ConfigError>& errs) {
  std::string out;
  for (const auto& e : errs) {
    out += e.path + ": " + e.reason + "\n";
  }
  return out;
}

inline bool has_error(const std::vector<util::ConfigError>& errs, const std::string& path,
                      const std::string& fragment) {
  for (const auto& e : errs) {
    if (e.path == path && e.reason.find(fragment) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace msee::test
