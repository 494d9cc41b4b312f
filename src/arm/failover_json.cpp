// The circuit link failover test as ARM offers it since api-version 2025-07-01 (R68), over the
// emulator's own test (the REST API's /v1/circuits/{c}/failoverTests): the four POSTs on a
// circuit, each long-running like the route tables (200, or 202 + Location):
//   startCircuitLinkFailoverTest?linkType=&circuitTestCategory=   -> the test's GUID (a string)
//   stopCircuitLinkFailoverTest {linkType, circuitTestCategory, wasSimulationSuccessful,
//                                isVerified}                       -> the test's single details
//   getCircuitLinkFailoverAllTestsDetails[?fetchLatest=true]      -> [AllTestsDetails]
//   getCircuitLinkFailoverSingleTestDetails?linkType=&circuitTestCategory=&failoverTestId=
//                                                                  -> [SingleTestDetails]
// The emulator keeps no GUID per test: testGuid is a digest of circuit, link, category and
// start time, so it is stable for as long as msee-emu runs. Route lists: the emulator counts
// redundant routes and names the non-redundant prefixes during the test; those are what the
// lists carry.
#include <fmt/core.h>

#include "arm/detail_json.hpp"
#include "util/text.hpp"

namespace msee::arm::detail {

namespace {

std::string test_guid(const json& t) {
  auto text = t.value("circuit", "") + "|" + t.value("linkType", "") + "|" +
              t.value("testCategory", "") + "|" + t.value("startTime", "");
  std::uint64_t a = 0xcbf29ce484222325ULL;
  for (unsigned char ch : text) {
    a = (a ^ ch) * 0x100000001b3ULL;
  }
  std::uint64_t b = a ^ 0x9e3779b97f4a7c15ULL;
  for (unsigned char ch : text) {
    b = (b ^ ch) * 0x100000001b3ULL;
  }
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff,
                     a & 0xfff, b >> 52, b & 0xffffffffffffULL);
}

// MSEE: R68 — each session's BGP status during the test (Up/Down), per link and family.
json bgp_status(const json& t) {
  json out = json::array();
  for (const auto& s : t.value("bgpStatus", json::array())) {
    auto name = s.value("session", "");
    out.push_back({{"link", s.value("linkType", "")},
                   {"type", name.find("ipv6") != std::string::npos ? "IPv6" : "IPv4"},
                   {"status", s.value("during", "") == "Established" ? "Up" : "Down"},
                   {"checkTimeUtc", t.value("endTime", "").empty() ? t.value("startTime", "")
                                                                   : t.value("endTime", "")}});
  }
  return out;
}

json all_details(const json& t) {
  return json{{"testGuid", test_guid(t)},
              {"testType", "SingleSiteFailover"},
              {"circuitTestCategory", t.value("testCategory", "")},
              {"linkType", t.value("linkType", "")},
              {"status", t.value("status", "")},
              {"startTime", t.value("startTime", "")},
              {"endTime", t.value("endTime", "")},
              {"wasSimulationSuccessful", t.value("wasSimulationSuccessful", false)},
              {"bgpStatus", bgp_status(t)},
              {"issues", json::array()}};
}

json single_details(const json& t, bool verified) {
  json during = json::array();
  for (const auto& p : t.value("nonRedundantPrefixesDuring", json::array())) {
    during.push_back({{"route", p}, {"nextHop", ""}, {"primaryASPath", ""}, {"secondaryASPath", ""}});
  }
  return json{{"linkType", t.value("linkType", "")},
              {"circuitTestCategory", t.value("testCategory", "")},
              {"status", t.value("status", "")},
              {"startTimeUtc", t.value("startTime", "")},
              {"endTimeUtc", t.value("endTime", "")},
              {"wasSimulationSuccessful", t.value("wasSimulationSuccessful", false)},
              {"isSimulationVerified", verified},
              {"bgpStatus", bgp_status(t)},
              {"redundantRoutes",
               {{"beforeSimulation", json::array()}, {"duringSimulation", json::array()}}},
              {"nonRedundantRoutes",
               {{"beforeSimulation", json::array()}, {"duringSimulation", during}}},
              // Beyond the spec: the emulator's counts behind the lists above.
              {"routeCounts", t.value("routes", json::object())}};
}

std::string query(const Call& c, const char* key) {
  auto it = c.query.find(key);
  return it == c.query.end() ? "" : it->second;
}

}  // namespace

ArmResponse failover_action(const Call& c, const std::string& sub, const std::string& rg,
                            const std::string& circuit, const std::string& action) {
  auto f = find_circuit(c.state, sub, rg, circuit);
  if (f.error) {
    return *f.error;
  }
  auto a = util::lower(action);
  auto base = "/v1/circuits/" + pct(f.circuit->name) + "/failoverTests";
  if (a == "startcircuitlinkfailovertest") {
    json req{{"linkType", query(c, "linkType")},
             {"category", query(c, "circuitTestCategory").empty()
                              ? "BgpDisconnect" : query(c, "circuitTestCategory")}};
    auto v = v1_json(c.state, "POST", base + "/start", req.dump());
    if (v.error) {
      return *v.error;
    }
    return long_running(c, *f.circuit, json(test_guid(v.body)));
  }
  if (a == "stopcircuitlinkfailovertest") {
    auto body = json::parse(c.request.body.empty() ? "{}" : c.request.body, nullptr, false);
    if (!body.is_object()) {
      return error(400, "InvalidRequestFormat",
                   "the body must be {\"linkType\", \"circuitTestCategory\", "
                   "\"wasSimulationSuccessful\", \"isVerified\"}");
    }
    auto v = v1_json(c.state, "POST", base + "/stop",
                     json{{"linkType", body.value("linkType", "")}}.dump());
    if (v.error) {
      return *v.error;
    }
    return long_running(c, *f.circuit,
                        json::array({single_details(v.body, body.value("isVerified", false))}));
  }
  if (a != "getcircuitlinkfailoveralltestsdetails" &&
      a != "getcircuitlinkfailoversingletestdetails") {
    return error(404, "NotFound", "no action '" + action + "' on an expressRouteCircuit");
  }
  auto v = v1_json(c.state, "GET", base);
  if (v.error) {
    return *v.error;
  }
  const auto& tests = v.body["value"];
  json out = json::array();
  if (a == "getcircuitlinkfailoveralltestsdetails") {
    for (const auto& t : tests) {
      out.push_back(all_details(t));
    }
    if (util::lower(query(c, "fetchLatest")) == "true" && out.size() > 1) {
      out = json::array({out.back()});
    }
    return long_running(c, *f.circuit, out);
  }
  auto id = util::lower(query(c, "failoverTestId"));
  for (const auto& t : tests) {
    if (test_guid(t) == id) {
      out.push_back(single_details(t, false));
    }
  }
  if (out.empty()) {
    return error(404, "NotFound", "no failover test '" + query(c, "failoverTestId") +
                                      "' on circuit '" + f.circuit->name + "'");
  }
  return long_running(c, *f.circuit, out);
}

}  // namespace msee::arm::detail
