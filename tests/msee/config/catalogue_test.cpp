// The Microsoft-peering prefix catalogue file (emulator.microsoftPrefixesFile): loading,
// errors with their JSON path, and the plan built from a replaced catalogue (R52, R55).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "msee/config/config.hpp"
#include "msee/plan.hpp"

using namespace msee;

namespace {
std::string write_temp(const std::string& text) {
  std::string path = "/tmp/msee-catalogue-test-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST_CASE("R55: a catalogue file replaces the built-in prefixes", "[circuit-config]") {
  auto path = write_temp(R"([
    {"service": "Lab service", "region": "West Europe", "communities": ["12076:5050", "12076:51002"],
     "prefixes": ["192.0.2.0/24", "2001:db8:50::/48"]}
  ])");
  auto cat = config::load_catalogue(path);
  std::remove(path.c_str());
  REQUIRE(cat.has_value());
  REQUIRE(cat->size() == 1);
  CHECK((*cat)[0].region == "westeurope");
  CHECK((*cat)[0].communities.size() == 2);
  CHECK((*cat)[0].prefixes.size() == 2);

  // A Microsoft peering whose filter allows 12076:5050 gets exactly the file's prefixes.
  auto cfg = config::parse_emulator_config(R"({
    "emulator": {"documentationPrefixesArePublic": true},
    "routeFilters": [{"name": "rf", "communities": ["12076:5050"]}],
    "circuits": [{"name": "c", "sku": {"tier": "Standard"},
      "serviceProviderProperties": {"peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
      "peerings": [{"peeringType": "MicrosoftPeering", "peerASN": 3320,
        "primaryPeerAddressPrefix": "203.0.113.0/30", "secondaryPeerAddressPrefix": "203.0.113.4/30",
        "vlanId": 10, "routeFilter": "rf",
        "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["198.51.100.0/24"]}}]}]})");
  REQUIRE(cfg.has_value());
  auto plan = msee::make_plan(*cfg, *cat);
  REQUIRE(plan.advertisements.size() == 1);  // IPv4 only: the peering has no IPv6 sessions
  CHECK(plan.advertisements[0].prefix.to_string() == "192.0.2.0/24");
  CHECK(plan.advertisements[0].to.size() == 2);
}

TEST_CASE("R55: catalogue file errors name the entry and field", "[circuit-config]") {
  auto path = write_temp(R"([
    {"region": "westeurope", "communities": ["12076:x"], "prefixes": ["10.0.0.1/8"]},
    {"communities": [], "prefixes": [], "colour": "blue"}
  ])");
  auto cat = config::load_catalogue(path);
  std::remove(path.c_str());
  REQUIRE_FALSE(cat.has_value());
  std::string all;
  for (const auto& e : cat.error()) {
    all += e.path + " " + e.reason + "\n";
  }
  INFO(all);
  CHECK(all.find("/0/communities/0") != std::string::npos);
  CHECK(all.find("/0/prefixes/0") != std::string::npos);
  CHECK(all.find("/1/region required") != std::string::npos);
  CHECK(all.find("/1/colour unknown key") != std::string::npos);
}

TEST_CASE("R55: a catalogue file that is not a JSON array is refused", "[circuit-config]") {
  auto path = write_temp(R"({"prefixes": []})");
  auto cat = config::load_catalogue(path);
  std::remove(path.c_str());
  REQUIRE_FALSE(cat.has_value());
  CHECK(config::load_catalogue("/nonexistent/catalogue.json").has_value() == false);
}
