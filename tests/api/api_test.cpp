// REST API routing (handle_api_request) against an emulator that is built but not started:
// Azure's shapes, error statuses with Azure-style bodies, the bearer token, and that the MD5
// key never appears.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "api/api.hpp"
#include "msee/config/config.hpp"

using namespace msee;
using json = nlohmann::json;

namespace {
const char* kConfig = R"({
  "emulator": {"addressing": "loopback"},
  "circuits": [{"name": "ckt", "sku": {"tier": "Standard"},
    "serviceProviderProperties": {"peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
    "peerings": [{"peeringType": "AzurePrivatePeering", "peerASN": 65001, "vlanId": 100,
      "sharedKey": "TopSecret1", "primaryPeerAddressPrefix": "192.168.1.0/30",
      "secondaryPeerAddressPrefix": "192.168.1.4/30",
      "emulation": {"loopback": {"primaryPeerAddressPrefix": "127.45.0.0/30",
                                 "secondaryPeerAddressPrefix": "127.45.0.4/30"}}}],
    "vnets": [{"name": "hub", "region": "westeurope", "addressPrefixes": ["10.1.0.0/16"]}]}]})";

struct Fixture {
  boost::asio::io_context io;
  speaker::EventLog events;
  emulator::Emulator emulator{io, *config::parse_emulator_config(kConfig), msee::builtin_catalogue(),
                         events};
  api::ApiConfig config;
  api::ApiResponse get(const std::string& target, const std::string& auth = "") {
    return api::handle_api_request(emulator, config, {"GET", target, auth, ""},
                                   std::chrono::steady_clock::now());
  }
};
}  // namespace

TEST_CASE("API: list-route-tables and summary in az's shapes (R82, R83)", "[api]") {
  Fixture f;
  auto rt = f.get("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=primary");
  REQUIRE(rt.status == 200);
  auto j = json::parse(rt.body);
  REQUIRE(j["value"].size() == 2);  // the VNet via two gateway instances; no CE routes yet
  CHECK(j["value"][0] == json{{"network", "10.1.0.0/16"}, {"nextHop", "10.1.0.4"},
                              {"locPrf", ""}, {"weight", 0}, {"path", "65515"}});
  auto sum = f.get("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTablesSummary?path=Secondary");
  REQUIRE(sum.status == 200);
  auto s = json::parse(sum.body);
  CHECK(s["value"][0]["neighbor"] == "127.45.0.5");
  CHECK(s["value"][0]["as"] == 65001);
  CHECK(s["value"][0]["statePfxRcd"] == "Idle");  // never started
}

TEST_CASE("API: errors carry a status and an Azure-style message", "[api]") {
  Fixture f;
  auto check = [&](const std::string& target, unsigned status, const std::string& text) {
    auto r = f.get(target);
    INFO(target << " -> " << r.body);
    CHECK(r.status == status);
    auto j = json::parse(r.body);
    CHECK(j["error"]["message"].get<std::string>().find(text) != std::string::npos);
  };
  check("/v1/circuits/nope", 404, "no circuit named 'nope'");
  check("/v1/circuits/ckt/peerings/MicrosoftPeering/routeTables?path=primary", 404,
        "has no peering 'MicrosoftPeering'");
  check("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables", 400, "'path' parameter");
  check("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=x", 400,
        "primary or secondary");
  check("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=primary&family=ipv5",
        400, "ipv4 or ipv6");
  check("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=primary&family=ipv6",
        404, "no ipv6 sessions");
  check("/v1/circuits/%zz", 400, "percent-encoding");
  check("/nothing", 404, "/v1");
  auto post = api::handle_api_request(f.emulator, f.config, {"POST", "/v1/circuits", "", ""},
                                      std::chrono::steady_clock::now());
  CHECK(post.status == 405);
}

