// The circuit config loader against any text: what `msee-emu --check` and `--plan` run on a
// circuit config (app/load.cpp load_circuits = config::parse_emulator_config, then
// msee::make_plan; --plan prints config::plan_to_json), without the filesystem: a config that
// names a microsoftPrefixesFile is planned with the built-in catalogue instead of reading it.
// No crash, no exception, a failure is a clean list of errors (config_check.hpp), and the plan
// of an accepted config prints as JSON. Shared by config_fuzz.cpp and the replay test
// tests/msee/config/config_vectors_test.cpp. Header-only.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "config_check.hpp"
#include "msee/config/config.hpp"
#include "msee/plan.hpp"

namespace msee::fuzz {

inline std::optional<std::string> check_circuit_config(std::string_view text) {
  return no_exception("circuit config", [&]() -> std::optional<std::string> {
    (void)config::detect_config_kind(text);
    auto cfg = config::parse_emulator_config(text);
    if (!cfg) {
      return check_config_errors(cfg.error(), "parse_emulator_config");
    }
    const auto plan = msee::make_plan(*cfg, msee::builtin_catalogue());
    const auto printed = config::plan_to_json(*cfg, plan);
    if (nlohmann::json::parse(printed, nullptr, false).is_discarded()) {
      return "plan_to_json printed something that is not JSON";
    }
    return std::nullopt;
  });
}

}  // namespace msee::fuzz
