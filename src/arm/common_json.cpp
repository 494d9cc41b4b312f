// What every ARM handler uses: ARM's error body, the REST API call (the emulator is read only
// through it), the REST spec's resource shapes made from az's views, finding a circuit by its
// ARM id, and the store of long-running operations.
#include <fmt/core.h>

#include <cctype>

#include "arm/detail_json.hpp"
#include "util/text.hpp"

namespace msee::arm::detail {

namespace {

// az spells these as Python's snake_case turned camelCase; the REST spec as ARM sends them.
const std::map<std::string, std::string>& spec_spellings() {
  static const std::map<std::string, std::string> m{
      {"peerAsn", "peerASN"}, {"azureAsn", "azureASN"}, {"customerAsn", "customerASN"}};
  return m;
}

json respell(const json& j) {
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) {
      out.push_back(respell(v));
    }
    return out;
  }
  if (!j.is_object()) {
    return j;
  }
  json out = json::object();
  for (const auto& [k, v] : j.items()) {
    auto it = spec_spellings().find(k);
    out[it != spec_spellings().end() ? it->second : k] = respell(v);
  }
  return out;
}

// A child resource as ARM nests it: the identity at the top, the rest under "properties".
json nest(const json& az, std::initializer_list<std::string_view> top) {
  json out = json::object();
  json props = json::object();
  for (const auto& [k, v] : az.items()) {
    if (k == "resourceGroup") {
      continue;  // az adds it from the id; ARM does not send it
    }
    bool at_top = false;
    for (auto t : top) {
      at_top = at_top || k == t;
    }
    auto it = spec_spellings().find(k);
    if (at_top) {
      out[k] = v;
    } else {
      props[it != spec_spellings().end() ? it->second : k] = respell(v);
    }
  }
  out["properties"] = std::move(props);
  return out;
}

}  // namespace

ArmResponse ok(const json& j, unsigned status) {
  return ArmResponse{status, j.dump(2) + "\n", "application/json; charset=utf-8", {}};
}

ArmResponse error(unsigned status, std::string_view code, std::string message) {
  json j{{"error", {{"code", code}, {"message", std::move(message)}}}};
  return ArmResponse{status, j.dump(2) + "\n", "application/json; charset=utf-8", {}};
}

json arm_peering(const json& az) {
  json p = nest(az, {"id", "name", "type", "etag"});
  // Global Reach links are child resources too.
  if (p["properties"].contains("connections")) {
    json conns = json::array();
    for (const auto& cj : p["properties"]["connections"]) {
      conns.push_back(nest(cj, {"id", "name", "type", "etag"}));
    }
    p["properties"]["connections"] = std::move(conns);
  }
  return p;
}

json arm_circuit(const json& az) {
  json c = nest(az, {"id", "name", "type", "etag", "location", "tags", "sku"});
  if (az.contains("peerings")) {
    json peerings = json::array();
    for (const auto& pj : az["peerings"]) {
      peerings.push_back(arm_peering(pj));
    }
    c["properties"]["peerings"] = std::move(peerings);
  }
  return c;
}

std::string pct(std::string_view segment) {
  std::string out;
  for (unsigned char ch : segment) {
    if (std::isalnum(ch) != 0 || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out += fmt::format("%{:02X}", ch);
    }
  }
  return out;
}

api::ApiResponse v1(State& state, const std::string& method, const std::string& path,
                    const std::string& body) {
  api::ApiRequest r{method, path,
                    state.api.token.empty() ? "" : "Bearer " + state.api.token, body};
  return api::handle_api_request(state.emu, state.api, r, state.started);
}

V1Json v1_json(State& state, const std::string& method, const std::string& path,
               const std::string& body) {
  auto r = v1(state, method, path, body);
  auto j = json::parse(r.body, nullptr, false);
  if (r.status >= 400) {
    std::string code = "InternalServerError";
    std::string message = r.body;
    if (j.is_object() && j.contains("error") && j["error"].is_object()) {
      code = j["error"].value("code", code);
      message = j["error"].value("message", message);
    }
    return {json(), error(r.status, code, message)};
  }
  if (j.is_discarded()) {
    return {json(), error(500, "InternalServerError", "the emulator's view is not JSON")};
  }
  return {std::move(j), std::nullopt};
}

bool subscription_known(const State& state, const std::string& sub) {
  for (const auto& c : state.emu.config().circuits) {
    if (util::lower(c.subscription_id) == util::lower(sub)) {
      return true;
    }
  }
  return false;
}

bool resource_group_known(const State& state, const std::string& sub, const std::string& rg) {
  for (const auto& c : state.emu.config().circuits) {
    if (util::lower(c.subscription_id) == util::lower(sub) &&
        util::lower(c.resource_group) == util::lower(rg)) {
      return true;
    }
  }
  return false;
}

Found find_circuit(const State& state, const std::string& sub, const std::string& rg,
                   const std::string& name) {
  if (!subscription_known(state, sub)) {
    return {nullptr, error(404, "SubscriptionNotFound",
                           "The subscription '" + sub + "' could not be found.")};
  }
  if (!resource_group_known(state, sub, rg)) {
    return {nullptr, error(404, "ResourceGroupNotFound",
                           "Resource group '" + rg + "' could not be found.")};
  }
  for (const auto& c : state.emu.config().circuits) {
    if (util::lower(c.subscription_id) == util::lower(sub) &&
        util::lower(c.resource_group) == util::lower(rg) &&
        util::lower(c.name) == util::lower(name)) {
      return {&c, std::nullopt};
    }
  }
  return {nullptr, error(404, "ResourceNotFound",
                         "The Resource 'Microsoft.Network/expressRouteCircuits/" + name +
                             "' under resource group '" + rg + "' was not found.")};
}

std::string State::keep(Operation op) {
  auto now = std::chrono::steady_clock::now();
  for (auto it = operations.begin(); it != operations.end();) {
    it = now - it->second.created > kOperationLifetime ? operations.erase(it) : std::next(it);
  }
  while (operations.size() >= kMaxOperations) {
    auto oldest = operations.begin();
    for (auto it = operations.begin(); it != operations.end(); ++it) {
      if (it->second.created < oldest->second.created) {
        oldest = it;
      }
    }
    operations.erase(oldest);
  }
  // A GUID-shaped id, as ARM's operation ids are.
  auto hex = random_hex(16);
  auto id = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
            hex.substr(16, 4) + "-" + hex.substr(20, 12);
  op.created = now;
  operations.emplace(id, std::move(op));
  return id;
}

std::string Call::base_url() const {
  return "https://" + (request.host.empty() ? state.config.address : request.host);
}

bool Call::async() const {
  auto h = util::lower(request.lro);
  if (h == "sync") {
    return false;
  }
  if (h == "async") {
    return true;
  }
  return state.config.lro == Lro::Async;
}

std::string Call::api_version() const {
  auto it = query.find("api-version");
  return it != query.end() && !it->second.empty() ? it->second : "2022-07-01";
}

}  // namespace msee::arm::detail