TEST_CASE("API: the route table answers 405 for a known path, 404 for an unknown one", "[api]") {
  Fixture f;
  auto call = [&](const std::string& method, const std::string& target) {
    return api::handle_api_request(f.emulator, f.config, {method, target, "", ""},
                                   std::chrono::steady_clock::now());
  };
  auto message = [](const api::ApiResponse& r) {
    auto j = json::parse(r.body);
    return j["error"]["message"].get<std::string>();
  };
  SECTION("a known path names the methods it takes") {
    auto r = call("DELETE", "/v1/circuits/ckt/peerings/AzurePrivatePeering");
    CHECK(r.status == 405);
    CHECK(json::parse(r.body)["error"]["code"] == "MethodNotAllowed");
    CHECK(message(r) == "a peering takes GET or PATCH, not DELETE");
    CHECK(message(call("POST", "/v1/circuits/ckt/links/Primary")) ==
          "a link takes GET or PATCH, not POST");
    CHECK(message(call("GET", "/v1/circuits/ckt/failoverTests/stop")) ==
          "failoverTests/stop takes POST");
    CHECK(message(call("GET", "/v1/reload")) == "reload takes POST, not GET");
    CHECK(message(call("PUT", "/v1/mrt/tableDump")) == "tableDump takes POST, not PUT");
    CHECK(message(call("POST", "/v1/sessions")) == "only GET is supported here, not POST");
    CHECK(message(call("get", "/metrics")) == "only GET is supported here, not get");
  }
  SECTION("an unknown path is a 404 for GET; any other method is told only GET is supported") {
    auto r = call("GET", "/v1/nothing?x=1");
    CHECK(r.status == 404);
    CHECK(message(r) == "unknown path /v1/nothing?x=1");
    CHECK(message(call("GET", "/")) == "unknown path; the API is under /v1 (and /metrics)");
    CHECK(call("GET", "/v1/circuits/ckt/failoverTests/pause").status == 404);
    CHECK(call("GET", "/v1/circuits/ckt/peerings").status == 404);
    CHECK(call("GET", "/v1/circuits/ckt/peerings/AzurePrivatePeering/stats/x").status == 404);
    auto post = call("POST", "/v1/nothing");
    CHECK(post.status == 405);
    CHECK(message(post) == "only GET is supported here, not POST");
  }
  SECTION("segments are matched after %-decoding; empty ones are skipped") {
    auto r = call("GET", "//v1//circuits/c%6Bt/");
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body)["name"] == "ckt");
    CHECK(call("DELETE", "/v1/%zz").status == 400);  // the URL is checked before the method
  }
}

TEST_CASE("API: a configured token is required on every request", "[api]") {
  Fixture f;
  f.config.token = "t0k3n";
  CHECK(f.get("/v1/circuits").status == 401);
  CHECK(f.get("/v1/circuits", "Bearer wrong").status == 401);
  CHECK(f.get("/v1/circuits", "Bearer t0k3n").status == 200);
  CHECK(f.get("/metrics", "Bearer t0k3n").status == 200);
  // The constant-time comparison still tells every near miss apart.
  for (const char* bad : {"Bearer t0k3", "Bearer t0k3n ", "Bearer t0k3N", "bearer t0k3n",
                          "Bearer  t0k3n", "t0k3n", "Bearer x0k3n", ""}) {
    INFO(bad);
    CHECK(f.get("/v1/circuits", bad).status == 401);
  }
}

TEST_CASE("API: the MD5 key appears in no output", "[api]") {
  Fixture f;
  for (const char* t : {"/v1/circuits", "/v1/circuits/ckt", "/v1/sessions", "/metrics"}) {
    auto r = f.get(t);
    INFO(t);
    CHECK(r.status == 200);
    CHECK(r.body.find("TopSecret1") == std::string::npos);
  }
  auto j = json::parse(f.get("/v1/circuits/ckt").body);
  // az's field, masked: that a key is set shows, the key does not.
  CHECK(j["peerings"][0]["sharedKey"] == "********");
}

namespace {
api::ApiResponse send(Fixture& f, const std::string& method, const std::string& target,
                      const std::string& body) {
  return api::handle_api_request(f.emulator, f.config, {method, target, "", body},
                                 std::chrono::steady_clock::now());
}
// The request fails with `status` and a message containing `text`.
void check_error(Fixture& f, const std::string& method, const std::string& target,
                 const std::string& body, unsigned status, const std::string& text) {
  auto a = send(f, method, target, body);
  INFO(method << " " << target << " " << body << " -> " << a.body);
  CHECK(a.status == status);
  CHECK(json::parse(a.body)["error"]["message"].get<std::string>().find(text) !=
        std::string::npos);
}
}  // namespace

