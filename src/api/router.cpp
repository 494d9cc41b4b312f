// handle_api_request: the REST API's route table ({method, path pattern, handler}) and the
// answers no handler gives: 401 without the bearer token, 400 for a bad %-escape, 405 for a
// method a path does not take, 404 for an unknown path. Error bodies follow Azure's shape.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api.hpp"
#include "api/handlers.hpp"

namespace msee::api {

using namespace detail;

namespace {

// A pattern's segments are literals or {name}s; a {name} matches any one segment and is
// handed to the handler as Call::param(name). Segments are compared after %-decoding.
// `parked`: the handler runs inside Emulator::exclusive() (every protocol thread parked: one
// consistent state, changes allowed). The read-only handlers of per-session values do not
// park anything (issue #15): summary, sessions and /metrics read the status board
// (Emulator::session_status), a route table walk visits its session's thread only
// (Emulator::on_shards).
struct Route {
  std::string_view method;
  std::string_view pattern;
  Handler handler;
  bool parked = true;
};
constexpr bool kUnparked = false;

// Paths are Azure's where Azure has the resource (ARM's names: circuits, peerings,
// routeTables, arpTables, stats, failoverTests), msee-emu's own otherwise.
constexpr Route kRoutes[] = {
    {"GET", "/metrics", metrics, kUnparked},
    {"GET", "/v1/circuits", list_circuits},
    {"GET", "/v1/circuits/{circuit}", get_circuit},
    {"GET", "/v1/circuits/{circuit}/stats", circuit_stats},
    {"GET", "/v1/circuits/{circuit}/peerings/{peering}", get_peering},
    {"PATCH", "/v1/circuits/{circuit}/peerings/{peering}", update_peering},
    {"GET", "/v1/circuits/{circuit}/peerings/{peering}/stats", peering_stats},
    {"GET", "/v1/circuits/{circuit}/peerings/{peering}/arpTables", arp_table},
    {"GET", "/v1/circuits/{circuit}/peerings/{peering}/routeTables", route_table, kUnparked},
    {"GET", "/v1/circuits/{circuit}/peerings/{peering}/routeTablesSummary", route_table_summary, kUnparked},
    {"GET", "/v1/circuits/{circuit}/peerings/{peering}/routes", routes},
    {"GET", "/v1/circuits/{circuit}/failoverTests", list_failover_tests},
    {"POST", "/v1/circuits/{circuit}/failoverTests/start", start_failover_test},
    {"POST", "/v1/circuits/{circuit}/failoverTests/stop", stop_failover_test},
    {"GET", "/v1/circuits/{circuit}/links/{link}", link_drill},
    {"PATCH", "/v1/circuits/{circuit}/links/{link}", link_drill},
    {"GET", "/v1/sessions", list_sessions, kUnparked},
    {"GET", "/v1/events", events},
    {"POST", "/v1/reload", reload},
    {"POST", "/v1/mrt/tableDump", table_dump},
};

// The 405 message of the paths that take more than GET ("{method}": the request's method).
// Every other path, known or not, answers any method but GET with kOnlyGet.
struct NotAllowed {
  std::string_view pattern;
  std::string_view message;
};
constexpr NotAllowed kNotAllowed[] = {
    {"/v1/circuits/{circuit}/peerings/{peering}", "a peering takes GET or PATCH, not {method}"},
    {"/v1/circuits/{circuit}/links/{link}", "a link takes GET or PATCH, not {method}"},
    {"/v1/circuits/{circuit}/failoverTests/start", "failoverTests/start takes POST"},
    {"/v1/circuits/{circuit}/failoverTests/stop", "failoverTests/stop takes POST"},
    {"/v1/reload", "reload takes POST, not {method}"},
    {"/v1/mrt/tableDump", "tableDump takes POST, not {method}"},
};
constexpr std::string_view kOnlyGet = "only GET is supported here, not {method}";

using Params = std::vector<std::pair<std::string_view, std::string>>;

// The {name} values of `pattern` on these segments, or nullopt if the pattern does not match.
std::optional<Params> match(std::string_view pattern, const std::vector<std::string>& segments) {
  Params params;
  std::size_t n = 0;
  while (!pattern.empty()) {
    pattern.remove_prefix(1);  // the '/'
    auto part = pattern.substr(0, pattern.find('/'));
    pattern.remove_prefix(part.size());
    if (n == segments.size()) {
      return std::nullopt;
    }
    if (part.starts_with('{')) {
      params.emplace_back(part.substr(1, part.size() - 2), segments[n]);
    } else if (part != segments[n]) {
      return std::nullopt;
    }
    ++n;
  }
  if (n != segments.size()) {
    return std::nullopt;
  }
  return params;
}

std::string not_allowed(const std::vector<std::string>& segments, const std::string& method) {
  std::string_view text = kOnlyGet;
  for (const auto& na : kNotAllowed) {
    if (match(na.pattern, segments)) {
      text = na.message;
      break;
    }
  }
  std::string out(text);
  if (auto at = out.find("{method}"); at != std::string::npos) {
    out.replace(at, std::string_view("{method}").size(), method);
  }
  return out;
}

// The bearer token check in time that does not depend on where the first difference is (a
// byte-by-byte early exit would let a client find the token one octet at a time). Only the
// length can show: it is not the secret.
bool token_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() != kScheme.size() + token.size() ||
      authorization.substr(0, kScheme.size()) != kScheme) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(authorization[kScheme.size() + i] ^ token[i]);
  }
  return diff == 0;
}

}  // namespace

ApiResponse handle_api_request(emulator::Emulator& emu, const ApiConfig& config,
                               const ApiRequest& req,
                               std::chrono::steady_clock::time_point started,
                               bool defer_render) {
  // Every request, /metrics included, once a token is set (any non-loopback bind needs one).
  if (!config.token.empty() && !token_matches(req.authorization, config.token)) {
    return error(401, "AuthenticationFailed",
                 "a valid 'Authorization: Bearer <token>' is required");
  }
  auto t = parse_target(req.target);
  if (!t) {
    return error(400, "InvalidRequest", "bad percent-encoding in the URL");
  }
  bool path_known = false;
  for (const auto& route : kRoutes) {
    auto params = match(route.pattern, t->segments);
    if (!params) {
      continue;
    }
    if (route.method == req.method) {
      Call call{emu, config, req, *t, started, std::move(*params), defer_render};
      if (!route.parked) {
        return route.handler(call);
      }
      return emu.exclusive([&] { return route.handler(call); });
    }
    path_known = true;
  }
  // A known path with another method is a 405. So is any method but GET on an unknown path:
  // the API has always answered those "only GET is supported here" before looking at the path.
  if (path_known || req.method != "GET") {
    return error(405, "MethodNotAllowed", not_allowed(t->segments, req.method));
  }
  if (t->segments.empty() || t->segments[0] != "v1") {
    return error(404, "NotFound", "unknown path; the API is under /v1 (and /metrics)");
  }
  return error(404, "NotFound", "unknown path " + std::string(req.target));
}

}  // namespace msee::api
