// Azure tables: regions (R57), peering locations (R53), service communities (R58) and the
// built-in lab catalogue of Microsoft-peering prefixes (R52, R55).
#include "msee/azure.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace msee {

namespace {
constexpr Community community(std::uint16_t value) {
  return (Community{kMicrosoftAsn} << 16) | value;
}

// MSEE: R57 — region suffixes. The geopolitical grouping follows Azure's ExpressRoute
// "geopolitical regions" table as far as the docs give it; it decides Standard-SKU scope.
const std::vector<Region> kRegions = {
    {"eastus", "East US", 4, "North America"},
    {"eastus2", "East US 2", 5, "North America"},
    {"westus", "West US", 6, "North America"},
    {"westus2", "West US 2", 26, "North America"},
    {"westus3", "West US 3", 44, "North America"},
    {"westcentralus", "West Central US", 27, "North America"},
    {"northcentralus", "North Central US", 7, "North America"},
    {"southcentralus", "South Central US", 8, "North America"},
    {"centralus", "Central US", 9, "North America"},
    {"canadacentral", "Canada Central", 20, "North America"},
    {"canadaeast", "Canada East", 21, "North America"},
    {"brazilsouth", "Brazil South", 14, "South America"},
    {"northeurope", "North Europe", 3, "Europe"},
    {"westeurope", "West Europe", 2, "Europe"},
    {"uksouth", "UK South", 24, "Europe"},
    {"ukwest", "UK West", 25, "Europe"},
    {"francecentral", "France Central", 30, "Europe"},
    {"francesouth", "France South", 31, "Europe"},
    {"switzerlandnorth", "Switzerland North", 38, "Europe"},
    {"switzerlandwest", "Switzerland West", 39, "Europe"},
    {"germanynorth", "Germany North", 40, "Europe"},
    {"germanywestcentral", "Germany West Central", 41, "Europe"},
    {"norwayeast", "Norway East", 42, "Europe"},
    {"norwaywest", "Norway West", 43, "Europe"},
    {"eastasia", "East Asia", 10, "Asia"},
    {"southeastasia", "Southeast Asia", 11, "Asia"},
    {"japaneast", "Japan East", 12, "Japan"},
    {"japanwest", "Japan West", 13, "Japan"},
    {"australiaeast", "Australia East", 15, "Australia"},
    {"australiasoutheast", "Australia Southeast", 16, "Australia"},
    {"australiacentral", "Australia Central", 32, "Australia"},
    {"australiacentral2", "Australia Central 2", 33, "Australia"},
    {"southindia", "India South", 19, "India"},
    {"westindia", "India West", 18, "India"},
    {"centralindia", "India Central", 17, "India"},
    {"koreasouth", "Korea South", 28, "Korea"},
    {"koreacentral", "Korea Central", 29, "Korea"},
    {"newzealandnorth", "New Zealand North", 59, "Australia"},
    {"southafricanorth", "South Africa North", 34, "Africa"},
    {"southafricawest", "South Africa West", 35, "Africa"},
    {"uaenorth", "UAE North", 36, "Middle East"},
    {"uaecentral", "UAE Central", 37, "Middle East"},
};

// MSEE: R53 — peering locations and the Azure regions an ExpressRoute Local circuit there
// reaches. Only the common metros; an unknown location has no Local scope (validation says so).
struct Location {
  std::string_view name;
  std::vector<std::string_view> regions;
};
const std::vector<Location> kLocations = {
    {"amsterdam", {"westeurope"}},
    {"amsterdam2", {"westeurope"}},
    {"dublin", {"northeurope"}},
    {"london", {"uksouth"}},
    {"london2", {"uksouth"}},
    {"paris", {"francecentral"}},
    {"frankfurt", {"germanywestcentral"}},
    {"zurich", {"switzerlandnorth"}},
    {"oslo", {"norwayeast"}},
    {"washingtondc", {"eastus", "eastus2"}},
    {"washingtondc2", {"eastus", "eastus2"}},
    {"newyork", {"eastus", "eastus2"}},
    {"chicago", {"northcentralus"}},
    {"dallas", {"southcentralus"}},
    {"siliconvalley", {"westus"}},
    {"siliconvalley2", {"westus"}},
    {"seattle", {"westus2"}},
    {"phoenix", {"westus3"}},
    {"desmoines", {"centralus"}},
    {"toronto", {"canadacentral"}},
    {"quebeccity", {"canadaeast"}},
    {"saopaulo", {"brazilsouth"}},
    {"singapore", {"southeastasia"}},
    {"hongkong", {"eastasia"}},
    {"tokyo", {"japaneast"}},
    {"osaka", {"japanwest"}},
    {"sydney", {"australiaeast"}},
    {"melbourne", {"australiasoutheast"}},
    {"canberra", {"australiacentral"}},
    {"pune", {"centralindia"}},
    {"mumbai", {"westindia"}},
    {"chennai", {"southindia"}},
    {"seoul", {"koreacentral"}},
    {"johannesburg", {"southafricanorth"}},
    {"dubai", {"uaenorth"}},
};

const std::vector<ServiceCommunity> kServices = {
    {"Exchange Online", community(5010), true},
    {"SharePoint Online", community(5020), true},
    {"Skype For Business Online", community(5030), true},
    {"CRM Online", community(5040), true},
    {"Azure Global Services", community(5050), false},
    {"Microsoft Entra ID", community(5060), false},
    {"Azure Resource Manager", community(5070), false},
    {"Other Office 365 Online services", community(5100), true},
    {"Microsoft Defender for Identity", community(5220), true},
    {"Microsoft PSTN services", community(5250), true},
};

Prefix must_parse(std::string_view text) { return *Prefix::parse(text); }

// Built from the tables: for every region, its Azure prefixes (regional community 51xxx) and
// Storage prefixes (52xxx plus the regional one), from Microsoft-held blocks; a few global
// Microsoft 365 / Entra ID prefixes carry their service community. Illustrative values.
std::vector<CatalogueEntry> build_catalogue() {
  std::vector<CatalogueEntry> out;
  for (const auto& r : kRegions) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%02x", r.suffix);
    CatalogueEntry azure;
    azure.region = std::string(r.name);
    azure.communities = {community(static_cast<std::uint16_t>(51000 + r.suffix))};
    azure.prefixes = {must_parse("20." + std::to_string(r.suffix) + ".0.0/16"),
                      must_parse("2603:10" + std::string(hex) + "::/32")};
    out.push_back(std::move(azure));
    CatalogueEntry storage;
    storage.service = "Storage";
    storage.region = std::string(r.name);
    storage.communities = {community(static_cast<std::uint16_t>(52000 + r.suffix)),
                           community(static_cast<std::uint16_t>(51000 + r.suffix))};
    storage.prefixes = {must_parse("20." + std::to_string(128 + r.suffix) + ".0.0/16")};
    out.push_back(std::move(storage));
  }
  auto global = [&](std::string_view service, std::uint16_t value,
                    std::vector<std::string_view> prefixes) {
    CatalogueEntry e;
    e.service = std::string(service);
    e.region = "global";
    e.communities = {community(value)};
    for (auto p : prefixes) {
      e.prefixes.push_back(must_parse(p));
    }
    out.push_back(std::move(e));
  };
  global("Exchange Online", 5010, {"40.92.0.0/15", "52.100.0.0/14", "2a01:111:f400::/48"});
  global("SharePoint Online", 5020, {"13.107.136.0/22", "2620:1ec:8f8::/46"});
  global("Skype For Business Online", 5030, {"52.112.0.0/14", "2603:1063::/38"});
  global("Microsoft Entra ID", 5060, {"20.190.128.0/18", "40.126.0.0/18"});
  return out;
}
}  // namespace

