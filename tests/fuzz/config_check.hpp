// Shared by the config fuzz harnesses (router_config_check.hpp, circuit_config_check.hpp): the
// contract of a config parser toward `msee-emu --check` — a failure is a non-empty list of
// errors, each a JSON Pointer path starting with "/" and a non-empty reason. Header-only.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "util/config_error.hpp"

namespace msee::fuzz {

inline std::optional<std::string> check_config_errors(const std::vector<util::ConfigError>& errors,
                                                      const char* parser) {
  if (errors.empty()) {
    return std::string(parser) + ": failed with no error";
  }
  for (const auto& e : errors) {
    if (e.path.empty() || e.path[0] != '/') {
      return std::string(parser) + ": error path '" + e.path + "' is not a JSON Pointer (" +
             e.reason + ")";
    }
    if (e.reason.empty()) {
      return std::string(parser) + ": error at " + e.path + " has no reason";
    }
  }
  return std::nullopt;
}

// Runs `fn` (returning std::optional<std::string>), turning an escaping exception into the
// failure it is: `msee-emu --check` would die on it instead of reporting the file's errors.
template <class Fn>
std::optional<std::string> no_exception(const char* what, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return std::string(what) + ": exception escaped: " + e.what();
  } catch (...) {
    return std::string(what) + ": unknown exception escaped";
  }
}

}  // namespace msee::fuzz
