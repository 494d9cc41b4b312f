// A circuit and its peerings as `az network express-route show` prints them (R7): az's key
// spellings (`peerAsn`, `azureAsn`, `customerAsn`), every field az prints, in az's order
// (alphabetical), with Azure's read-only values an emulated circuit has (provisioning states,
// ids, an etag that changes when the circuit does). Never the MD5 key itself.
#include <fmt/core.h>

#include "api/detail_json.hpp"

namespace msee::api::detail {

namespace {

// FNV-1a, 64 bits: the etag is a digest of what the circuit shows, so it changes exactly when
// the circuit does (a peering disabled, a reload).
std::uint64_t fnv1a(std::string_view s, std::uint64_t h) {
  for (unsigned char ch : s) {
    h = (h ^ ch) * 0x100000001b3ULL;
  }
  return h;
}

std::string etag_of(const json& shown) {
  auto text = shown.dump();
  auto a = fnv1a(text, 0xcbf29ce484222325ULL);
  auto b = fnv1a(text, a ^ 0x9e3779b97f4a7c15ULL);
  // A GUID-shaped weak etag, as ARM writes them: W/"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
  return fmt::format("W/\"{:08x}-{:04x}-{:04x}-{:04x}-{:012x}\"", a >> 32, (a >> 16) & 0xffff,
                     a & 0xffff, b >> 48, b & 0xffffffffffffULL);
}

std::string filter_id(const msee::Circuit& c, const std::string& name) {
  return "/subscriptions/" + c.subscription_id + "/resourceGroups/" + c.resource_group +
         "/providers/Microsoft.Network/routeFilters/" + name;
}

json microsoft_config(const msee::MicrosoftPeeringConfig& m) {
  json prefixes = json::array();
  for (const auto& x : m.advertised_public_prefixes) {
    prefixes.push_back(x.to_string());
  }
  return {{"advertisedCommunities", json::array()},
          {"advertisedPublicPrefixes", prefixes},
          {"advertisedPublicPrefixesState",
           std::string(msee::to_string(m.advertised_public_prefixes_state))},
          {"customerAsn", m.customer_asn},
          {"legacyMode", 0},
          {"routingRegistryName", m.routing_registry_name}};
}

// MSEE: R74 — a Global Reach link shows as a connection of the private peering.
json connections(const msee::Circuit& c, const msee::Peering& p, const std::string& peering_id) {
  json out = json::array();
  if (p.peering_type != msee::PeeringType::AzurePrivatePeering) {
    return out;
  }
  for (const auto& g : c.global_reach) {
    auto name = c.name + "-" + g.peer_circuit;
    auto peer_id = "/subscriptions/" + c.subscription_id + "/resourceGroups/" + c.resource_group +
                   "/providers/Microsoft.Network/expressRouteCircuits/" + g.peer_circuit +
                   "/peerings/AzurePrivatePeering";
    out.push_back({{"addressPrefix", g.address_prefix ? g.address_prefix->to_string() : ""},
                   {"authorizationKey", nullptr},
                   {"circuitConnectionStatus", "Connected"},
                   {"expressRouteCircuitPeering", {{"id", peering_id}}},
                   {"id", peering_id + "/connections/" + name},
                   {"ipv6CircuitConnectionConfig", nullptr},
                   {"name", name},
                   {"peerExpressRouteCircuitPeering", {{"id", peer_id}}},
                   {"provisioningState", "Succeeded"},
                   {"resourceGroup", c.resource_group},
                   {"type", "Microsoft.Network/expressRouteCircuits/peerings/connections"}});
  }
  return out;
}

json peering_view(const msee::Circuit& c, const msee::Peering& p) {
  auto name = std::string(msee::to_string(p.peering_type));
  auto id = c.resource_id() + "/peerings/" + name;
  json v6 = nullptr;
  if (p.ipv6_peering_config) {
    const auto& six = *p.ipv6_peering_config;
    v6 = {{"microsoftPeeringConfig",
           six.microsoft_peering_config ? microsoft_config(*six.microsoft_peering_config)
                                        : json(nullptr)},
          {"primaryPeerAddressPrefix", six.primary_peer_address_prefix.to_string()},
          {"routeFilter", six.route_filter.empty() ? json(nullptr)
                                                   : json{{"id", filter_id(c, six.route_filter)}}},
          {"secondaryPeerAddressPrefix", six.secondary_peer_address_prefix.to_string()},
          {"state", std::string(msee::to_string(six.state))}};
  }
  auto prefix = [](const std::optional<msee::Prefix>& x) { return x ? x->to_string() : ""; };
  return {{"azureAsn", msee::kMicrosoftAsn},
          {"connections", connections(c, p, id)},
          {"etag", ""},  // the circuit's, filled in below
          {"expressRouteConnection", nullptr},
          {"gatewayManagerEtag", ""},
          {"id", id},
          {"ipv6PeeringConfig", v6},
          {"lastModifiedBy", "Customer"},
          {"microsoftPeeringConfig", p.microsoft_peering_config
                                         ? microsoft_config(*p.microsoft_peering_config)
                                         : json(nullptr)},
          {"name", name},
          {"peerAsn", p.peer_asn},
          {"peeredConnections", json::array()},
          {"peeringType", name},
          {"primaryAzurePort", p.primary_azure_port},
          {"primaryPeerAddressPrefix", prefix(p.primary_peer_address_prefix)},
          {"provisioningState", "Succeeded"},
          {"resourceGroup", c.resource_group},
          {"routeFilter", p.route_filter.empty() ? json(nullptr)
                                                 : json{{"id", filter_id(c, p.route_filter)}}},
          {"secondaryAzurePort", p.secondary_azure_port},
          {"secondaryPeerAddressPrefix", prefix(p.secondary_peer_address_prefix)},
          // The key is never shown: null as az shows a peering without one, a mask otherwise.
          {"sharedKey", p.shared_key.empty() ? json(nullptr) : json("********")},
          {"state", std::string(msee::to_string(p.state))},
          {"stats", nullptr},
          {"type", "Microsoft.Network/expressRouteCircuits/peerings"},
          {"vlanId", p.vlan_id}};
}

}  // namespace

json circuit_view(const msee::Circuit& c, std::size_t index) {
  json peerings = json::array();
  for (const auto& p : c.peerings) {
    peerings.push_back(peering_view(c, p));
  }
  json v{{"allowClassicOperations", false},
         {"authorizations", json::array()},
         {"bandwidthInGbps", nullptr},
         {"circuitProvisioningState", "Enabled"},
         {"etag", ""},
         {"expressRoutePort", nullptr},
         {"gatewayManagerEtag", ""},
         {"globalReachEnabled", !c.global_reach.empty()},
         {"id", c.resource_id()},
         {"location", c.location},
         {"name", c.name},
         {"peerings", std::move(peerings)},
         {"provisioningState", "Succeeded"},
         {"resourceGroup", c.resource_group},
         {"serviceKey", c.service_key},
         {"serviceProviderNotes", nullptr},
         {"serviceProviderProperties",
          {{"bandwidthInMbps", c.bandwidth_in_mbps},
           {"peeringLocation", c.peering_location},
           {"serviceProviderName", c.service_provider_name}}},
         {"serviceProviderProvisioningState", "Provisioned"},
         {"sku",
          {{"family", std::string(msee::to_string(c.sku_family))},
           {"name", fmt::format("{}_{}", msee::to_string(c.sku_tier), msee::to_string(c.sku_family))},
           {"tier", std::string(msee::to_string(c.sku_tier))}}},
         // Azure assigns each circuit an S-tag; an emulated one without a pasted value gets its
         // position in the config, counted from 1.
         {"stag", c.stag.value_or(static_cast<std::uint32_t>(index + 1))},
         {"tags", json::object()},
         {"type", "Microsoft.Network/expressRouteCircuits"}};
  auto etag = etag_of(v);
  v["etag"] = etag;
  for (auto& p : v["peerings"]) {
    p["etag"] = etag;
  }
  return v;
}

}  // namespace msee::api::detail
