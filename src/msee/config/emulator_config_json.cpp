// The top level of a circuit config and the public entry points of config.hpp: which kind of
// document a file is, the native root ("emulator", "circuits", "routeFilters"), an az list
// array, a single az / ARM circuit, an ARM deployment template with child peering resources,
// and validation (msee/validate.hpp) of what was read, every error with its JSON path.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "msee/config/circuit_reader_json.hpp"
#include "msee/config/config.hpp"
#include "msee/validate.hpp"

namespace msee::config {
using util::ConfigError;
using detail::CircuitReader;
using nlohmann::json;

namespace detail {

void CircuitReader::emulator(const json& root, EmulatorSettings& s) {
  if (!root.contains("emulator")) {
    return;
  }
  const auto& e = root.at("emulator");
  if (!is_object(e, "/emulator")) {
    return;
  }
  only_keys(e, "/emulator", {"addressing", "bgpPort", "logRoutes", "microsoftPrefixesFile",
                             "documentationPrefixesArePublic", "dataplane"});
  dataplane(e, s.dataplane);
  s.documentation_prefixes_public =
      boolean(e, "/emulator", "documentationPrefixesArePublic").value_or(false);
  s.addressing = enumerated<Addressing>(e, "/emulator", "addressing",
                                        {{"direct", Addressing::Direct},
                                         {"loopback", Addressing::Loopback}})
                     .value_or(Addressing::Direct);
  s.bgp_port = integer<std::uint16_t>(e, "/emulator", "bgpPort", 1, 65535, false).value_or(179);
  s.log_routes = boolean(e, "/emulator", "logRoutes").value_or(false);
  s.microsoft_prefixes_file = string(e, "/emulator", "microsoftPrefixesFile", false).value_or("");
  if (s.dataplane.enabled && s.addressing == Addressing::Loopback) {
    fail("/emulator/dataplane",
         "loopback addressing has no data plane: the sessions run on 127.x addresses, not on "
         "links; use \"addressing\": \"direct\" in a namespace (msee-ctl lab up)");
  }
}

// "dataplane": true, or {"enabled", "allowInitialNamespace", "tableBase", "gateways"}.
void CircuitReader::dataplane(const json& e, DataplaneSettings& d) {
  if (!e.contains("dataplane")) {
    return;
  }
  const auto& j = e.at("dataplane");
  const std::string path = "/emulator/dataplane";
  if (j.is_boolean()) {
    d.enabled = j.get<bool>();
    return;
  }
  if (!j.is_object()) {
    fail(path, "must be true, false or an object {\"enabled\", \"allowInitialNamespace\", "
               "\"tableBase\", \"gateways\"}");
    return;
  }
  only_keys(j, path, {"enabled", "allowInitialNamespace", "tableBase", "gateways"});
  d.enabled = boolean(j, path, "enabled").value_or(true);
  d.allow_initial_namespace = boolean(j, path, "allowInitialNamespace").value_or(false);
  // Tables 253–255 are the kernel's default/main/local; leave room for 10 per circuit.
  d.table_base = integer<std::uint32_t>(j, path, "tableBase", 256, 2000000000, false).value_or(1000);
  if (j.contains("gateways")) {
    const auto& g = j.at("gateways");
    if (!g.is_object()) {
      fail(path + "/gateways", "must be an object {\"<circuit>/primary\": \"<interface>\"}");
      return;
    }
    for (const auto& [key, value] : g.items()) {
      auto kp = path + "/gateways/" + key;
      auto slash = key.rfind('/');
      auto link = slash == std::string::npos ? "" : key.substr(slash + 1);
      if (link != "primary" && link != "secondary") {
        fail(kp, "the key must be \"<circuit name>/primary\" or \"<circuit name>/secondary\"");
      } else if (!value.is_string() || value.get<std::string>().empty() ||
                 value.get<std::string>().size() > 15) {
        fail(kp, "must be an interface name (1 to 15 characters)");
      } else {
        d.gateways[key] = value.get<std::string>();
      }
    }
  }
}

// A circuit and the route filters pasted beside it: `az network express-route show` output
// cannot hold its Microsoft peering's filter, so a user adds `az network route-filter show`
// output as "routeFilters": [ ... ] next to the circuit's own keys.
void CircuitReader::circuit_with_filters(const json& c, const std::string& path,
                                         EmulatorConfig& cfg) {
  cfg.circuits.push_back(circuit(c, path));
  // Beside the circuit's keys: at the top, or inside ARM's "properties".
  auto [o, opath] = fields(c, path);
  const bool top = c.contains("routeFilters");
  if (!top && !o->contains("routeFilters")) {
    return;
  }
  const auto& arr = top ? c.at("routeFilters") : o->at("routeFilters");
  const std::string fpath0 = (top ? path : opath) + "/routeFilters";
  if (!arr.is_array()) {
    fail(fpath0, "must be an array of route filters (`az network route-filter "
                                 "show` output, or {\"name\", \"communities\"})");
    return;
  }
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto fpath = fpath0 + "/" + std::to_string(i);
    if (is_object(arr[i], fpath)) {
      cfg.route_filters.push_back(route_filter(arr[i], fpath));
    }
  }
}

void CircuitReader::parse(const json& root, EmulatorConfig& cfg) {
  if (root.is_array()) {  // `az network express-route list`
    for (std::size_t i = 0; i < root.size(); ++i) {
      auto path = "/" + std::to_string(i);
      if (is_object(root[i], path)) {
        circuit_with_filters(root[i], path, cfg);
      }
    }
    return;
  }
  if (!is_object(root, "")) {
    return;
  }
  if (root.contains("resources")) {
    arm_template(root, cfg);
    return;
  }
  if (!root.contains("circuits")) {  // one circuit: az show output or an ARM resource
    circuit_with_filters(root, "", cfg);
    return;
  }
  only_keys(root, "", {"$schema", "description", "emulator", "circuits", "routeFilters"});
  emulator(root, cfg.emulator);
  each_object(root, "circuits", [&](const json& c, const std::string& path) {
    circuit_with_filters(c, path, cfg);
  });
  each_object(root, "routeFilters", [&](const json& f, const std::string& path) {
    cfg.route_filters.push_back(route_filter(f, path));
  });
}

// An ARM deployment template: circuits, their peerings as child resources, route filters.
void CircuitReader::arm_template(const json& root, EmulatorConfig& cfg) {
  const auto& res = root.at("resources");
  if (!res.is_array()) {
    fail("/resources", "must be an array");
    return;
  }
  std::vector<std::pair<const json*, std::string>> children;
  for (std::size_t i = 0; i < res.size(); ++i) {
    auto path = "/resources/" + std::to_string(i);
    if (!is_object(res[i], path)) {
      continue;
    }
    auto type = res[i].value("type", std::string());
    if (type == "Microsoft.Network/expressRouteCircuits") {
      cfg.circuits.push_back(circuit(res[i], path));
    } else if (type == "Microsoft.Network/expressRouteCircuits/peerings") {
      children.emplace_back(&res[i], path);
    } else if (type == "Microsoft.Network/routeFilters") {
      cfg.route_filters.push_back(route_filter(res[i], path));
    }
  }
  for (const auto& [child, path] : children) {
    auto name = child->value("name", std::string());
    auto circuit_name = name.substr(0, name.find('/'));
    Circuit* owner = nullptr;
    for (auto& c : cfg.circuits) {
      if (c.name == circuit_name) {
        owner = &c;
      }
    }
    if (owner == nullptr) {
      fail(path + "/name", "peering of unknown circuit \"" + circuit_name + "\"");
      continue;
    }
    owner->peerings.push_back(peering(*child, path, *owner));
  }
  for (const auto& c : cfg.circuits) {
    if (c.name.find('[') == 0) {
      fail(c.source.path, "ARM template expressions (\"[parameters(...)]\") are not "
                          "evaluated: export the deployed resource instead");
    }
  }
}

}  // namespace detail

