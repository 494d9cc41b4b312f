// Internal to the ARM endpoint, the JSON side: the body type, the 200 answer, and the REST
// spec's resource shapes made from the REST API's az-shaped views (the same view builders
// msee-ctl shows), so the two never disagree on a value.
#pragma once

#include <nlohmann/json.hpp>

#include "arm/handlers.hpp"

namespace msee::arm::detail {

using json = nlohmann::ordered_json;

ArmResponse ok(const json& j, unsigned status = 200);

// az's flattened circuit (GET /v1/circuits/C) as ARM's resource: id, name, type, etag,
// location, tags, sku at the top, the rest under "properties", with the REST spec's
// spellings (peerASN, azureASN, customerASN); az's extra "resourceGroup" dropped.
json arm_circuit(const json& az);
json arm_peering(const json& az);

// A long-running POST's answer (R82-R84, R68): 200 with `result`, or, when the call is
// async, 202 with a Location under the circuit's subscription and location whose GET answers
// `result` (the REST spec's final-state-via: location).
ArmResponse long_running(const Call& c, const msee::Circuit& circuit, const json& result);

// The REST API's answer as JSON, or the ARM error to answer (its status, code and message).
struct V1Json {
  json body;
  std::optional<ArmResponse> error;
};
V1Json v1_json(State& state, const std::string& method, const std::string& path,
               const std::string& body = "");

}  // namespace msee::arm::detail
