// The router config parser (speaker::parse_router_config, what `msee-emu --check` runs on a
// config with "router"/"neighbors") against any text: no crash, no exception, and a failure
// is a clean list of errors (config_check.hpp). Shared by config_fuzz.cpp and the replay test
// tests/speaker/config_vectors_test.cpp. Header-only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config_check.hpp"
#include "speaker/router_config.hpp"

namespace msee::fuzz {

inline std::optional<std::string> check_router_config(std::string_view text) {
  return no_exception("parse_router_config", [&]() -> std::optional<std::string> {
    auto cfg = speaker::parse_router_config(text);
    if (!cfg) {
      return check_config_errors(cfg.error(), "parse_router_config");
    }
    // RFC 4271 §4.2: what the OPEN will carry must be sendable.
    if (cfg->asn == 0 || cfg->router_id == 0) {
      return "parse_router_config accepted AS 0 or BGP Identifier 0";
    }
    for (const auto& n : cfg->neighbors) {
      if (n.peer_asn == 0 || n.hold_time == 1 || n.hold_time == 2) {
        return "parse_router_config accepted neighbour '" + n.name +
               "' with AS 0 or with hold time 1 or 2";
      }
    }
    return std::nullopt;
  });
}

}  // namespace msee::fuzz
