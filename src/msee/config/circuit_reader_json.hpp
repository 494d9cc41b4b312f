// The reader behind parse_emulator_config: one class over util::JsonReader, defined across the
// files of msee/config (shared Azure helpers in circuit_reader_json.cpp, peerings in
// peering_json.cpp, circuits / VNets / route filters in circuit_json.cpp, the document root and
// ARM deployment templates in emulator_config_json.cpp), so that every error lands in the same
// list with its JSON Pointer path. Internal to msee/config; the public API is config.hpp.
//
// az and ARM shapes are read by the same code: ARM nests a resource's fields under "properties",
// az flattens them and writes "peerAsn" where ARM writes "peerASN". fields() and spelling() hide
// that difference. Azure's read-only fields (ids, etags, provisioning states ...) are ignored;
// any other unknown key is an error, so that a typo never falls back to a default silently.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "msee/circuit.hpp"
#include "util/json_reader_json.hpp"

namespace msee::config::detail {

using nlohmann::json;
namespace wire = bgp::wire;

class CircuitReader : public util::JsonReader {
 public:
  // ---- Shared Azure helpers (circuit_reader_json.cpp) ----

  // An Azure object: its own fields, or those under "properties" (ARM).
  struct Obj {
    const json* j = nullptr;
    std::string path;
  };
  Obj fields(const json& outer, const std::string& path);

  // Unknown keys: neither ours nor one of Azure's read-only fields.
  void check_keys(const json& obj, const std::string& path,
                  std::initializer_list<const char*> known);

  // First of several spellings present ("peerASN" / "peerAsn").
  const char* spelling(const json& obj, std::initializer_list<const char*> keys);

  std::optional<Prefix> prefix(const json& obj, const std::string& path, const char* key,
                               bool required);
  std::optional<Community> community(const json& obj, const std::string& path,
                                     const char* key);

  template <class Enum>
  std::optional<Enum> enumerated(const json& obj, const std::string& path, const char* key,
                                 std::initializer_list<std::pair<const char*, Enum>> values) {
    auto s = string(obj, path, key, false);
    if (!s) {
      return std::nullopt;
    }
    std::string allowed;
    for (const auto& [name, v] : values) {
      if (*s == name) {
        return v;
      }
      allowed += allowed.empty() ? "" : ", ";
      allowed += name;
    }
    fail(path + "/" + key, "'" + *s + "' is not one of " + allowed);
    return std::nullopt;
  }

  // The last segment after `marker` in an Azure resource id ("/expressRouteCircuits/ckt2/...").
  static std::string id_segment(const std::string& id, const std::string& marker);

  // "routeFilter": "name" | {"id": ".../routeFilters/name"} | {"name": ...} | null.
  std::string route_filter_ref(const json& obj, const std::string& path, const char* key);

  // ---- Peerings (peering_json.cpp) ----

  std::optional<MicrosoftPeeringConfig> microsoft_config(const json& obj,
                                                         const std::string& path);
  // Our own knobs ("emulation"), not an Azure field.
  Emulation emulation(const json& obj, const std::string& path);
  // Global Reach as az shows it on the private peering: "connections" with the peer peering id.
  void connections(const json& obj, const std::string& path, Circuit& c);
  Peering peering(const json& outer, const std::string& opath, Circuit& c);

  // ---- Circuits, VNets and route filters (circuit_json.cpp) ----

  void vnets(const json& o, const std::string& path, Circuit& c);
  Circuit circuit(const json& outer, const std::string& opath);
  void identity(const json& outer, const std::string& opath, Circuit& c);
  void circuit_with_filters(const json& c, const std::string& path, EmulatorConfig& cfg);
  RouteFilter route_filter(const json& outer, const std::string& opath);

  // ---- The document root (emulator_config_json.cpp) ----

  void emulator(const json& root, EmulatorSettings& s);
  void dataplane(const json& emulator, DataplaneSettings& d);
  // Native file, `az network express-route show/list` output, an ARM resource or template.
  void parse(const json& root, EmulatorConfig& cfg);
  // An ARM deployment template: circuits, their peerings as child resources, route filters.
  void arm_template(const json& root, EmulatorConfig& cfg);
};

}  // namespace msee::config::detail