TEST_CASE("API: PATCH a peering's state (R66) and its errors", "[api]") {
  Fixture f;
  const std::string peering = "/v1/circuits/ckt/peerings/AzurePrivatePeering";
  auto r = send(f, "PATCH", peering, R"({"state": "Disabled"})");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["state"] == "Disabled");
  CHECK(json::parse(f.get(peering).body)["state"] == "Disabled");
  CHECK(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/primary"));
  CHECK(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/secondary"));
  // Azure's resource shape is accepted too.
  r = send(f, "PATCH", peering, R"({"properties": {"state": "Enabled"}})");
  REQUIRE(r.status == 200);
  CHECK_FALSE(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/primary"));
  // The operator's changes are events.
  int changes = 0;
  for (const auto* e : f.events.after(0, 100)) {
    changes += e->line.find("\"event\":\"peering-state\"") != std::string::npos ? 1 : 0;
  }
  CHECK(changes == 2);

  auto check = [&](const std::string& method, const std::string& target, const std::string& body,
                   unsigned status, const std::string& text) {
    check_error(f, method, target, body, status, text);
  };
  check("PATCH", peering, "not json", 400, "JSON object");
  check("PATCH", peering, "[1]", 400, "JSON object");
  check("PATCH", peering, "{}", 400, "/state is required");
  check("PATCH", peering, R"({"state": 1})", 400, "/state is required");
  check("PATCH", peering, R"({"state": "Off"})", 400, "\"Enabled\" or \"Disabled\"");
  check("PATCH", peering, R"({"state": "Disabled", "ipVersion": "IPv5"})", 400, "IPv4");
  check("PATCH", peering, R"({"state": "Disabled", "ipVersion": "IPv6"})", 404,
        "no IPv6 peering");
  check("PATCH", "/v1/circuits/ckt/peerings/MicrosoftPeering", R"({"state": "Disabled"})", 404,
        "has no MicrosoftPeering");
  check("PATCH", "/v1/circuits/nope/peerings/AzurePrivatePeering", R"({"state": "Disabled"})",
        404, "no circuit");
  check("DELETE", peering, "", 405, "GET or PATCH");
  check("GET", "/v1/mrt/tableDump", "", 405, "POST");
  CHECK_FALSE(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/primary"));  // unchanged
}

TEST_CASE("API: events after a sequence number, the last N, and bad parameters", "[api]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) {
    f.events.admin("test", "ckt", {{"n", std::to_string(i)}});
  }
  auto all = json::parse(f.get("/v1/events").body);
  REQUIRE(all["value"].size() == 5);
  CHECK(all["last"] == 5);
  CHECK(all["value"][0]["seq"] == 1);
  CHECK(all["value"][4]["n"] == "4");
  auto tail = json::parse(f.get("/v1/events?last=2").body);
  REQUIRE(tail["value"].size() == 2);
  CHECK(tail["value"][0]["n"] == "3");
  auto after = json::parse(f.get("/v1/events?after=3&limit=1").body);
  REQUIRE(after["value"].size() == 1);
  CHECK(after["value"][0]["seq"] == 4);
  CHECK(after["last"] == 4);
  auto none = json::parse(f.get("/v1/events?after=5").body);
  CHECK(none["value"].empty());
  CHECK(none["last"] == 5);
  // From a previous run (beyond the log): the client is told where the log ends.
  CHECK(json::parse(f.get("/v1/events?after=99").body)["last"] == 5);
  CHECK(f.get("/v1/events?after=x").status == 400);
  CHECK(f.get("/v1/events?last=-1").status == 400);
}

TEST_CASE("API: the event log keeps the last kCapacity events", "[api]") {
  speaker::EventLog log;
  for (std::size_t i = 0; i < speaker::EventLog::kCapacity + 10; ++i) {
    log.admin("test", "x", {});
  }
  CHECK(log.last_seq() == speaker::EventLog::kCapacity + 10);
  auto first = log.after(0, 1);
  REQUIRE(first.size() == 1);
  CHECK(first[0]->seq == 11);  // the 10 oldest are gone
  CHECK(log.after(log.last_seq() - 3, 100).size() == 3);
}

TEST_CASE("API: routes, stats and ARP views of a session that is not up", "[api]") {
  Fixture f;
  const std::string link = "/v1/circuits/ckt/peerings/AzurePrivatePeering/";
  auto rx = json::parse(f.get(link + "routes?path=primary&direction=received").body);
  CHECK(rx["total"] == 0);
  CHECK(rx["value"].empty());
  CHECK(rx["session"] == "ckt/AzurePrivatePeering/primary");
  CHECK(json::parse(f.get(link + "routes?path=primary&direction=advertised").body)["total"] == 0);
  CHECK(f.get(link + "routes?path=primary&direction=sideways").status == 400);
  CHECK(f.get(link + "routes?path=primary&limit=many").status == 400);
  auto stats = json::parse(f.get("/v1/circuits/ckt/stats").body);
  CHECK(stats["primarybytesIn"] == 0);
  CHECK(stats["secondarybytesOut"] == 0);
  CHECK(f.get("/v1/circuits/ckt/peerings/MicrosoftPeering/stats").status == 404);
  // Loopback addressing: 127.45.0.2 is answered by `lo` (R84).
  auto arp = f.get(link + "arpTables?path=primary");
  REQUIRE(arp.status == 200);
  auto a = json::parse(arp.body);
  REQUIRE(a["value"].size() == 2);
  CHECK(a["value"][0]["interface"] == "On-Prem");
  CHECK(a["value"][0]["ipAddress"] == "127.45.0.1");
  CHECK(a["value"][1]["interface"] == "Microsoft");
  CHECK(a["value"][1]["macAddress"] == "0000.0000.0000");
}

TEST_CASE("Reload: applied by difference, refused when sessions would change", "[api][reload]") {
  Fixture f;
  CHECK(send(f, "POST", "/v1/reload", "").status == 501);  // no reload function configured
  CHECK(send(f, "GET", "/v1/reload", "").status == 405);
  // The same file: nothing to do.
  auto same = f.emulator.reload(*config::parse_emulator_config(kConfig), msee::builtin_catalogue());
  REQUIRE(same);
  CHECK(same->empty());
  // A second VNet and a new limit: one local route added, the limit changed in place.
  std::string more = kConfig;
  more.replace(more.find(R"("addressPrefixes": ["10.1.0.0/16"]})"),
               std::string(R"("addressPrefixes": ["10.1.0.0/16"]})").size(),
               R"("addressPrefixes": ["10.1.0.0/16", "10.9.0.0/16"]})");
  auto changes = f.emulator.reload(*config::parse_emulator_config(more), msee::builtin_catalogue());
  REQUIRE(changes);
  REQUIRE(changes->size() == 1);
  CHECK((*changes)[0] == "local routes: 1 added, 0 changed, 0 withdrawn");
  auto rt = json::parse(f.get("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=primary").body);
  CHECK(rt["value"].size() == 4);  // two VNets via two gateway instances
  // Moving the primary link: needs a restart, nothing applied.
  std::string moved = more;
  moved.replace(moved.find("127.45.0.0/30"), 13, "127.46.0.0/30");
  auto refused = f.emulator.reload(*config::parse_emulator_config(moved), msee::builtin_catalogue());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().find("session ckt/AzurePrivatePeering/primary moved") != std::string::npos);
  CHECK(f.emulator.plan().sessions[0].msee_address.to_string() == "127.45.0.2");
  // Through the API, the configured reload function's answer.
  f.config.reload = [] { return msee::Result<std::vector<std::string>, std::string>(
                             msee::unexpected(std::string("not applied: because"))); };
  auto r = send(f, "POST", "/v1/reload", "");
  CHECK(r.status == 409);
  CHECK(json::parse(r.body)["error"]["message"] == "not applied: because");
}

TEST_CASE("API: a link drill shuts or prepends one link, never both (R64, Q7)", "[api][drill]") {
  Fixture f;
  const std::string primary = "/v1/circuits/ckt/links/Primary";
  const std::string secondary = "/v1/circuits/ckt/links/Secondary";
  auto link = [&](const std::string& t) { return json::parse(f.get(t).body); };
  CHECK(link(primary) == json::parse(R"({"circuit": "ckt", "linkType": "Primary",
                                          "bgpState": "Up", "asPathPrepend": 0})"));

  auto r = send(f, "PATCH", primary, R"({"asPathPrepend": 3})");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["asPathPrepend"] == 3);
  CHECK_FALSE(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/primary"));
  r = send(f, "PATCH", primary, R"({"bgpState": "Down"})");
  REQUIRE(r.status == 200);
  CHECK(link(primary)["asPathPrepend"] == 3);  // unset fields stay as they are
  CHECK(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/primary"));
  CHECK_FALSE(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/secondary"));

  // The other link is refused while this one is drained; so is a failover test.
  r = send(f, "PATCH", secondary, R"({"bgpState": "Down"})");
  CHECK(r.status == 409);
  CHECK(json::parse(r.body)["error"]["message"].get<std::string>().find("Primary link") !=
        std::string::npos);
  CHECK_FALSE(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/secondary"));
  r = send(f, "POST", "/v1/circuits/ckt/failoverTests/start", R"({"linkType": "Secondary"})");
  CHECK(r.status == 409);

  r = send(f, "PATCH", primary, R"({"bgpState": "Up", "asPathPrepend": 0})");
  REQUIRE(r.status == 200);
  CHECK_FALSE(f.emulator.speaker_of_circuit(0).admin_down("ckt/AzurePrivatePeering/primary"));
  CHECK(send(f, "PATCH", secondary, R"({"asPathPrepend": 1})").status == 200);
  CHECK(send(f, "PATCH", secondary, R"({"asPathPrepend": 0})").status == 200);

  // While a failover test runs, the drill API keeps off the circuit.
  REQUIRE(send(f, "POST", "/v1/circuits/ckt/failoverTests/start",
               R"({"linkType": "Primary", "category": "ASPathPrepend"})").status == 200);
  CHECK(send(f, "PATCH", secondary, R"({"asPathPrepend": 2})").status == 409);
  REQUIRE(send(f, "POST", "/v1/circuits/ckt/failoverTests/stop", R"({"linkType": "Primary"})")
              .status == 200);

  auto check = [&](const std::string& method, const std::string& target, const std::string& body,
                   unsigned status, const std::string& text) {
    check_error(f, method, target, body, status, text);
  };
  check("PATCH", primary, "nope", 400, "JSON object");
  check("PATCH", primary, R"({"bgpState": "Sideways"})", 400, "/bgpState");
  check("PATCH", primary, R"({"asPathPrepend": 11})", 400, "0..10");
  check("PATCH", primary, R"({"asPathPrepend": -1})", 400, "0..10");
  check("PATCH", primary, R"({"prepend": 1})", 400, "/prepend is not a field");
  check("PATCH", "/v1/circuits/ckt/links/Tertiary", "{}", 404, "Primary and Secondary");
  check("PATCH", "/v1/circuits/nope/links/Primary", "{}", 404, "no circuit");
  check("POST", primary, "{}", 405, "GET or PATCH");
  int drills = 0;
  for (const auto* e : f.events.after(0, 100)) {
    drills += e->line.find("\"event\":\"link-drill\"") != std::string::npos ? 1 : 0;
  }
  CHECK(drills == 5);
}

TEST_CASE("Plan JSON (msee-emu --plan): sessions with link, VLAN, key, limits, and advertisements",
          "[api][plan]") {
  auto cfg = *config::parse_emulator_config(kConfig);
  auto j = json::parse(config::plan_to_json(cfg, msee::make_plan(cfg, msee::builtin_catalogue())));
  CHECK(j["addressing"] == "loopback");
  REQUIRE(j["sessions"].size() == 2);
  auto s = j["sessions"][0];
  CHECK(s["name"] == "ckt/AzurePrivatePeering/primary");
  CHECK(s["path"] == "primary");
  CHECK(s["mseeAddress"] == "127.45.0.2");  // bound address (loopback mapping)
  CHECK(s["azureMseeAddress"] == "192.168.1.2");
  CHECK(s["azureCeAddress"] == "192.168.1.1");
  CHECK(s["linkPrefixLength"] == 30);
  CHECK(s["vlanId"] == 100);
  CHECK(s["peerASN"] == 65001);
  CHECK(s["mseeASN"] == 12076);
  CHECK(s["sharedKey"] == "TopSecret1");  // the lab's CE needs it; the API never shows it
  CHECK(s["routeLimit"] == 4000);
  CHECK(s["bfd"] == true);
  CHECK(j["sessions"][1]["mseeAddress"] == "127.45.0.6");
  REQUIRE(j["advertisements"].size() == 1);
  CHECK(j["advertisements"][0]["prefix"] == "10.1.0.0/16");
  CHECK(j["advertisements"][0]["to"].size() == 2);
}

TEST_CASE("API: a deferred route table renders the same body from its own copy (issue #15)",
          "[api]") {
  Fixture f;
  const std::string target = "/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=primary";
  auto inline_answer = f.get(target);
  auto deferred = api::handle_api_request(f.emulator, f.config, {"GET", target, "", ""},
                                          std::chrono::steady_clock::now(), true);
  REQUIRE(deferred.status == 200);
  CHECK(deferred.body.empty());
  REQUIRE(deferred.render);
  // The emulator's state may change before the render runs: the copy is what is written.
  auto text = deferred.render();
  CHECK(text == inline_answer.body);
  // Small answers are never deferred.
  auto sum = api::handle_api_request(
      f.emulator, f.config,
      {"GET", "/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTablesSummary?path=primary", "", ""},
      std::chrono::steady_clock::now(), true);
  CHECK_FALSE(sum.render);
  CHECK_FALSE(sum.body.empty());
}

TEST_CASE("API: /v1/sessions, written directly, is what a json tree's dump(2) prints (issue #15)",
          "[api]") {
  Fixture f;
  auto r = f.get("/v1/sessions");
  REQUIRE(r.status == 200);
  // Field order kept as written: the text must be byte for byte a json dump of itself.
  auto tree = nlohmann::ordered_json::parse(r.body);
  CHECK(tree.dump(2) + "\n" == r.body);
  REQUIRE(tree["value"].size() == 2);
  const auto& s = tree["value"][0];
  CHECK(s["name"] == "ckt/AzurePrivatePeering/primary");
  CHECK(s["peerASN"] == 65001);
  CHECK(s["mseeAddress"] == "127.45.0.2");
  CHECK(s["ceAddress"] == "127.45.0.1");  // the CE holds the first address of the /30
  CHECK(s["adminState"] == "Up");
  CHECK(s["state"].is_string());
  // Answered at once even where deferring is allowed: written on the control thread, which
  // costs less than a hand-over to the render threads under load (docs/performance.md).
  for (const auto* target : {"/v1/sessions", "/metrics"}) {
    auto direct = api::handle_api_request(f.emulator, f.config, {"GET", target, "", ""},
                                          std::chrono::steady_clock::now(), true);
    CHECK(direct.status == 200);
    CHECK_FALSE(direct.render);
    CHECK_FALSE(direct.body.empty());
  }
}

TEST_CASE("API: /metrics is the text format, one series per session, label values escaped",
          "[api]") {
  // A circuit name with a double quote and a backslash: both escaped in the label value
  // (Prometheus text format 0.0.4), or the scrape would not parse.
  std::string cfg = kConfig;
  cfg.replace(cfg.find(R"("name": "ckt")"), 13, R"("name": "ckt \"q\\b")");
  boost::asio::io_context io;
  speaker::EventLog events;
  auto parsed = config::parse_emulator_config(cfg);
  REQUIRE(parsed.has_value());
  emulator::Emulator emu{io, *parsed, msee::builtin_catalogue(), events};
  api::ApiConfig config;
  auto r = api::handle_api_request(emu, config, {"GET", "/metrics", "", ""},
                                   std::chrono::steady_clock::now());
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "text/plain; version=0.0.4");
  const std::string labels =
      R"({circuit="ckt \"q\\b",peeringType="AzurePrivatePeering",peer="primary",family="ipv4"})";
  CHECK(r.body.find("\nBgpAvailability" + labels + " 0\n") != std::string::npos);
  CHECK(r.body.find("\nmsee_bgp_route_limit" + labels + " 4000\n") != std::string::npos);
  CHECK(r.body.find("\nmsee_bgp_session_state" + labels + " 1\n") != std::string::npos);  // Idle
  // Never changed state: 0, with the three decimals of a timestamp.
  CHECK(r.body.find("\nmsee_bgp_session_last_change_timestamp_seconds" + labels + " 0.000\n") !=
        std::string::npos);
  // Every line a comment or `name{labels} value`, and every family announced before its series.
  std::set<std::string> typed;
  std::size_t series = 0;
  for (std::size_t at = 0; at < r.body.size();) {
    auto end = r.body.find('\n', at);
    REQUIRE(end != std::string::npos);  // the body ends with a line feed
    auto line = r.body.substr(at, end - at);
    at = end + 1;
    if (line.rfind("# TYPE ", 0) == 0) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) {
      continue;
    }
    auto name = line.substr(0, line.find_first_of("{ "));
    INFO(line);
    CHECK(typed.count(name) == 1);
    CHECK(line.find(' ', line.rfind('}') == std::string::npos ? 0 : line.rfind('}')) !=
          std::string::npos);
    ++series;
  }
  CHECK(series > 2 * 14);  // two sessions, fourteen families each, and the process's own
}
