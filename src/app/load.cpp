// Reading msee-emu's config file (load.hpp).
#include "app/load.hpp"

#include <fstream>
#include <sstream>

#include "msee/config/config.hpp"
#include "msee/validate.hpp"
#include "util/log.hpp"

namespace msee::app {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<LoadedCircuits, std::vector<util::ConfigError>> load_circuits(const std::string& text) {
  auto cfg = config::parse_emulator_config(text);
  if (!cfg) {
    return unexpected(cfg.error());
  }
  LoadedCircuits out{std::move(*cfg), msee::builtin_catalogue()};
  if (!out.config.emulator.microsoft_prefixes_file.empty()) {
    auto cat = config::load_catalogue(out.config.emulator.microsoft_prefixes_file);
    if (!cat) {
      auto errors = cat.error();
      for (auto& e : errors) {
        e.path = "/emulator/microsoftPrefixesFile" + (e.path == "/" ? "" : e.path);
      }
      return unexpected(errors);
    }
    out.catalogue = std::move(*cat);
  }
  return out;
}

Result<std::vector<std::string>, std::string> reload_circuits(const std::string& file,
                                                              emulator::Emulator& emulator,
                                                              speaker::EventLog& events) {
  auto fail = [&](const std::string& why) -> Result<std::vector<std::string>, std::string> {
    log::error("reload of {}: {}", file, why);
    events.admin("config-reload", file, {{"result", "failed"}, {"reason", why}});
    return unexpected(why);
  };
  auto t = read_file(file);
  if (!t) {
    return fail("cannot open the file");
  }
  if (config::detect_config_kind(*t) == config::ConfigKind::Router) {
    return fail("the file is no longer a circuit config");
  }
  auto loaded = load_circuits(*t);
  if (!loaded) {
    std::string why;
    for (const auto& e : loaded.error()) {
      why += (why.empty() ? "" : "; ") + e.path + ": " + e.reason;
    }
    return fail("invalid, nothing applied: " + why);
  }
  auto changes = emulator.reload(std::move(loaded->config), std::move(loaded->catalogue));
  if (!changes) {
    return fail(changes.error());
  }
  for (const auto& c : *changes) {
    log::info("reload: {}", c);
  }
  log::info("reload of {}: {} change(s) applied", file, changes->size());
  events.admin("config-reload", file,
               {{"result", "applied"}, {"changes", std::to_string(changes->size())}});
  return changes;
}

Result<std::vector<std::string>, std::string> apply_circuits(msee::EmulatorConfig config,
                                                             emulator::Emulator& emulator,
                                                             speaker::EventLog& events,
                                                             const std::string& origin) {
  auto fail = [&](const std::string& why) -> Result<std::vector<std::string>, std::string> {
    log::warn("{}: not applied: {}", origin, why);
    events.admin("config-apply", origin, {{"result", "failed"}, {"reason", why}});
    return unexpected(why);
  };
  std::string why;
  for (const auto& f : msee::validate(config)) {
    why += (why.empty() ? "" : "; ") + f.message + " (" + f.rule + ")";
  }
  if (!why.empty()) {
    return fail(why);
  }
  auto catalogue = msee::builtin_catalogue();
  if (!config.emulator.microsoft_prefixes_file.empty()) {
    auto cat = config::load_catalogue(config.emulator.microsoft_prefixes_file);
    if (!cat) {
      return fail("cannot read " + config.emulator.microsoft_prefixes_file);
    }
    catalogue = std::move(*cat);
  }
  auto changes = emulator.reload(std::move(config), std::move(catalogue));
  if (!changes) {
    return fail(changes.error());
  }
  for (const auto& c : *changes) {
    log::info("{}: {}", origin, c);
  }
  events.admin("config-apply", origin,
               {{"result", "applied"}, {"changes", std::to_string(changes->size())}});
  return changes;
}

}  // namespace msee::app
