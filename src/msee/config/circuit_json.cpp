// JSON → msee::EmulatorConfig: the native format, az CLI output and raw ARM JSON. ARM nests a
// resource's fields under "properties"; az flattens them and writes "peerAsn" where ARM writes
// "peerASN". Both shapes are read by the same code: an object's fields are looked up in its
// "properties" when it has one, and both spellings are accepted. Azure's read-only fields
// (ids, etags, provisioning states ...) are ignored; any other unknown key is an error so a
// typo never falls back to a default silently.
#include <fstream>
#include <set>
#include <sstream>

#include "msee/config/config.hpp"
#include "util/json_reader_json.hpp"
#include "msee/validate.hpp"

namespace msee::config {
using util::ConfigError;
namespace {

using nlohmann::json;
namespace wire = bgp::wire;

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

class Parser : public util::JsonReader {
 public:
  // An Azure object: its own fields, or those under "properties" (ARM).
  struct Obj {
    const json* j = nullptr;
    std::string path;
  };
  Obj fields(const json& outer, const std::string& path) {
    if (outer.contains("properties") && outer.at("properties").is_object()) {
      return {&outer.at("properties"), path + "/properties"};
    }
    return {&outer, path};
  }

  // Unknown keys: neither ours nor one of Azure's read-only fields.
  void check_keys(const json& obj, const std::string& path,
                  std::initializer_list<const char*> known) {
    for (const auto& [key, value] : obj.items()) {
      bool ok = kAzureIgnored.count(key) != 0 || key == "properties" || key == "name";
      for (const char* k : known) {
        ok = ok || key == k;
      }
      if (!ok) {
        fail(path + "/" + key, "unknown key");
      }
    }
  }

  // First of several spellings present ("peerASN" / "peerAsn").
  const char* spelling(const json& obj, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
      if (obj.contains(k)) {
        return k;
      }
    }
    return *keys.begin();
  }

