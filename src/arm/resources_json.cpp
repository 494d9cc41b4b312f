// ARM's expressRouteCircuits resources over the emulator: the circuits (in a resource group
// and in the subscription), their peerings, and the per-MSEE route table (R82), route table
// summary (R83) and ARP table (R84) as the REST spec's long-running POSTs: 200 with the result,
// or 202 with a Location the client polls (ARM's own behaviour), whose answer is the result.
// Every value comes from the REST API's handlers (the views msee-ctl prints), re-nested into
// the spec's shapes here.
#include "arm/detail_json.hpp"
#include "util/text.hpp"

namespace msee::arm::detail {

namespace {

std::string circuit_path(const msee::Circuit& c) { return "/v1/circuits/" + pct(c.name); }

// The spec's names of the tables (segment after the peering) -> the REST API's.
std::optional<std::string> v1_table(std::string_view table) {
  auto t = util::lower(table);
  if (t == "routetables") {
    return "routeTables";
  }
  if (t == "routetablessummary") {
    return "routeTablesSummary";
  }
  if (t == "arptables") {
    return "arpTables";
  }
  return std::nullopt;
}

// The peering's name as the emulator spells it (ARM compares names without case).
std::string peering_name(std::string_view name) {
  for (auto t : {msee::PeeringType::AzurePrivatePeering, msee::PeeringType::MicrosoftPeering,
                 msee::PeeringType::AzurePublicPeering}) {
    if (util::lower(msee::to_string(t)) == util::lower(name)) {
      return std::string(msee::to_string(t));
    }
  }
  return std::string(name);
}

ArmResponse peering_not_found(const std::string& circuit, const std::string& peering) {
  return error(404, "NotFound",
               "Resource /expressRouteCircuits/" + circuit + "/peerings/" + peering +
                   " not found (the emulated circuit has no such peering).");
}

}  // namespace

ArmResponse list_circuits(const Call& c, const std::string& sub, const std::string* rg) {
  if (!subscription_known(c.state, sub)) {
    return error(404, "SubscriptionNotFound", "The subscription '" + sub + "' could not be found.");
  }
  if (rg != nullptr && !resource_group_known(c.state, sub, *rg)) {
    return error(404, "ResourceGroupNotFound", "Resource group '" + *rg + "' could not be found.");
  }
  json value = json::array();
  for (const auto& circuit : c.state.emu.config().circuits) {
    if (util::lower(circuit.subscription_id) != util::lower(sub) ||
        (rg != nullptr && util::lower(circuit.resource_group) != util::lower(*rg))) {
      continue;
    }
    auto v = v1_json(c.state, "GET", circuit_path(circuit));
    if (v.error) {
      return *v.error;
    }
    value.push_back(arm_circuit(v.body));
  }
  return ok(json{{"value", std::move(value)}});
}

ArmResponse get_circuit(const Call& c, const std::string& sub, const std::string& rg,
                        const std::string& circuit) {
  auto f = find_circuit(c.state, sub, rg, circuit);
  if (f.error) {
    return *f.error;
  }
  auto v = v1_json(c.state, "GET", circuit_path(*f.circuit));
  if (v.error) {
    return *v.error;
  }
  return ok(arm_circuit(v.body));
}

ArmResponse list_peerings(const Call& c, const std::string& sub, const std::string& rg,
                          const std::string& circuit) {
  auto f = find_circuit(c.state, sub, rg, circuit);
  if (f.error) {
    return *f.error;
  }
  auto v = v1_json(c.state, "GET", circuit_path(*f.circuit));
  if (v.error) {
    return *v.error;
  }
  json value = json::array();
  for (const auto& p : v.body["peerings"]) {
    value.push_back(arm_peering(p));
  }
  return ok(json{{"value", std::move(value)}});
}

ArmResponse get_peering(const Call& c, const std::string& sub, const std::string& rg,
                        const std::string& circuit, const std::string& peering) {
  auto f = find_circuit(c.state, sub, rg, circuit);
  if (f.error) {
    return *f.error;
  }
  auto name = peering_name(peering);
  auto v = v1_json(c.state, "GET", circuit_path(*f.circuit) + "/peerings/" + pct(name));
  if (v.error) {
    return v.error->status == 404 ? peering_not_found(f.circuit->name, peering) : *v.error;
  }
  return ok(arm_peering(v.body));
}

// MSEE: R82, R83, R84 — POST .../peerings/{p}/routeTables|routeTablesSummary|arpTables/{path}.
ArmResponse post_table(const Call& c, const std::string& sub, const std::string& rg,
                       const std::string& circuit, const std::string& peering,
                       const std::string& table, const std::string& path) {
  auto f = find_circuit(c.state, sub, rg, circuit);
  if (f.error) {
    return *f.error;
  }
  auto t = v1_table(table);
  if (!t) {
    return error(404, "NotFound", "no operation '" + table + "' on a peering");
  }
  auto v = v1_json(c.state, "GET",
                   circuit_path(*f.circuit) + "/peerings/" + pct(peering_name(peering)) + "/" +
                       *t + "?path=" + pct(path));
  if (v.error) {
    return *v.error;
  }
  return long_running(c, *f.circuit, json{{"nextLink", nullptr}, {"value", v.body["value"]}});
}

ArmResponse long_running(const Call& c, const msee::Circuit& circuit, const json& result) {
  if (!c.async()) {
    return ok(result);
  }
  auto id = c.state.keep(Operation{200, result.dump(2) + "\n", {}});
  ArmResponse r{202, "", "application/json; charset=utf-8", {}};
  r.headers.emplace_back("Location", c.base_url() + "/subscriptions/" + circuit.subscription_id +
                                         "/providers/Microsoft.Network/locations/" +
                                         circuit.location + "/operationResults/" + id +
                                         "?api-version=" + c.api_version());
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// GET .../locations/{l}/operationResults/{id} (the Location of a 202: the final result) and
// .../operations/{id} (an Azure-AsyncOperation: the operation's status).
ArmResponse get_operation(const Call& c, const std::string& sub, const std::string& kind,
                          const std::string& id) {
  if (!subscription_known(c.state, sub)) {
    return error(404, "SubscriptionNotFound", "The subscription '" + sub + "' could not be found.");
  }
  auto it = c.state.operations.find(id);
  if (it == c.state.operations.end()) {
    return error(404, "NotFound", "no operation '" + id + "' (operations are kept 10 minutes)");
  }
  if (util::lower(kind) == "operations") {
    return ok(json{{"name", id}, {"status", "Succeeded"}});
  }
  return ArmResponse{it->second.status, it->second.body, "application/json; charset=utf-8", {}};
}

}  // namespace msee::arm::detail