std::string normalise_region(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  // Display names of the India regions differ from the location names.
  if (out == "indiasouth") {
    return "southindia";
  }
  if (out == "indiawest") {
    return "westindia";
  }
  if (out == "indiacentral") {
    return "centralindia";
  }
  return out;
}

const std::vector<Region>& regions() { return kRegions; }

const Region* find_region(std::string_view name) {
  auto n = normalise_region(name);
  for (const auto& r : kRegions) {
    if (r.name == n) {
      return &r;
    }
  }
  return nullptr;
}

std::vector<std::string_view> local_regions(std::string_view peering_location) {
  auto n = normalise_region(peering_location);
  for (const auto& l : kLocations) {
    if (l.name == n) {
      return l.regions;
    }
  }
  return {};
}

std::optional<std::string_view> peering_location_geo(std::string_view peering_location) {
  auto near = local_regions(peering_location);
  if (near.empty()) {
    return std::nullopt;
  }
  return find_region(near.front())->geo;
}

std::optional<Community> private_regional_community(std::string_view region) {
  const auto* r = find_region(region);
  if (r == nullptr) {
    return std::nullopt;
  }
  return community(static_cast<std::uint16_t>(50000 + r->suffix));
}

std::optional<Community> microsoft_regional_community(std::string_view region) {
  const auto* r = find_region(region);
  if (r == nullptr) {
    return std::nullopt;
  }
  return community(static_cast<std::uint16_t>(51000 + r->suffix));
}

