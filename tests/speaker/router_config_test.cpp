// Router config parsing: valid files become typed values; every error is reported with its
// JSON path, all at once.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "speaker/router_config.hpp"

using namespace msee;
using namespace msee::speaker;
namespace wire = msee::bgp::wire;

namespace {
bool has_error(const std::vector<ConfigError>& errs, const std::string& path,
               const std::string& fragment) {
  for (const auto& e : errs) {
    if (e.path == path && e.reason.find(fragment) != std::string::npos) {
      return true;
    }
  }
  return false;
}
}  // namespace

TEST_CASE("A complete router config parses into typed values", "[app][config]") {
  auto r = parse_router_config(R"({
    "router": {"asn": 4200000001, "routerId": "192.0.2.1"},
    "listen": [{"address": "::1", "port": 1790}],
    "logRoutes": true,
    "neighbors": [{"name": "ce", "address": "2001:db8::2", "peerAsn": 65001, "passive": true,
                   "holdTime": 30, "md5Password": "k", "families": ["ipv6-unicast"],
                   "capabilities": {"extendedMessage": false, "gracefulRestart": 120},
                   "nextHop6": "2001:db8::1"}],
    "announce": [{"prefixes": ["2001:db8:10::/48", "10.0.0.0/8"], "asPath": [65020, 4200000002],
                  "med": 5, "communities": ["65010:100", "no-export"],
                  "largeCommunities": ["4200000001:1:2"], "extCommunities": ["rt:65010:1"],
                  "origin": "incomplete", "to": ["ce"]}]
  })");
  REQUIRE(r.has_value());
  const auto& c = *r;
  CHECK(c.asn == 4200000001u);
  CHECK(c.router_id == 0xC0000201u);
  REQUIRE(c.listen.size() == 1);
  CHECK(c.listen[0].port == 1790);
  REQUIRE(c.neighbors.size() == 1);
  const auto& n = c.neighbors[0];
  CHECK(n.passive);
  CHECK(n.hold_time == 30);
  CHECK(n.md5_password == "k");
  CHECK(n.capabilities.families == std::vector<wire::AfiSafi>{wire::kIpv6Unicast});
  CHECK_FALSE(n.capabilities.extended_message);
  CHECK(n.capabilities.graceful_restart_time == std::optional<std::uint16_t>(120));
  REQUIRE(c.announce.size() == 1);
  const auto& a = c.announce[0].attributes;
  CHECK(a.origin == wire::Origin::Incomplete);
  REQUIRE(a.as_path.has_value());
  CHECK(a.as_path->segments.at(0).asns == std::vector<wire::Asn>{65020, 4200000002u});
  CHECK(a.med == std::optional<std::uint32_t>(5));
  CHECK(a.communities == std::vector<wire::Community>{(65010u << 16) | 100u, wire::kNoExport});
  CHECK(a.large_communities.size() == 1);
  CHECK(a.ext_communities.size() == 1);
}

TEST_CASE("Every config error is reported at once with its JSON path", "[app][config]") {
  auto r = parse_router_config(R"({
    "router": {"asn": 0, "routerId": "0.0.0.0"},
    "neighbors": [{"name": "a", "address": "10.0.0.1", "peerAsn": 1, "holdTime": 2,
                   "md5Password": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                   "colour": "blue"},
                  {"name": "a", "address": "10.0.0.1", "peerAsn": 2, "nextHop": "2001:db8::1"}],
    "announce": [{"prefixes": ["10.0.0.1/8"], "origin": "bgp", "communities": ["1:70000"],
                  "to": ["nobody"]}]
  })");
  REQUIRE_FALSE(r.has_value());
  const auto& e = r.error();
  CHECK(has_error(e, "/router/asn", "out of range"));
  CHECK(has_error(e, "/router/routerId", "non-zero IPv4"));
  CHECK(has_error(e, "/neighbors/0/holdTime", "at least 3"));
  CHECK(has_error(e, "/neighbors/0/md5Password", "80 octets"));
  CHECK(has_error(e, "/neighbors/0/colour", "unknown key"));
  CHECK(has_error(e, "/neighbors/1/name", "duplicate"));
  CHECK(has_error(e, "/neighbors/1/address", "duplicate"));
  CHECK(has_error(e, "/neighbors/1/nextHop", "IPv4"));
  CHECK(has_error(e, "/announce/0/prefixes/0", "host bits"));
  CHECK(has_error(e, "/announce/0/origin", "igp, egp or incomplete"));
  CHECK(has_error(e, "/announce/0/communities/0", "community"));
  CHECK(has_error(e, "/announce/0/to/0", "no neighbour named"));
  CHECK(e.size() == 12);
}

TEST_CASE("A generator's flapInterval must fit in 32-bit milliseconds", "[app][config]") {
  // Found with config_fuzz's harness (tests/msee/config/vectors/bad/55e23b7b87d4...bin): 1e300
  // seconds was converted to std::uint32_t milliseconds, undefined behaviour.
  for (const char* v : {"1e300", "4294968", "0.001", "-1"}) {
    auto r = parse_router_config(std::string(R"({"router": {"asn": 65010, "routerId": "10.0.0.1"},
      "generate": [{"base": "100.64.0.0/24", "count": 4, "flapInterval": )") + v + "}]}");
    INFO(v);
    REQUIRE_FALSE(r.has_value());
    CHECK(has_error(r.error(), "/generate/0/flapInterval", "0.01..4294967"));
  }
  auto ok = parse_router_config(R"({"router": {"asn": 65010, "routerId": "10.0.0.1"},
      "generate": [{"base": "100.64.0.0/24", "count": 4, "flapInterval": 4294967}]})");
  REQUIRE(ok.has_value());
  CHECK(ok->generate[0].flap_interval_ms == 4294967000u);
}

TEST_CASE("Invalid JSON is one error at the root naming the position", "[app][config]") {
  auto r = parse_router_config(R"({"router": {"asn": 1,})");
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().size() == 1);
  CHECK(r.error()[0].path == "/");
  CHECK(r.error()[0].reason.find("invalid JSON") != std::string::npos);
  // A number beyond a double (nlohmann's out_of_range, not parse_error) used to escape as an
  // exception (config_fuzz, tests/msee/config/vectors/bad/b8a0813a...bin).
  auto big = parse_router_config(R"({"router": {"asn": 1e400}})");
  REQUIRE_FALSE(big.has_value());
  REQUIRE(big.error().size() == 1);
  CHECK(big.error()[0].path == "/");
  CHECK(big.error()[0].reason.find("number overflow") != std::string::npos);
}

TEST_CASE("Every bundled router config in config/ is valid", "[app][config]") {
  for (const char* name : {"router-default.json", "router-example.json"}) {
    auto r = load_router_config(std::string(MSEE_SOURCE_DIR) + "/config/" + name);
    INFO(name);
    if (!r.has_value()) {
      for (const auto& e : r.error()) {
        UNSCOPED_INFO(e.path << ": " << e.reason);
      }
    }
    CHECK(r.has_value());
  }
}
