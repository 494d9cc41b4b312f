// The Microsoft-peering prefix catalogue file (emulator.microsoftPrefixesFile, R52, R55): a JSON
// array of {"service", "region", "communities", "prefixes"} that replaces the built-in catalogue.
// Read with the JSON reader of the circuit configs, so its errors carry JSON paths too.
#include <fstream>

#include "msee/config/config.hpp"
#include "util/json_reader_json.hpp"

namespace msee::config {
using util::ConfigError;
using nlohmann::json;
namespace wire = bgp::wire;

Result<std::vector<CatalogueEntry>, std::vector<ConfigError>> load_catalogue(
    const std::string& file) {
  util::JsonReader p;
  std::ifstream in(file);
  if (!in) {
    return unexpected(std::vector<ConfigError>{{"/", "cannot open " + file}});
  }
  auto root = json::parse(in, nullptr, false);
  std::vector<CatalogueEntry> out;
  if (root.is_discarded() || !root.is_array()) {
    p.fail("/", file + ": must be a JSON array of {service, region, communities, prefixes}");
    return unexpected(std::move(p.errors));
  }
  for (std::size_t i = 0; i < root.size(); ++i) {
    auto path = "/" + std::to_string(i);
    if (!p.is_object(root[i], path)) {
      continue;
    }
    p.only_keys(root[i], path, {"service", "region", "communities", "prefixes"});
    CatalogueEntry e;
    e.service = p.string(root[i], path, "service", false).value_or("");
    e.region = normalise_region(p.string(root[i], path, "region", true).value_or(""));
    e.communities = p.string_list<Community>(root[i], path, "communities",
                                             wire::parse_community, "community");
    e.prefixes = p.string_list<Prefix>(
        root[i], path, "prefixes", [](const std::string& s) { return Prefix::parse(s); },
        "prefix");
    out.push_back(std::move(e));
  }
  if (!p.errors.empty()) {
    return unexpected(std::move(p.errors));
  }
  return out;
}

}  // namespace msee::config