namespace {

Result<EmulatorConfig, std::vector<ConfigError>> finish(CircuitReader& p, EmulatorConfig cfg) {
  // A field the reader already reported (a typo'd key, a bad value) gets no second finding
  // from the rules: one problem, one line.
  auto reported = [&](const std::string& path) {
    return std::find(p.suggested.begin(), p.suggested.end(), path) != p.suggested.end() ||
           std::any_of(p.errors.begin(), p.errors.end(),
                       [&](const ConfigError& e) { return e.path == path; });
  };
  for (const auto& f : validate(cfg)) {
    if (!reported(f.path)) {
      p.fail(f.path, f.rule + ": " + f.message);
    }
  }
  if (!p.errors.empty()) {
    return unexpected(std::move(p.errors));
  }
  return cfg;
}

}  // namespace

ConfigKind detect_config_kind(std::string_view text) {
  auto root = json::parse(text, nullptr, false);
  if (root.is_discarded()) {
    return ConfigKind::Unknown;
  }
  if (root.is_object() && (root.contains("router") || root.contains("neighbors"))) {
    return ConfigKind::Router;
  }
  if (root.is_array() || (root.is_object() && (root.contains("circuits") ||
                                               root.contains("resources") ||
                                               root.contains("peerings") ||
                                               root.contains("properties") ||
                                               root.contains("sku")))) {
    return ConfigKind::Emulator;
  }
  return ConfigKind::Unknown;
}

Result<EmulatorConfig, std::vector<ConfigError>> parse_emulator_config(std::string_view text) {
  CircuitReader p;
  auto root = json::parse(text, nullptr, false);
  if (root.is_discarded()) {
    // Re-parse with exceptions for the position of the syntax error.
    try {
      auto again = json::parse(text);
      (void)again;
    } catch (const json::exception& e) {  // parse_error, or out_of_range for a number overflow
      p.fail("/", std::string("not valid JSON: ") + e.what());
    }
    return unexpected(std::move(p.errors));
  }
  EmulatorConfig cfg;
  p.parse(root, cfg);
  return finish(p, std::move(cfg));
}

Result<EmulatorConfig, std::vector<ConfigError>> load_emulator_config(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    return unexpected(std::vector<ConfigError>{{"/", "cannot open " + file}});
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_emulator_config(ss.str());
}

}  // namespace msee::config
