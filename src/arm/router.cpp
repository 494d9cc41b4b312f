// The ARM endpoint's route table: which paths exist, which need a token, and the answers no
// handler gives (401 for a token that fails the check, 404 for an unknown path, 405 for a
// method a path does not take), in ARM's error shape. ARM compares the literal segments of a
// path without case ("resourcegroups", "microsoft.network"), and so does this table.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/handlers.hpp"
#include "arm/handlers.hpp"
#include "arm/token.hpp"
#include "util/text.hpp"

namespace msee::arm::detail {

namespace {

using Params = std::vector<std::string>;
using Fn = ArmResponse (*)(const Call&, const Params&);

struct Route {
  std::string_view method;
  std::string pattern;  // "{x}" matches any one segment, handed over in order
  bool needs_token;
  Fn fn;
};

constexpr std::string_view kCircuits =
    "/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Network/expressRouteCircuits";

// Built once; the circuit patterns extend kCircuits.
const std::vector<Route>& routes() {
  static const std::vector<Route> table = [] {
    auto c = std::string(kCircuits);
    return std::vector<Route>{
        // The authority and ARM's metadata: read before there is a token.
        {"GET", "/metadata/endpoints", false,
         [](const Call& x, const Params&) { return metadata_endpoints(x); }},
        {"GET", "/{t}/.well-known/openid-configuration", false,
         [](const Call& x, const Params&) { return openid_configuration(x); }},
        {"GET", "/{t}/v2.0/.well-known/openid-configuration", false,
         [](const Call& x, const Params&) { return openid_configuration(x); }},
        // az login --tenant NAME resolves a tenant that is not a GUID through
        // {authority}/NAME/.well-known/openid-configuration (the issuer's 4th '/' field).
        {"GET", "/adfs/{t}/.well-known/openid-configuration", false,
         [](const Call& x, const Params&) { return openid_configuration(x); }},
        {"POST", "/{t}/oauth2/token", false,
         [](const Call& x, const Params&) { return token(x); }},
        {"POST", "/{t}/oauth2/v2.0/token", false,
         [](const Call& x, const Params&) { return token(x); }},
        {"GET", "/{t}/discovery/keys", false,
         [](const Call& x, const Params&) { return signing_keys(x); }},
        // ARM.
        {"GET", "/subscriptions", true,
         [](const Call& x, const Params&) { return list_subscriptions(x); }},
        {"GET", "/tenants", true, [](const Call& x, const Params&) { return list_tenants(x); }},
        {"GET", "/subscriptions/{s}", true,
         [](const Call& x, const Params&) { return get_subscription(x); }},
        {"GET", "/subscriptions/{s}/resourceGroups/{g}", true,
         [](const Call& x, const Params&) { return get_resource_group(x); }},
        {"GET", "/subscriptions/{s}/providers/Microsoft.Network/expressRouteCircuits", true,
         [](const Call& x, const Params& a) { return list_circuits(x, a[0], nullptr); }},
        {"GET", "/subscriptions/{s}/providers/Microsoft.Network/locations/{l}/{kind}/{id}", true,
         [](const Call& x, const Params& a) { return get_operation(x, a[0], a[2], a[3]); }},
        {"GET", c, true,
         [](const Call& x, const Params& a) { return list_circuits(x, a[0], &a[1]); }},
        {"GET", c + "/{c}", true,
         [](const Call& x, const Params& a) { return get_circuit(x, a[0], a[1], a[2]); }},
        {"GET", c + "/{c}/peerings", true,
         [](const Call& x, const Params& a) { return list_peerings(x, a[0], a[1], a[2]); }},
        {"GET", c + "/{c}/peerings/{p}", true,
         [](const Call& x, const Params& a) { return get_peering(x, a[0], a[1], a[2], a[3]); }},
        {"PUT", c + "/{c}/peerings/{p}", true,
         [](const Call& x, const Params& a) { return put_peering(x, a[0], a[1], a[2], a[3]); }},
        {"POST", c + "/{c}/peerings/{p}/{table}/{path}", true,
         [](const Call& x, const Params& a) {
           return post_table(x, a[0], a[1], a[2], a[3], a[4], a[5]);
         }},
        {"POST", c + "/{c}/startCircuitLinkFailoverTest", true,
         [](const Call& x, const Params& a) {
           return failover_action(x, a[0], a[1], a[2], "startCircuitLinkFailoverTest");
         }},
        {"POST", c + "/{c}/stopCircuitLinkFailoverTest", true,
         [](const Call& x, const Params& a) {
           return failover_action(x, a[0], a[1], a[2], "stopCircuitLinkFailoverTest");
         }},
        {"POST", c + "/{c}/getCircuitLinkFailoverAllTestsDetails", true,
         [](const Call& x, const Params& a) {
           return failover_action(x, a[0], a[1], a[2], "getCircuitLinkFailoverAllTestsDetails");
         }},
        {"POST", c + "/{c}/getCircuitLinkFailoverSingleTestDetails", true,
         [](const Call& x, const Params& a) {
           return failover_action(x, a[0], a[1], a[2], "getCircuitLinkFailoverSingleTestDetails");
         }},
    };
  }();
  return table;
}

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
      params.push_back(segments[n]);
    } else if (util::lower(part) != util::lower(segments[n])) {
      return std::nullopt;
    }
    ++n;
  }
  if (n != segments.size()) {
    return std::nullopt;
  }
  return params;
}

}  // namespace

ArmResponse route(State& state, const ArmRequest& req) {
  auto t = api::detail::parse_target(req.target);
  if (!t) {
    return error(400, "InvalidRequestUri", "bad percent-encoding in the URL");
  }
  bool path_known = false;
  for (const auto& r : routes()) {
    auto params = match(r.pattern, t->segments);
    if (!params) {
      continue;
    }
    if (r.method != req.method) {
      path_known = true;
      continue;
    }
    if (r.needs_token) {
      if (auto bad = check_token(*state.pki, req.authorization, state.config.audience,
                                 std::chrono::system_clock::now())) {
        auto res = error(401, bad->code, bad->message);
        res.headers.emplace_back(
            "WWW-Authenticate",
            "Bearer authorization_uri=\"https://" + req.host + "/adfs\", error=\"invalid_token\"");
        return res;
      }
    }
    return r.fn(Call{state, req, std::move(t->segments), std::move(t->query)}, *params);
  }
  if (path_known) {
    return error(405, "MethodNotAllowed",
                 "The requested resource does not support http method '" + req.method + "'.");
  }
  return error(404, "NotFound", "No HTTP resource was found that matches the request URI '" +
                                    req.target + "' (msee-emu serves Microsoft.Network/"
                                    "expressRouteCircuits and what Azure's clients read first).");
}

}  // namespace msee::arm::detail
