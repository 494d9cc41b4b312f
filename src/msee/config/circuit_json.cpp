// Circuits, their VNets and route filters (circuit_reader_json.hpp): the native object, one
// `az network express-route show` object or an ARM circuit resource; VNets in our short form or
// as az prints them; route filters in the native shorthand or as ARM routeFilters (R77).
#include <set>

#include "msee/azure.hpp"
#include "msee/config/circuit_reader_json.hpp"

namespace msee::config::detail {

void CircuitReader::vnets(const json& o, const std::string& path, Circuit& c) {
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

// Azure's identity of a pasted circuit (az / ARM): subscription and resource group from its
// `id`, then `resourceGroup`, `location` and `stag` where present. Shown only (msee-ctl show).
void CircuitReader::identity(const json& outer, const std::string& opath, Circuit& c) {
  if (auto id = outer.contains("id") && outer.at("id").is_string()
                    ? outer.at("id").get<std::string>()
                    : std::string();
      id.find("/subscriptions/") != std::string::npos) {
    c.subscription_id = id_segment(id, "/subscriptions/");
    if (id.find("/resourceGroups/") != std::string::npos) {
      c.resource_group = id_segment(id, "/resourceGroups/");
    }
  }
  if (outer.contains("resourceGroup") && outer.at("resourceGroup").is_string()) {
    c.resource_group = outer.at("resourceGroup").get<std::string>();
  }
  if (outer.contains("location") && outer.at("location").is_string()) {
    c.location = outer.at("location").get<std::string>();
  }
  auto [o, path] = fields(outer, opath);
  const json& with_stag = o->contains("stag") ? *o : outer;
  if (with_stag.contains("stag") && !with_stag.at("stag").is_null()) {
    c.stag = integer<std::uint32_t>(with_stag, o->contains("stag") ? path : opath, "stag", 0,
                                    4094, false);
  }
}

Circuit CircuitReader::circuit(const json& outer, const std::string& opath) {
  Circuit c;
  auto [obj, path] = fields(outer, opath);
  const auto& o = *obj;
  c.source.path = path;
  check_keys(o, path,
             {"serviceKey", "sku", "serviceProviderProperties", "bandwidthInMbps",
              "peeringLocation", "serviceProviderName", "peerings", "vnets", "globalReach",
              "description", "routeFilters"});
  if (o != outer) {
    check_keys(outer, opath, {"sku", "properties", "vnets", "globalReach", "routeFilters"});
  }
  const json& named = outer.contains("name") ? outer : o;
  c.name = string(named, opath, "name", true).value_or("");
  c.service_key = string(o, path, "serviceKey", false).value_or("");
  identity(outer, opath, c);
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

RouteFilter CircuitReader::route_filter(const json& outer, const std::string& opath) {
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

}  // namespace msee::config::detail
