// Internal to the REST API, the JSON side of the handlers' helpers: the JSON type of every
// body (insertion-ordered, so fields print in Azure's order) and the 200 answer. The helpers
// without JSON, the Call a handler gets and the handlers themselves are in handlers.hpp.
#pragma once

#include <nlohmann/json.hpp>

#include "api/api.hpp"
#include "api/handlers.hpp"

namespace msee::api::detail {

using json = nlohmann::ordered_json;

// A 200 with `j`, pretty-printed (2 spaces) and newline-terminated like error().
ApiResponse ok(const json& j);

// A circuit as `az network express-route show` prints it; `index` is its position in the
// config (its default S-tag). circuit_view_json.cpp.
json circuit_view(const msee::Circuit& c, std::size_t index);

}  // namespace msee::api::detail
