// Peerings of a circuit (circuit_reader_json.hpp): Azure private, Microsoft and (legacy) public
// peering (R7) in the native, az and ARM shapes, with their IPv6 and Microsoft-peering configs,
// the az "connections" that carry Global Reach (R74), and our own "emulation" knobs beside
// Azure's fields, which override the MSEE defaults: timers (R27), BFD (R28-R29), personality
// (R33), route limits and their restart cycle (R36-R37).
#include "msee/config/circuit_reader_json.hpp"

namespace msee::config::detail {

std::optional<MicrosoftPeeringConfig> CircuitReader::microsoft_config(const json& obj,
                                                                      const std::string& path) {
  if (!obj.contains("microsoftPeeringConfig") || obj.at("microsoftPeeringConfig").is_null()) {
    return std::nullopt;
  }
  auto mpath = path + "/microsoftPeeringConfig";
  const auto& m = obj.at("microsoftPeeringConfig");
  if (!is_object(m, mpath)) {
    return std::nullopt;
  }
  check_keys(m, mpath,
             {"advertisedPublicPrefixes", "advertisedPublicPrefixesState", "customerASN",
              "customerAsn", "routingRegistryName"});
  MicrosoftPeeringConfig ms;
  ms.source.path = mpath;
  ms.advertised_public_prefixes = string_list<Prefix>(
      m, mpath, "advertisedPublicPrefixes",
      [](const std::string& s) { return Prefix::parse(s); }, "prefix");
  ms.advertised_public_prefixes_state =
      enumerated<PrefixesState>(m, mpath, "advertisedPublicPrefixesState",
                                {{"NotConfigured", PrefixesState::NotConfigured},
                                 {"ValidationNeeded", PrefixesState::ValidationNeeded},
                                 {"Configured", PrefixesState::Configured}})
          .value_or(PrefixesState::Configured);
  ms.customer_asn = integer<Asn>(m, mpath, spelling(m, {"customerASN", "customerAsn"}), 0,
                                 4294967295u, false)
                        .value_or(0);
  ms.routing_registry_name = string(m, mpath, "routingRegistryName", false).value_or("");
  return ms;
}

Emulation CircuitReader::emulation(const json& obj, const std::string& path) {
  Emulation e;
  e.source.path = path + "/emulation";
  if (!obj.contains("emulation")) {
    return e;
  }
  const auto& m = obj.at("emulation");
  const auto& p = e.source.path;
  if (!is_object(m, p)) {
    return e;
  }
  only_keys(m, p,
            {"bfd", "bfdMinInterval", "bfdMultiplier", "holdTime", "minHoldTime", "sendHoldTime",
             "gracefulRestart",
             "maxPrefixRestartSeconds", "maxPrefixWarningPercent", "countRejectedPrefixes",
             "maxPrefixes", "allowAsIn", "customerCommunities", "personality", "loopback"});
  e.bfd = boolean(m, p, "bfd").value_or(e.bfd);
  e.bfd_min_interval_ms = integer<std::uint32_t>(m, p, "bfdMinInterval", 0, 100000, false)
                              .value_or(e.bfd_min_interval_ms);
  e.bfd_multiplier =
      integer<std::uint8_t>(m, p, "bfdMultiplier", 0, 255, false).value_or(e.bfd_multiplier);
  e.hold_time = integer<std::uint16_t>(m, p, "holdTime", 0, 65535, false).value_or(e.hold_time);
  e.min_hold_time =
      integer<std::uint16_t>(m, p, "minHoldTime", 0, 65535, false).value_or(e.min_hold_time);
  e.send_hold_time =
      integer<std::uint32_t>(m, p, "sendHoldTime", 0, 65535, false).value_or(e.send_hold_time);
  e.graceful_restart = integer<std::uint16_t>(m, p, "gracefulRestart", 1, 4095, false);
  e.max_prefix_restart_s = integer<std::uint32_t>(m, p, "maxPrefixRestartSeconds", 1, 86400,
                                                  false)
                               .value_or(e.max_prefix_restart_s);
  e.max_prefix_warning_percent =
      integer<std::uint8_t>(m, p, "maxPrefixWarningPercent", 0, 255, false)
          .value_or(e.max_prefix_warning_percent);
  e.count_rejected_prefixes =
      boolean(m, p, "countRejectedPrefixes").value_or(e.count_rejected_prefixes);
  if (m.contains("maxPrefixes") && is_object(m.at("maxPrefixes"), p + "/maxPrefixes")) {
    const auto& mp = m.at("maxPrefixes");
    only_keys(mp, p + "/maxPrefixes", {"ipv4", "ipv6"});
    e.max_prefixes_v4 = integer<std::uint32_t>(mp, p + "/maxPrefixes", "ipv4", 1,
                                               4294967295u, false);
    e.max_prefixes_v6 = integer<std::uint32_t>(mp, p + "/maxPrefixes", "ipv6", 1,
                                               4294967295u, false);
  }
  e.allow_as_in = integer<std::uint8_t>(m, p, "allowAsIn", 0, 255, false).value_or(e.allow_as_in);
  if (auto cc = enumerated<bool>(m, p, "customerCommunities",
                                 {{"strip", true}, {"passThrough", false}})) {
    e.strip_customer_communities = *cc;
  }
  e.personality = enumerated<Personality>(m, p, "personality",
                                          {{"cisco", Personality::Cisco},
                                           {"juniper", Personality::Juniper}})
                      .value_or(e.personality);
  if (m.contains("loopback") && is_object(m.at("loopback"), p + "/loopback")) {
    const auto& l = m.at("loopback");
    only_keys(l, p + "/loopback", {"primaryPeerAddressPrefix", "secondaryPeerAddressPrefix"});
    e.loopback_primary = prefix(l, p + "/loopback", "primaryPeerAddressPrefix", true);
    e.loopback_secondary = prefix(l, p + "/loopback", "secondaryPeerAddressPrefix", true);
  }
  return e;
}

// Global Reach as az shows it on the private peering: "connections" with the peer peering id.
void CircuitReader::connections(const json& obj, const std::string& path, Circuit& c) {
  if (!obj.contains("connections") || !obj.at("connections").is_array()) {
    return;
  }
  const auto& arr = obj.at("connections");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto cpath = path + "/connections/" + std::to_string(i);
    if (!is_object(arr[i], cpath)) {
      continue;
    }
    auto f = fields(arr[i], cpath);
    GlobalReachLink g;
    g.source.path = cpath;
    const auto& o = *f.j;
    if (o.contains("peerExpressRouteCircuitPeering") &&
        o.at("peerExpressRouteCircuitPeering").contains("id")) {
      g.peer_circuit = id_segment(
          o.at("peerExpressRouteCircuitPeering").at("id").get<std::string>(),
          "/expressRouteCircuits/");
    } else {
      fail(f.path + "/peerExpressRouteCircuitPeering", "required (with the peer's id)");
      continue;
    }
    g.address_prefix = prefix(o, f.path, "addressPrefix", false);
    c.global_reach.push_back(std::move(g));
  }
}

