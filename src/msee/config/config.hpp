// Loading an emulator config (circuits, peerings, VNets, Global Reach, route filters) from
// JSON: our native file, `az network express-route show/list` output, or raw ARM JSON (a
// circuit resource or a deployment template). Parse errors and Azure-rule violations
// (msee/validate.hpp) come back together, each with its JSON path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "msee/azure.hpp"
#include "msee/circuit.hpp"
#include "msee/plan.hpp"
#include "util/config_error.hpp"
#include "util/result.hpp"

namespace msee::config {

enum class ConfigKind {
  Router,    // a plain router / test harness ("router" + "neighbors")
  Emulator,  // ExpressRoute circuits
  Unknown,
};
// Looks at the top level of a JSON document; Unknown also for text that is not JSON.
ConfigKind detect_config_kind(std::string_view json_text);

// Parses and validates; returns every error found.
Result<msee::EmulatorConfig, std::vector<util::ConfigError>> parse_emulator_config(
    std::string_view json_text);
Result<msee::EmulatorConfig, std::vector<util::ConfigError>> load_emulator_config(const std::string& file);

// The Microsoft-peering prefix catalogue: the built-in one, or the file named in the config
// (a JSON array of {"service", "region", "communities": [..], "prefixes": [..]}).
Result<std::vector<msee::CatalogueEntry>, std::vector<util::ConfigError>> load_catalogue(
    const std::string& file);

// `msee-emu --plan FILE` (plan_json.cpp): the sessions and advertisements the emulator would
// run, as JSON, for the lab launcher and for scripts.
std::string plan_to_json(const msee::EmulatorConfig& config, const msee::Plan& plan);

}  // namespace msee::config