const std::vector<ServiceCommunity>& service_communities() { return kServices; }

const std::vector<CatalogueEntry>& builtin_catalogue() {
  static const std::vector<CatalogueEntry> catalogue = build_catalogue();
  return catalogue;
}

// ---------------------------------------------------------------------------------------------
// circuit.hpp helpers

std::string_view to_string(SkuTier t) {
  switch (t) {
    case SkuTier::Local: return "Local";
    case SkuTier::Standard: return "Standard";
    case SkuTier::Premium: return "Premium";
  }
  return "?";
}
std::string_view to_string(SkuFamily f) {
  return f == SkuFamily::MeteredData ? "MeteredData" : "UnlimitedData";
}
std::string_view to_string(PeeringType t) {
  switch (t) {
    case PeeringType::AzurePrivatePeering: return "AzurePrivatePeering";
    case PeeringType::MicrosoftPeering: return "MicrosoftPeering";
    case PeeringType::AzurePublicPeering: return "AzurePublicPeering";
  }
  return "?";
}
std::string_view to_string(PeeringState s) {
  return s == PeeringState::Enabled ? "Enabled" : "Disabled";
}
std::string_view to_string(PrefixesState s) {
  switch (s) {
    case PrefixesState::NotConfigured: return "NotConfigured";
    case PrefixesState::ValidationNeeded: return "ValidationNeeded";
    case PrefixesState::Configured: return "Configured";
  }
  return "?";
}
std::string_view to_string(LinkPath p) { return p == LinkPath::Primary ? "primary" : "secondary"; }
std::string_view to_string(Personality p) {
  return p == Personality::Cisco ? "cisco" : "juniper";
}

std::string Circuit::resource_id() const {
  return "/subscriptions/" + subscription_id + "/resourceGroups/" + resource_group +
         "/providers/Microsoft.Network/expressRouteCircuits/" + name;
}

const Peering* Circuit::peering(PeeringType t) const {
  for (const auto& p : peerings) {
    if (p.peering_type == t) {
      return &p;
    }
  }
  return nullptr;
}

const Circuit* EmulatorConfig::circuit(std::string_view n) const {
  for (const auto& c : circuits) {
    if (c.name == n) {
      return &c;
    }
  }
  return nullptr;
}

const RouteFilter* EmulatorConfig::route_filter(std::string_view n) const {
  for (const auto& f : route_filters) {
    if (f.name == n) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace msee