Peering CircuitReader::peering(const json& outer, const std::string& opath, Circuit& c) {
  auto [obj, path] = fields(outer, opath);
  const auto& o = *obj;
  check_keys(o, path,
             {"peeringType", "state", "peerASN", "peerAsn", "primaryPeerAddressPrefix",
              "secondaryPeerAddressPrefix", "vlanId", "sharedKey", "ipv6PeeringConfig",
              "microsoftPeeringConfig", "routeFilter", "emulation", "connections",
              "primaryAzurePort", "secondaryAzurePort"});
  Peering p;
  p.source.path = path;
  auto type = enumerated<PeeringType>(
      o, path, "peeringType",
      {{"AzurePrivatePeering", PeeringType::AzurePrivatePeering},
       {"MicrosoftPeering", PeeringType::MicrosoftPeering},
       {"AzurePublicPeering", PeeringType::AzurePublicPeering}});
  if (!type && outer.contains("name") && outer.at("name").is_string()) {
    // ARM child resources are named "<circuit>/<peeringType>"; az names the peering by type.
    auto n = outer.at("name").get<std::string>();
    n = n.substr(n.rfind('/') == std::string::npos ? 0 : n.rfind('/') + 1);
    for (auto t : {PeeringType::AzurePrivatePeering, PeeringType::MicrosoftPeering,
                   PeeringType::AzurePublicPeering}) {
      if (n == to_string(t)) {
        type = t;
      }
    }
  }
  if (!type) {
    if (!o.contains("peeringType")) {
      fail(path + "/peeringType", "required");
    }
  } else {
    p.peering_type = *type;
  }
  p.state = enumerated<PeeringState>(o, path, "state",
                                     {{"Enabled", PeeringState::Enabled},
                                      {"Disabled", PeeringState::Disabled}})
                .value_or(PeeringState::Enabled);
  p.peer_asn =
      integer<Asn>(o, path, spelling(o, {"peerASN", "peerAsn"}), 1, 4294967295u, true)
          .value_or(0);
  p.primary_peer_address_prefix = prefix(o, path, "primaryPeerAddressPrefix", true);
  p.secondary_peer_address_prefix = prefix(o, path, "secondaryPeerAddressPrefix", true);
  p.vlan_id = integer<std::uint32_t>(o, path, "vlanId", 1, 4094, true).value_or(0);
  for (auto [key, port] : {std::pair{"primaryAzurePort", &p.primary_azure_port},
                           std::pair{"secondaryAzurePort", &p.secondary_azure_port}}) {
    if (o.contains(key) && !o.at(key).is_null()) {
      *port = string(o, path, key, false).value_or("");
    }
  }
  if (o.contains("sharedKey") && !o.at("sharedKey").is_null()) {
    p.shared_key = string(o, path, "sharedKey", false).value_or("");
  }
  p.microsoft_peering_config = microsoft_config(o, path);
  p.route_filter = route_filter_ref(o, path, "routeFilter");
  if (o.contains("ipv6PeeringConfig") && !o.at("ipv6PeeringConfig").is_null()) {
    auto vpath = path + "/ipv6PeeringConfig";
    const auto& v = o.at("ipv6PeeringConfig");
    if (is_object(v, vpath)) {
      check_keys(v, vpath,
                 {"primaryPeerAddressPrefix", "secondaryPeerAddressPrefix", "state",
                  "microsoftPeeringConfig", "routeFilter"});
      Ipv6PeeringConfig v6;
      v6.source.path = vpath;
      v6.primary_peer_address_prefix =
          prefix(v, vpath, "primaryPeerAddressPrefix", true).value_or(Prefix{});
      v6.secondary_peer_address_prefix =
          prefix(v, vpath, "secondaryPeerAddressPrefix", true).value_or(Prefix{});
      v6.state = enumerated<PeeringState>(v, vpath, "state",
                                          {{"Enabled", PeeringState::Enabled},
                                           {"Disabled", PeeringState::Disabled}})
                     .value_or(PeeringState::Enabled);
      v6.microsoft_peering_config = microsoft_config(v, vpath);
      v6.route_filter = route_filter_ref(v, vpath, "routeFilter");
      p.ipv6_peering_config = std::move(v6);
    }
  }
  // The outer object may hold our knobs next to "properties" (ARM resource + emulation).
  p.emulation = emulation(o.contains("emulation") ? o : outer,
                          o.contains("emulation") ? path : opath);
  connections(o, path, c);
  return p;
}

}  // namespace msee::config::detail