  std::optional<Prefix> prefix(const json& obj, const std::string& path, const char* key,
                               bool required) {
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

  std::optional<Community> community(const json& obj, const std::string& path,
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

  template <class Enum>
  std::optional<Enum> enumerated(const json& obj, const std::string& path, const char* key,
                                 std::initializer_list<std::pair<const char*, Enum>> values) {
    auto s = string(obj, path, key, false);
    if (!s) {
      return std::nullopt;
    }
    std::string allowed;
    for (const auto& [name, v] : values) {
      if (*s == name) {
        return v;
      }
      allowed += allowed.empty() ? "" : ", ";
      allowed += name;
    }
    fail(path + "/" + key, "'" + *s + "' is not one of " + allowed);
    return std::nullopt;
  }

  // The last segment after `marker` in an Azure resource id ("/expressRouteCircuits/ckt2/...").
  static std::string id_segment(const std::string& id, const std::string& marker) {
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
  std::string route_filter_ref(const json& obj, const std::string& path, const char* key) {
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

  std::optional<MicrosoftPeeringConfig> microsoft_config(const json& obj,
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

  Emulation emulation(const json& obj, const std::string& path) {
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
              {"bfd", "bfdMinInterval", "bfdMultiplier", "holdTime", "minHoldTime",
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
  void connections(const json& obj, const std::string& path, Circuit& c) {
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

  Peering peering(const json& outer, const std::string& opath, Circuit& c) {
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

  void vnets(const json& o, const std::string& path, Circuit& c) {
    if (!o.contains("vnets")) {
      return;
    }
    if (!o.at("vnets").is_array()) {
      fail(path + "/vnets", "must be an array");
      return;
    }
    const auto& arr = o.at("vnets");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      auto opath = path + "/vnets/" + std::to_string(i);
      if (!is_object(arr[i], opath)) {
        continue;
      }
      // Native {"name","region","addressPrefixes","bgpCommunity"} or az's VNet object
      // ("location", "addressSpace": {"addressPrefixes"}, "bgpCommunities").
      auto [obj, vpath] = fields(arr[i], opath);
      const auto& v = *obj;
      for (const auto& [key, value] : v.items()) {
        static const std::set<std::string> known = {
            "name", "region", "location", "addressPrefixes", "addressSpace", "bgpCommunity",
            "bgpCommunities", "id", "etag", "type", "tags", "resourceGroup",
            "provisioningState", "subnets", "virtualNetworkPeerings", "resourceGuid",
            "enableDdosProtection", "dhcpOptions", "privateEndpointVNetPolicies", "location",
            "enableVmProtection", "flowTimeoutInMinutes", "ipAllocations", "encryption"};
        if (known.count(key) == 0) {
          fail(vpath + "/" + key, "unknown key");
        }
      }
      VnetLink l;
      l.source.path = vpath;
      const json& named = arr[i].contains("name") ? arr[i] : v;
      l.name = string(named, opath, "name", true).value_or("");
      const json& located = v.contains("region") || v.contains("location") ? v : arr[i];
      l.region = normalise_region(
          string(located, vpath, spelling(located, {"region", "location"}), true).value_or(""));
      if (v.contains("addressSpace") && v.at("addressSpace").is_object()) {
        l.address_prefixes = string_list<Prefix>(
            v.at("addressSpace"), vpath + "/addressSpace", "addressPrefixes",
            [](const std::string& s) { return Prefix::parse(s); }, "prefix");
      } else {
        l.address_prefixes = string_list<Prefix>(
            v, vpath, "addressPrefixes", [](const std::string& s) { return Prefix::parse(s); },
            "prefix");
      }
      if (v.contains("bgpCommunities") && v.at("bgpCommunities").is_object()) {
        l.bgp_community =
            community(v.at("bgpCommunities"), vpath + "/bgpCommunities", "virtualNetworkCommunity");
      } else {
        l.bgp_community = community(v, vpath, "bgpCommunity");
      }
      c.vnets.push_back(std::move(l));
    }
  }

  Circuit circuit(const json& outer, const std::string& opath) {
    Circuit c;
    auto [obj, path] = fields(outer, opath);
    const auto& o = *obj;
    c.source.path = path;
    check_keys(o, path,
               {"serviceKey", "sku", "serviceProviderProperties", "bandwidthInMbps",
                "peeringLocation", "serviceProviderName", "peerings", "vnets", "globalReach",
                "description"});
    if (o != outer) {
      check_keys(outer, opath, {"sku", "properties", "vnets", "globalReach"});
    }
    const json& named = outer.contains("name") ? outer : o;
    c.name = string(named, opath, "name", true).value_or("");
    c.service_key = string(o, path, "serviceKey", false).value_or("");
    const json& with_sku = o.contains("sku") ? o : outer;
    if (with_sku.contains("sku")) {
      auto spath = (o.contains("sku") ? path : opath) + "/sku";
      const auto& s = with_sku.at("sku");
      if (is_object(s, spath)) {
        only_keys(s, spath, {"name", "tier", "family"});
        c.sku_tier = enumerated<SkuTier>(s, spath, "tier",
                                         {{"Local", SkuTier::Local},
                                          {"Standard", SkuTier::Standard},
                                          {"Premium", SkuTier::Premium}})
                         .value_or(SkuTier::Standard);
        c.sku_family = enumerated<SkuFamily>(s, spath, "family",
                                             {{"MeteredData", SkuFamily::MeteredData},
                                              {"UnlimitedData", SkuFamily::UnlimitedData}})
                           .value_or(SkuFamily::MeteredData);
      }
    }
    // az/ARM keep bandwidth and location under serviceProviderProperties; Direct circuits and
    // our native format have them at the top.
    const json* sp = &o;
    std::string sppath = path;
    if (o.contains("serviceProviderProperties") && o.at("serviceProviderProperties").is_object()) {
      sp = &o.at("serviceProviderProperties");
      sppath = path + "/serviceProviderProperties";
      only_keys(*sp, sppath, {"serviceProviderName", "peeringLocation", "bandwidthInMbps"});
    }
    c.bandwidth_in_mbps =
        integer<std::uint32_t>(*sp, sppath, "bandwidthInMbps", 1, 1000000, false).value_or(0);
    c.peering_location = string(*sp, sppath, "peeringLocation", false).value_or("");
    if (c.peering_location.empty()) {
      c.peering_location = string(o, path, "peeringLocation", false).value_or("");
    }
    c.service_provider_name = string(*sp, sppath, "serviceProviderName", false).value_or("");
    if (o.contains("peerings")) {
      if (!o.at("peerings").is_array()) {
        fail(path + "/peerings", "must be an array");
      } else {
        const auto& arr = o.at("peerings");
        for (std::size_t i = 0; i < arr.size(); ++i) {
          auto ppath = path + "/peerings/" + std::to_string(i);
          if (is_object(arr[i], ppath)) {
            c.peerings.push_back(peering(arr[i], ppath, c));
          }
        }
      }
    }
    const json& with_vnets = o.contains("vnets") ? o : outer;
    vnets(with_vnets, o.contains("vnets") ? path : opath, c);
    const json& with_gr = o.contains("globalReach") ? o : outer;
    auto grpath = (o.contains("globalReach") ? path : opath) + "/globalReach";
    if (with_gr.contains("globalReach")) {
      if (!with_gr.at("globalReach").is_array()) {
        fail(grpath, "must be an array");
      } else {
        const auto& arr = with_gr.at("globalReach");
        for (std::size_t i = 0; i < arr.size(); ++i) {
          auto gpath = grpath + "/" + std::to_string(i);
          if (!is_object(arr[i], gpath)) {
            continue;
          }
          only_keys(arr[i], gpath, {"peerCircuit", "addressPrefix"});
          GlobalReachLink g;
          g.source.path = gpath;
          g.peer_circuit = string(arr[i], gpath, "peerCircuit", true).value_or("");
          g.address_prefix = prefix(arr[i], gpath, "addressPrefix", false);
          c.global_reach.push_back(std::move(g));
        }
      }
    }
    return c;
  }

  RouteFilter route_filter(const json& outer, const std::string& opath) {
    RouteFilter f;
    auto [obj, path] = fields(outer, opath);
    const auto& o = *obj;
    f.source.path = path;
    const json& named = outer.contains("name") ? outer : o;
    f.name = string(named, opath, "name", true).value_or("");
    if (o.contains("communities")) {
      // Native shorthand: {"name", "communities": [...]}.
      only_keys(o, path, {"name", "communities"});
      f.communities = string_list<Community>(o, path, "communities", wire::parse_community,
                                             "community");
      return f;
    }
    if (!o.contains("rules") || !o.at("rules").is_array()) {
      fail(path + "/rules", "required: one rule with \"access\": \"Allow\" and communities");
      return f;
    }
    const auto& rules = o.at("rules");
    if (rules.size() != 1) {
      // MSEE: R77 — a route filter holds exactly one rule, of type Allow.
      fail(path + "/rules", "a route filter has exactly one Allow rule listing its communities "
                            "(R77), found " + std::to_string(rules.size()));
    }
    for (std::size_t i = 0; i < rules.size(); ++i) {
      auto rp = path + "/rules/" + std::to_string(i);
      if (!is_object(rules[i], rp)) {
        continue;
      }
      auto [r, rpath] = fields(rules[i], rp);
      auto access = string(*r, rpath, "access", false).value_or("Allow");
      if (access != "Allow") {
        fail(rpath + "/access", "route filter rules are Allow rules (R77)");
        continue;
      }
      auto c = string_list<Community>(*r, rpath, "communities", wire::parse_community,
                                      "community");
      f.communities.insert(f.communities.end(), c.begin(), c.end());
    }
    return f;
  }

  void emulator(const json& root, EmulatorSettings& s) {
    if (!root.contains("emulator")) {
      return;
    }
    const auto& e = root.at("emulator");
    if (!is_object(e, "/emulator")) {
      return;
    }
    only_keys(e, "/emulator", {"addressing", "bgpPort", "logRoutes", "microsoftPrefixesFile",
                               "documentationPrefixesArePublic"});
    s.documentation_prefixes_public =
        boolean(e, "/emulator", "documentationPrefixesArePublic").value_or(false);
    s.addressing = enumerated<Addressing>(e, "/emulator", "addressing",
                                          {{"direct", Addressing::Direct},
                                           {"loopback", Addressing::Loopback}})
                       .value_or(Addressing::Direct);
    s.bgp_port = integer<std::uint16_t>(e, "/emulator", "bgpPort", 1, 65535, false).value_or(179);
    s.log_routes = boolean(e, "/emulator", "logRoutes").value_or(false);
    s.microsoft_prefixes_file = string(e, "/emulator", "microsoftPrefixesFile", false).value_or("");
  }

  void parse(const json& root, EmulatorConfig& cfg) {
    if (root.is_array()) {  // `az network express-route list`
      for (std::size_t i = 0; i < root.size(); ++i) {
        auto path = "/" + std::to_string(i);
        if (is_object(root[i], path)) {
          cfg.circuits.push_back(circuit(root[i], path));
        }
      }
      return;
    }
    if (!is_object(root, "")) {
      return;
    }
    if (root.contains("resources")) {
      arm_template(root, cfg);
      return;
    }
    if (!root.contains("circuits")) {  // one circuit: az show output or an ARM resource
      cfg.circuits.push_back(circuit(root, ""));
      return;
    }
    only_keys(root, "", {"$schema", "description", "emulator", "circuits", "routeFilters"});
    emulator(root, cfg.emulator);
    each_object(root, "circuits", [&](const json& c, const std::string& path) {
      cfg.circuits.push_back(circuit(c, path));
    });
    each_object(root, "routeFilters", [&](const json& f, const std::string& path) {
      cfg.route_filters.push_back(route_filter(f, path));
    });
  }

  // An ARM deployment template: circuits, their peerings as child resources, route filters.
  void arm_template(const json& root, EmulatorConfig& cfg) {
    const auto& res = root.at("resources");
    if (!res.is_array()) {
      fail("/resources", "must be an array");
      return;
    }
    std::vector<std::pair<const json*, std::string>> children;
    for (std::size_t i = 0; i < res.size(); ++i) {
      auto path = "/resources/" + std::to_string(i);
      if (!is_object(res[i], path)) {
        continue;
      }
      auto type = res[i].value("type", std::string());
      if (type == "Microsoft.Network/expressRouteCircuits") {
        cfg.circuits.push_back(circuit(res[i], path));
      } else if (type == "Microsoft.Network/expressRouteCircuits/peerings") {
        children.emplace_back(&res[i], path);
      } else if (type == "Microsoft.Network/routeFilters") {
        cfg.route_filters.push_back(route_filter(res[i], path));
      }
    }
    for (const auto& [child, path] : children) {
      auto name = child->value("name", std::string());
      auto circuit_name = name.substr(0, name.find('/'));
      Circuit* owner = nullptr;
      for (auto& c : cfg.circuits) {
        if (c.name == circuit_name) {
          owner = &c;
        }
      }
      if (owner == nullptr) {
        fail(path + "/name", "peering of unknown circuit \"" + circuit_name + "\"");
        continue;
      }
      owner->peerings.push_back(peering(*child, path, *owner));
    }
    for (const auto& c : cfg.circuits) {
      if (c.name.find('[') == 0) {
        fail(c.source.path, "ARM template expressions (\"[parameters(...)]\") are not "
                            "evaluated: export the deployed resource instead");
      }
    }
  }
};

Result<EmulatorConfig, std::vector<ConfigError>> finish(Parser& p, EmulatorConfig cfg) {
  for (const auto& f : validate(cfg)) {
    p.fail(f.path, f.rule + ": " + f.message);
  }
  if (!p.errors.empty()) {
    return unexpected(std::move(p.errors));
  }
  return cfg;
}

}  // namespace

ConfigKind detect_config_kind(std::string_view text) {
  auto root = json::parse(text, nullptr, false);
  if (root.is_discarded()) {
    return ConfigKind::Unknown;
  }
  if (root.is_object() && (root.contains("router") || root.contains("neighbors"))) {
    return ConfigKind::Router;
  }
  if (root.is_array() || (root.is_object() && (root.contains("circuits") ||
                                               root.contains("resources") ||
                                               root.contains("peerings") ||
                                               root.contains("properties") ||
                                               root.contains("sku")))) {
    return ConfigKind::Emulator;
  }
  return ConfigKind::Unknown;
}

Result<EmulatorConfig, std::vector<ConfigError>> parse_emulator_config(std::string_view text) {
  Parser p;
  auto root = json::parse(text, nullptr, false);
  if (root.is_discarded()) {
    // Re-parse with exceptions for the position of the syntax error.
    try {
      auto again = json::parse(text);
      (void)again;
    } catch (const json::parse_error& e) {
      p.fail("/", std::string("not valid JSON: ") + e.what());
    }
    return unexpected(std::move(p.errors));
  }
  EmulatorConfig cfg;
  p.parse(root, cfg);
  return finish(p, std::move(cfg));
}

Result<EmulatorConfig, std::vector<ConfigError>> load_emulator_config(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    return unexpected(std::vector<ConfigError>{{"/", "cannot open " + file}});
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_emulator_config(ss.str());
}

Result<std::vector<CatalogueEntry>, std::vector<ConfigError>> load_catalogue(
    const std::string& file) {
  Parser p;
  std::ifstream in(file);
  if (!in) {
    return unexpected(std::vector<ConfigError>{{"/", "cannot open " + file}});
  }
  auto root = json::parse(in, nullptr, false);
  std::vector<CatalogueEntry> out;
  if (root.is_discarded() || !root.is_array()) {
    p.fail("/", file + ": must be a JSON array of {service, region, communities, prefixes}");
    return unexpected(std::move(p.errors));
  }
  for (std::size_t i = 0; i < root.size(); ++i) {
    auto path = "/" + std::to_string(i);
    if (!p.is_object(root[i], path)) {
      continue;
    }
    p.only_keys(root[i], path, {"service", "region", "communities", "prefixes"});
    CatalogueEntry e;
    e.service = p.string(root[i], path, "service", false).value_or("");
    e.region = normalise_region(p.string(root[i], path, "region", true).value_or(""));
    e.communities = p.string_list<Community>(root[i], path, "communities",
                                             wire::parse_community, "community");
    e.prefixes = p.string_list<Prefix>(
        root[i], path, "prefixes", [](const std::string& s) { return Prefix::parse(s); },
        "prefix");
    out.push_back(std::move(e));
  }
  if (!p.errors.empty()) {
    return unexpected(std::move(p.errors));
  }
  return out;
}

}  // namespace msee::config
