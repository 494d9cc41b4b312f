// Reading msee-emu's config file: which kind it is (router or circuits), the circuit config
// with its Microsoft-peering catalogue, and the reload (SIGHUP, POST /v1/reload) that re-reads
// the file and applies the difference to a running emulator.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emulator/emulator.hpp"
#include "msee/azure.hpp"
#include "msee/circuit.hpp"
#include "speaker/event_log.hpp"
#include "util/config_error.hpp"
#include "util/result.hpp"

namespace msee::app {

std::optional<std::string> read_file(const std::string& path);

// A circuit config and its Microsoft-peering catalogue, or the errors (JSON path + reason).
struct LoadedCircuits {
  msee::EmulatorConfig config;
  std::vector<msee::CatalogueEntry> catalogue;
};
Result<LoadedCircuits, std::vector<util::ConfigError>> load_circuits(const std::string& text);

// Re-reads `file` and applies it to `emulator` by difference; logs and records the outcome
// (an admin event "config-reload"). The changes, one line each, or why nothing was applied.
Result<std::vector<std::string>, std::string> reload_circuits(const std::string& file,
                                                              emulator::Emulator& emulator,
                                                              speaker::EventLog& events);

// Applies `config` (the running one with changes, e.g. an ARM PUT of a peering) to `emulator`
// by difference, as a reload does: validated first (every finding refuses it), with the
// catalogue the config names; the file is not touched. Logs and records it like a reload
// (admin event "config-apply" from `origin`).
Result<std::vector<std::string>, std::string> apply_circuits(msee::EmulatorConfig config,
                                                             emulator::Emulator& emulator,
                                                             speaker::EventLog& events,
                                                             const std::string& origin);

}  // namespace msee::app
