// Azure's fixed tables (msee/azure.hpp): region community suffixes (R57), region name
// normalisation, regional communities of private and Microsoft peering (R55, R56), service
// communities (R58), SKU scope helpers (R53) and the built-in Microsoft-peering catalogue.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>

#include "msee/azure.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {
wire::Community comm(std::uint16_t asn, std::uint16_t value) {
  return (wire::Community{asn} << 16) | value;
}
}  // namespace

TEST_CASE("R57: region community suffixes", "[msee]") {
  // MSEE: R57 — the table of the 2026 routing doc, by display name.
  const std::pair<const char*, int> table[] = {
      {"East US", 4},           {"East US 2", 5},
      {"West US", 6},           {"West US 2", 26},
      {"West US 3", 44},        {"West Central US", 27},
      {"North Central US", 7},  {"South Central US", 8},
      {"Central US", 9},        {"Canada Central", 20},
      {"Canada East", 21},      {"Brazil South", 14},
      {"North Europe", 3},      {"West Europe", 2},
      {"UK South", 24},         {"UK West", 25},
      {"France Central", 30},   {"France South", 31},
      {"Switzerland North", 38}, {"Switzerland West", 39},
      {"Germany North", 40},    {"Germany West Central", 41},
      {"Norway East", 42},      {"Norway West", 43},
      {"East Asia", 10},        {"Southeast Asia", 11},
      {"Japan East", 12},       {"Japan West", 13},
      {"Australia East", 15},   {"Australia Southeast", 16},
      {"Australia Central", 32}, {"Australia Central 2", 33},
      {"India South", 19},      {"India West", 18},
      {"India Central", 17},    {"Korea South", 28},
      {"Korea Central", 29},    {"New Zealand North", 59},
      {"South Africa North", 34}, {"South Africa West", 35},
      {"UAE North", 36},        {"UAE Central", 37},
  };
  for (const auto& [name, suffix] : table) {
    INFO(name);
    const auto* r = msee::find_region(name);
    REQUIRE(r != nullptr);
    CHECK(r->suffix == suffix);
  }
  CHECK(msee::regions().size() == std::size(table));
  SECTION("the four the brief names, by location name") {
    CHECK(msee::find_region("eastus")->suffix == 4);
    CHECK(msee::find_region("westeurope")->suffix == 2);
    CHECK(msee::find_region("uksouth")->suffix == 24);
    CHECK(msee::find_region("japaneast")->suffix == 12);
  }
  CHECK(msee::find_region("atlantis") == nullptr);
}

TEST_CASE("R57: region names are normalised to Azure location names", "[msee]") {
  // MSEE: R57
  CHECK(msee::normalise_region("West Europe") == "westeurope");
  CHECK(msee::normalise_region("west-europe") == "westeurope");
  CHECK(msee::normalise_region("WestEurope") == "westeurope");
  CHECK(msee::normalise_region("westeurope") == "westeurope");
  CHECK(msee::normalise_region("Australia Central 2") == "australiacentral2");
  CHECK(msee::normalise_region("India South") == "southindia");
  CHECK(msee::normalise_region("India West") == "westindia");
  CHECK(msee::normalise_region("India Central") == "centralindia");
  CHECK(msee::normalise_region("") == "");
  CHECK(msee::find_region("UK South") == msee::find_region("uksouth"));
  CHECK(std::string(msee::find_region("India South")->name) == "southindia");
}

TEST_CASE("R56: the regional private-peering community is 12076:50xxx", "[msee]") {
  // MSEE: R56, R57
  CHECK(msee::private_regional_community("westeurope") == comm(12076, 50002));
  CHECK(msee::private_regional_community("East US") == comm(12076, 50004));
  CHECK(msee::private_regional_community("japaneast") == comm(12076, 50012));
  CHECK(msee::private_regional_community("newzealandnorth") == comm(12076, 50059));
  CHECK_FALSE(msee::private_regional_community("atlantis"));
}

TEST_CASE("R55: the regional Microsoft-peering community is 12076:51xxx", "[msee]") {
  // MSEE: R55, R57
  CHECK(msee::microsoft_regional_community("westeurope") == comm(12076, 51002));
  CHECK(msee::microsoft_regional_community("UK South") == comm(12076, 51024));
  CHECK(msee::microsoft_regional_community("westus2") == comm(12076, 51026));  // R59: not 51022
  CHECK(msee::microsoft_regional_community("westcentralus") == comm(12076, 51027));
  CHECK_FALSE(msee::microsoft_regional_community("atlantis"));
}

