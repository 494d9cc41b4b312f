// msee::Plan → JSON for `msee-emu --plan FILE`: what the emulator would run for a config — every
// MSEE session with its link addresses, VLAN, peer ASN, MD5 key, timers, BFD and route limit,
// and every prefix the MSEEs advertise. The lab launcher (msee-ctl lab up) builds namespaces,
// interfaces and the CE's configuration from it, so it never parses Azure's JSON shapes again.
#include <nlohmann/json.hpp>

#include "msee/config/config.hpp"
#include "msee/plan.hpp"

namespace msee::config {

using nlohmann::json;

namespace {

std::string router_id_text(bgp::wire::RouterId id) {
  return std::to_string(id >> 24) + "." + std::to_string((id >> 16) & 0xff) + "." +
         std::to_string((id >> 8) & 0xff) + "." + std::to_string(id & 0xff);
}

// The public prefixes the CE may announce on a Microsoft-peering session (R41), per family.
json advertised_public_prefixes(const msee::Peering& p, bgp::wire::Afi afi) {
  const msee::MicrosoftPeeringConfig* ms = nullptr;
  if (afi == bgp::wire::Afi::Ipv4) {
    ms = p.microsoft_peering_config ? &*p.microsoft_peering_config : nullptr;
  } else if (p.ipv6_peering_config && p.ipv6_peering_config->microsoft_peering_config) {
    ms = &*p.ipv6_peering_config->microsoft_peering_config;
  }
  json out = json::array();
  if (ms != nullptr) {
    for (const auto& pfx : ms->advertised_public_prefixes) {
      out.push_back(pfx.to_string());
    }
  }
  return out;
}

}  // namespace

std::string plan_to_json(const msee::EmulatorConfig& config, const msee::Plan& plan) {
  json sessions = json::array();
  for (const auto& s : plan.sessions) {
    const auto& circuit = config.circuits.at(s.circuit_index);
    const auto& peering = circuit.peerings.at(s.peering_index);
    bool v4 = s.afi == bgp::wire::Afi::Ipv4;
    json j{{"name", s.name},
           {"circuit", s.circuit},
           {"circuitIndex", s.circuit_index},
           {"peeringType", std::string(msee::to_string(s.peering_type))},
           {"path", std::string(msee::to_string(s.path))},
           {"family", v4 ? "ipv4" : "ipv6"},
           {"enabled", s.enabled},
           {"mseeAddress", s.msee_address.to_string()},
           {"ceAddress", s.ce_address.to_string()},
           {"azureMseeAddress", s.azure_msee_address.to_string()},
           {"azureCeAddress", s.azure_ce_address.to_string()},
           // MSEE: R9, R10 — a /30 per link for IPv4, a /126 for IPv6.
           {"linkPrefixLength", v4 ? 30 : 126},
           {"vlanId", peering.vlan_id},
           {"mseeASN", msee::kMicrosoftAsn},
           {"peerASN", s.peer_asn},
           {"sharedKey", s.md5_password},
           {"holdTime", s.hold_time},
           {"bfd", s.bfd},
           {"bfdIntervalMs", s.bfd_interval_ms},
           {"bfdMultiplier", s.bfd_multiplier},
           {"routeLimit", s.route_limit},
           {"maxPrefixRestartSeconds", s.restart_s},
           {"routerId", router_id_text(s.router_id)},
           {"advertisedPublicPrefixes", advertised_public_prefixes(peering, s.afi)},
           {"bandwidthInMbps", circuit.bandwidth_in_mbps},
           // The kernel routing table of the data plane (issue #13), used or not.
           {"table", msee::dataplane_table(config.emulator.dataplane, s.circuit_index,
                                           s.peering_type)},
           // What the CE's side looks up: with Global Reach, the own and the linked site's
           // routes; the Azure side keeps "table" (R74).
           {"siteTable", msee::dataplane_site_table(config.emulator.dataplane, s)}};
    sessions.push_back(std::move(j));
  }
  json ads = json::array();
  for (const auto& a : plan.advertisements) {
    ads.push_back({{"prefix", a.prefix.to_string()}, {"to", a.to}, {"origin", a.origin}});
  }
  json out{{"addressing",
            config.emulator.addressing == msee::Addressing::Direct ? "direct" : "loopback"},
           {"bgpPort", config.emulator.bgp_port},
           {"dataplane", config.emulator.dataplane.enabled},
           {"sessions", std::move(sessions)},
           {"advertisements", std::move(ads)},
           {"notes", plan.notes}};
  return out.dump(2) + "\n";
}

}  // namespace msee::config
