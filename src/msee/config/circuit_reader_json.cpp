// The shared Azure helpers of the circuit-config reader (circuit_reader_json.hpp): ARM's
// "properties" nesting, the az / ARM spellings of one field, unknown-key checks that skip
// Azure's read-only fields, prefixes and communities from strings, and references by Azure
// resource id (route filters, Global Reach peer circuits).
#include <set>

#include "msee/config/circuit_reader_json.hpp"

namespace msee::config::detail {
namespace {

// Read-only or irrelevant fields of Azure's circuit, peering and filter objects.
const std::set<std::string> kAzureIgnored = {
    "id", "etag", "type", "location", "tags", "resourceGroup", "provisioningState",
    "circuitProvisioningState", "serviceProviderProvisioningState", "serviceProviderNotes",
    "allowClassicOperations", "authorizations", "gatewayManagerEtag", "globalReachEnabled",
    "expressRoutePort", "stag", "authorizationKey", "authorizationStatus",
    "enableDirectPortRateLimit", "resiliencyLevel", "azureASN", "azureAsn",
    "primaryAzurePort", "secondaryAzurePort", "lastModifiedBy", "peeredConnections",
    "expressRouteConnection", "stats", "apiVersion", "dependsOn", "zones", "systemData",
    "advertisedCommunities", "legacyMode", "routeFilterRuleType", "access", "peerings",
    "ipv4Routes", "ipv6Routes", "circuitConnectionStatus", "expressRouteCircuitPeering",
    "authorizationKeyStatus", "rules", "bandwidthInGbps", "allowGlobalReach",
    "globalReachStatus", "extendedLocation", "identity", "kind", "managedBy", "plan",
    "$schema", "description"};

}  // namespace

CircuitReader::Obj CircuitReader::fields(const json& outer, const std::string& path) {
  if (outer.contains("properties") && outer.at("properties").is_object()) {
    return {&outer.at("properties"), path + "/properties"};
  }
  return {&outer, path};
}

// Unknown keys: neither ours nor one of Azure's read-only fields.
void CircuitReader::check_keys(const json& obj, const std::string& path,
                               std::initializer_list<const char*> known) {
  for (const auto& [key, value] : obj.items()) {
    bool ok = kAzureIgnored.count(key) != 0 || key == "properties" || key == "name";
    for (const char* k : known) {
      ok = ok || key == k;
    }
    if (!ok) {
      unknown_key(path, key, std::vector<const char*>(known));
    }
  }
}

// First of several spellings present ("peerASN" / "peerAsn").
const char* CircuitReader::spelling(const json& obj, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (obj.contains(k)) {
      return k;
    }
  }
  return *keys.begin();
}

std::optional<Prefix> CircuitReader::prefix(const json& obj, const std::string& path,
                                            const char* key, bool required) {
  if (obj.contains(key) && obj.at(key).is_null()) {
    if (required) {
      fail(path + "/" + key, "required");
    }
    return std::nullopt;
  }
  auto s = string(obj, path, key, required);
  if (!s) {
    return std::nullopt;
  }
  auto p = Prefix::parse(*s);
  if (!p) {
    fail(path + "/" + key, "'" + *s + "' is not a prefix (address/length, no host bits)");
  }
  return p;
}

std::optional<Community> CircuitReader::community(const json& obj, const std::string& path,
                                                  const char* key) {
  auto s = string(obj, path, key, false);
  if (!s) {
    return std::nullopt;
  }
  auto c = wire::parse_community(*s);
  if (!c) {
    fail(path + "/" + key, "'" + *s + "' is not a community (ASN:value)");
  }
  return c;
}


// The last segment after `marker` in an Azure resource id ("/expressRouteCircuits/ckt2/...").
std::string CircuitReader::id_segment(const std::string& id, const std::string& marker) {
  auto at = id.find(marker);
  if (at == std::string::npos) {
    auto slash = id.rfind('/');
    return slash == std::string::npos ? id : id.substr(slash + 1);
  }
  auto start = at + marker.size();
  auto end = id.find('/', start);
  return id.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// "routeFilter": "name" | {"id": ".../routeFilters/name"} | {"name": ...} | null.
std::string CircuitReader::route_filter_ref(const json& obj, const std::string& path,
                                            const char* key) {
  if (!obj.contains(key) || obj.at(key).is_null()) {
    return {};
  }
  const auto& v = obj.at(key);
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_object()) {
    if (v.contains("name") && v.at("name").is_string()) {
      return v.at("name").get<std::string>();
    }
    if (v.contains("id") && v.at("id").is_string()) {
      return id_segment(v.at("id").get<std::string>(), "/routeFilters/");
    }
  }
  fail(path + "/" + key, "must be a route filter name or {\"id\": \"...\"}");
  return {};
}

}  // namespace msee::config::detail