TEST_CASE("R58: service communities", "[msee]") {
  // MSEE: R58
  auto find = [](std::uint16_t value) -> const msee::ServiceCommunity* {
    for (const auto& s : msee::service_communities()) {
      if (s.community == comm(12076, value)) {
        return &s;
      }
    }
    return nullptr;
  };
  for (std::uint16_t v : {5010, 5020, 5030, 5040, 5050, 5060, 5070, 5100, 5220, 5250}) {
    INFO(v);
    CHECK(find(v) != nullptr);
  }
  CHECK(std::string(find(5010)->name) == "Exchange Online");
  CHECK(std::string(find(5020)->name) == "SharePoint Online");
  CHECK(std::string(find(5060)->name) == "Microsoft Entra ID");
  CHECK(std::string(find(5070)->name) == "Azure Resource Manager");
  SECTION("R77: Microsoft 365 services need Premium, Azure services do not") {
    // MSEE: R77
    CHECK(find(5010)->requires_premium);
    CHECK(find(5020)->requires_premium);
    CHECK(find(5030)->requires_premium);
    CHECK(find(5100)->requires_premium);
    CHECK_FALSE(find(5050)->requires_premium);
    CHECK_FALSE(find(5060)->requires_premium);
    CHECK_FALSE(find(5070)->requires_premium);
  }
}

TEST_CASE("R53: peering locations: Local reaches the nearby regions, Standard the geo",
          "[msee]") {
  // MSEE: R53
  auto ams = msee::local_regions("Amsterdam");
  REQUIRE(ams.size() == 1);
  CHECK(ams[0] == "westeurope");
  auto dc = msee::local_regions("Washington DC");
  CHECK(dc.size() == 2);
  CHECK(std::find(dc.begin(), dc.end(), "eastus") != dc.end());
  CHECK(std::find(dc.begin(), dc.end(), "eastus2") != dc.end());
  CHECK(msee::local_regions("Nowhere").empty());
  CHECK(msee::peering_location_geo("Amsterdam") == std::optional<std::string_view>("Europe"));
  CHECK(msee::peering_location_geo("London") == std::optional<std::string_view>("Europe"));
  CHECK(msee::peering_location_geo("Tokyo") == std::optional<std::string_view>("Japan"));
  CHECK(msee::peering_location_geo("Silicon Valley") ==
        std::optional<std::string_view>("North America"));
  CHECK_FALSE(msee::peering_location_geo("Nowhere"));
  CHECK(msee::find_region("westeurope")->geo == msee::find_region("northeurope")->geo);
  CHECK(msee::find_region("westeurope")->geo != msee::find_region("eastus")->geo);
}

TEST_CASE("R55: the built-in catalogue tags every entry with 12076 communities", "[msee]") {
  // MSEE: R52, R55 — regional Azure prefixes carry 51xxx; Storage carries 52xxx and 51xxx.
  const auto& cat = msee::builtin_catalogue();
  REQUIRE_FALSE(cat.empty());
  bool saw_we_azure = false;
  bool saw_we_storage = false;
  bool saw_exchange = false;
  for (const auto& e : cat) {
    CHECK_FALSE(e.prefixes.empty());
    REQUIRE_FALSE(e.communities.empty());
    for (auto c : e.communities) {
      CHECK((c >> 16) == msee::kMicrosoftAsn);
    }
    if (e.region == "westeurope" && e.service.empty()) {
      saw_we_azure = true;
      CHECK(e.communities == std::vector<wire::Community>{comm(12076, 51002)});
    }
    if (e.region == "westeurope" && e.service == "Storage") {
      saw_we_storage = true;
      CHECK(std::find(e.communities.begin(), e.communities.end(), comm(12076, 52002)) !=
            e.communities.end());
      CHECK(std::find(e.communities.begin(), e.communities.end(), comm(12076, 51002)) !=
            e.communities.end());
    }
    if (e.service == "Exchange Online") {
      saw_exchange = true;
      CHECK(e.region == "global");
      CHECK(e.communities == std::vector<wire::Community>{comm(12076, 5010)});
    }
  }
  CHECK(saw_we_azure);
  CHECK(saw_we_storage);
  CHECK(saw_exchange);
}
