// Internal to the REST API, without JSON: the request as the router hands it to a handler
// (Target, Call), the helpers both the Beast server and the handlers use (parse_target,
// parse_count, Azure's error body), and every handler the route table (router.cpp) names,
// grouped by the file that owns it. The JSON side of the helpers is detail_json.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/api.hpp"
#include "msee/plan.hpp"

namespace msee::api::detail {

// A request target, %-decoded: the path's non-empty segments and the query parameters.
struct Target {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};

// Splits "/a//b?x=1&y" into {a, b} and {x: 1, y: ""}; nullopt for a bad %-escape.
std::optional<Target> parse_target(std::string_view target);

// A decimal count: digits only (std::stoull would take "-1" and " 7"), at most 18 of them.
std::optional<std::uint64_t> parse_count(std::string_view s);

// Azure's error shape {"error": {"code", "message"}} with `status` (defined in detail_json.cpp,
// so that the server can answer 400/413 without seeing JSON).
ApiResponse error(unsigned status, std::string_view code, std::string message);

// Seconds since `t`; 0 for a time never set.
std::chrono::seconds since(std::chrono::system_clock::time_point t);

// The session of circuit/peering with the `path` (primary|secondary, required) and `family`
// (ipv4|ipv6, default ipv4) query parameters, or the 400/404 to answer.
std::variant<const msee::SessionPlan*, ApiResponse> find_session(const emulator::Emulator& emu,
                                                                const std::string& circuit,
                                                                const std::string& peering,
                                                                const Target& t);

// One routed request: what a handler may read. `param` is a {name} segment of the route's
// pattern ("" for a name the pattern does not have).
struct Call {
  emulator::Emulator& emu;
  const ApiConfig& config;
  const ApiRequest& request;
  const Target& target;
  std::chrono::steady_clock::time_point started;  // the server's start (uptime of R83)
  std::vector<std::pair<std::string_view, std::string>> params;
  bool defer_render = false;  // a big body may be left to ApiResponse::render

  const std::string& param(std::string_view name) const;
};

using Handler = ApiResponse (*)(const Call&);

// circuits_json.cpp: the circuits as ARM shows them, peering state (R66), stats (R85), ARP
// (R84), the raw sessions, and reload.
ApiResponse list_circuits(const Call& c);        // GET /v1/circuits
ApiResponse get_circuit(const Call& c);          // GET /v1/circuits/{circuit}
ApiResponse get_peering(const Call& c);          // GET .../peerings/{peering}
ApiResponse update_peering(const Call& c);       // PATCH .../peerings/{peering}
ApiResponse circuit_stats(const Call& c);        // GET /v1/circuits/{circuit}/stats
ApiResponse peering_stats(const Call& c);        // GET .../peerings/{peering}/stats
ApiResponse arp_table(const Call& c);            // GET .../peerings/{peering}/arpTables
ApiResponse list_sessions(const Call& c);        // GET /v1/sessions
ApiResponse reload(const Call& c);               // POST /v1/reload

// routes_json.cpp: routes (R82, R83, msee-ctl routes), the event log, the MRT table dump.
ApiResponse route_table(const Call& c);          // GET .../peerings/{peering}/routeTables
ApiResponse route_table_summary(const Call& c);  // GET .../routeTablesSummary
ApiResponse routes(const Call& c);               // GET .../peerings/{peering}/routes
ApiResponse events(const Call& c);               // GET /v1/events
ApiResponse table_dump(const Call& c);           // POST /v1/mrt/tableDump

// drills_json.cpp: Azure's link failover test (R68) and the drills' link faults (R64, Q7).
ApiResponse list_failover_tests(const Call& c);  // GET /v1/circuits/{circuit}/failoverTests
ApiResponse start_failover_test(const Call& c);  // POST .../failoverTests/start
ApiResponse stop_failover_test(const Call& c);   // POST .../failoverTests/stop
ApiResponse link_drill(const Call& c);           // GET|PATCH /v1/circuits/{circuit}/links/{link}

// metrics.cpp: Prometheus text (R86 and the speaker's counters).
ApiResponse metrics(const Call& c);              // GET /metrics

}  // namespace msee::api::detail
