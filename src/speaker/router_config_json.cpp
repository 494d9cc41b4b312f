// JSON → RouterConfig. The only place that reads a router config's JSON. Every error is
// collected with its JSON Pointer path; unknown keys are errors too (a typo must not silently
// fall back to a default).
#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include <fstream>
#include <set>
#include <sstream>

#include "util/json_reader_json.hpp"
#include "speaker/router_config.hpp"

namespace msee::speaker {
namespace {

using nlohmann::json;
namespace wire = bgp::wire;

class Parser : public util::JsonReader {
 public:
  std::optional<wire::IpAddress> address(const json& obj, const std::string& path,
                                         const char* key, bool required) {
    return parsed<wire::IpAddress>(obj, path, key, required, &wire::IpAddress::parse,
                                   "an IPv4 or IPv6 address");
  }

  void router(const json& root, RouterConfig& cfg) {
    if (!root.contains("router")) {
      fail("/router", "required");
      return;
    }
    const auto& r = root.at("router");
    if (!is_object(r, "/router")) {
      return;
    }
    only_keys(r, "/router", {"asn", "routerId"});
    if (auto asn = integer<wire::Asn>(r, "/router", "asn", 1, 4294967295u, true)) {
      cfg.asn = *asn;
    }
    if (auto id = address(r, "/router", "routerId", true)) {
      if (!id->is_v4() || id->v4_value() == 0) {
        fail("/router/routerId", "must be a non-zero IPv4 address (RFC 4271 §4.2)");
      } else {
        cfg.router_id = id->v4_value();
      }
    }
  }

  void listen(const json& root, RouterConfig& cfg) {
    each_object(root, "listen", [&](const json& l, const std::string& path) {
      only_keys(l, path, {"address", "port"});
      ListenConfig lc;
      if (auto a = address(l, path, "address", true)) {
        lc.address = *a;
      }
      if (auto p = integer<std::uint16_t>(l, path, "port", 1, 65535, false)) {
        lc.port = *p;
      }
      cfg.listen.push_back(lc);
    });
  }

  void neighbor(const json& n, const std::string& path, RouterConfig& cfg) {
    only_keys(n, path,
              {"name", "address", "port", "localAddress", "peerAsn", "passive", "holdTime",
               "minHoldTime", "connectRetry", "idleHoldTime", "sendHoldTime", "md5Password",
               "ttlSecurity", "ttl",
               "families", "capabilities", "nextHop", "nextHop6", "import", "export",
               "weight", "allowAsIn", "maxPrefix", "removePrivateAs", "routerId"});
    NeighborConfig nb;
    nb.name = string(n, path, "name", true).value_or("");
    if (auto a = address(n, path, "address", true)) {
      nb.address = *a;
    }
    nb.port = integer<std::uint16_t>(n, path, "port", 1, 65535, false).value_or(179);
    nb.local_address = address(n, path, "localAddress", false);
    if (nb.local_address && nb.local_address->family != nb.address.family) {
      fail(path + "/localAddress", "must be of the same address family as 'address'");
    }
    nb.peer_asn = integer<wire::Asn>(n, path, "peerAsn", 1, 4294967295u, true).value_or(0);
    nb.passive = boolean(n, path, "passive").value_or(false);
    if (auto h = integer<std::uint16_t>(n, path, "holdTime", 0, 65535, false)) {
      if (*h == 1 || *h == 2) {
        // RFC 4271 §4.2: "MUST be either zero or at least three seconds".
        fail(path + "/holdTime", "must be 0 or at least 3 seconds (RFC 4271 §4.2)");
      }
      nb.hold_time = *h;
    }
    nb.min_hold_time = integer<std::uint16_t>(n, path, "minHoldTime", 0, 65535, false).value_or(3);
    nb.connect_retry =
        integer<std::uint32_t>(n, path, "connectRetry", 1, 65535, false).value_or(120);
    nb.idle_hold_time =
        integer<std::uint32_t>(n, path, "idleHoldTime", 0, 65535, false).value_or(5);
    nb.send_hold_time =
        integer<std::uint32_t>(n, path, "sendHoldTime", 0, 65535, false).value_or(0);
    if (auto k = string(n, path, "md5Password", false)) {
      if (k->size() > 80) {
        fail(path + "/md5Password", "longer than 80 octets (Linux TCP_MD5SIG_MAXKEYLEN)");
      }
      nb.md5_password = *k;
    }
    nb.ttl_security = boolean(n, path, "ttlSecurity").value_or(false);
    if (auto t = integer<int>(n, path, "ttl", 1, 255, false)) {
      nb.ttl = *t;
    }
    auto families = string_list<wire::AfiSafi>(
        n, path, "families",
        [](const std::string& s) -> std::optional<wire::AfiSafi> {
          if (s == "ipv4-unicast") return wire::kIpv4Unicast;
          if (s == "ipv6-unicast") return wire::kIpv6Unicast;
          return std::nullopt;
        },
        "address family (ipv4-unicast or ipv6-unicast)");
    if (families.empty()) {
      families.push_back(nb.address.is_v6() ? wire::kIpv6Unicast : wire::kIpv4Unicast);
    }
    nb.capabilities.families = families;
    if (n.contains("capabilities")) {
      const auto& c = n.at("capabilities");
      auto cpath = path + "/capabilities";
      if (is_object(c, cpath)) {
        only_keys(c, cpath,
                  {"routeRefresh", "enhancedRouteRefresh", "fourOctetAs", "extendedMessage",
                   "gracefulRestart"});
        auto& caps = nb.capabilities;
        caps.route_refresh = boolean(c, cpath, "routeRefresh").value_or(true);
        caps.enhanced_route_refresh = boolean(c, cpath, "enhancedRouteRefresh").value_or(true);
        caps.four_octet_as = boolean(c, cpath, "fourOctetAs").value_or(true);
        caps.extended_message = boolean(c, cpath, "extendedMessage").value_or(true);
        caps.graceful_restart_time =
            integer<std::uint16_t>(c, cpath, "gracefulRestart", 0, 4095, false);
      }
    }
    if (!nb.capabilities.four_octet_as && cfg.asn > 65535) {
      fail(path + "/capabilities/fourOctetAs",
           "cannot be false: the router ASN needs four octets (RFC 6793)");
    }
    nb.next_hop = address(n, path, "nextHop", false);
    if (nb.next_hop && !nb.next_hop->is_v4()) {
      fail(path + "/nextHop", "must be an IPv4 address");
    }
    nb.next_hop6 = address(n, path, "nextHop6", false);
    if (nb.next_hop6 && !nb.next_hop6->is_v6()) {
      fail(path + "/nextHop6", "must be an IPv6 address");
    }
    nb.import = boolean(n, path, "import").value_or(true);
    nb.export_routes = boolean(n, path, "export").value_or(true);
    nb.weight = integer<std::uint32_t>(n, path, "weight", 0, 4294967295u, false).value_or(0);
    nb.allow_as_in = integer<std::uint8_t>(n, path, "allowAsIn", 0, 10, false).value_or(0);
    nb.remove_private_as = boolean(n, path, "removePrivateAs").value_or(false);
    if (auto id = address(n, path, "routerId", false)) {
      if (!id->is_v4() || id->v4_value() == 0) {
        fail(path + "/routerId", "must be a non-zero IPv4 address (RFC 4271 §4.2)");
      } else {
        nb.router_id = id->v4_value();
      }
    }
    // Maximum-prefix, like FRR's `neighbor X maximum-prefix N P restart R`.
    if (n.contains("maxPrefix") && is_object(n.at("maxPrefix"), path + "/maxPrefix")) {
      const auto& m = n.at("maxPrefix");
      auto mp = path + "/maxPrefix";
      only_keys(m, mp, {"ipv4", "ipv6", "warningPercent", "restartSeconds", "countRejected"});
      auto pct = integer<std::uint8_t>(m, mp, "warningPercent", 0, 100, false).value_or(80);
      nb.max_prefix_v4 = {integer<std::uint32_t>(m, mp, "ipv4", 1, 4294967295u, false).value_or(0),
                          pct};
      nb.max_prefix_v6 = {integer<std::uint32_t>(m, mp, "ipv6", 1, 4294967295u, false).value_or(0),
                          pct};
      nb.max_prefix_restart_s =
          integer<std::uint32_t>(m, mp, "restartSeconds", 1, 86400, false).value_or(60);
      nb.max_prefix_count_rejected = boolean(m, mp, "countRejected").value_or(false);
    }
    cfg.neighbors.push_back(std::move(nb));
  }

  void neighbors(const json& root, RouterConfig& cfg) {
    std::set<std::string> names;
    std::set<wire::IpAddress> addresses;
    each_object(root, "neighbors", [&](const json& n, const std::string& path) {
      neighbor(n, path, cfg);
      const auto& nb = cfg.neighbors.back();
      if (!nb.name.empty() && !names.insert(nb.name).second) {
        fail(path + "/name", fmt::format("duplicate neighbour name '{}'", nb.name));
      }
      if (n.contains("address") && !addresses.insert(nb.address).second) {
        fail(path + "/address",
             fmt::format("duplicate neighbour address {}", nb.address.to_string()));
      }
    });
  }

  // The attribute keys shared by announce[] and generate[].
  static constexpr std::initializer_list<const char*> kAttrKeys = {
      "origin", "asPath", "med", "localPref", "communities", "largeCommunities",
      "extCommunities", "atomicAggregate", "to"};

  wire::PathAttributes attributes(const json& a, const std::string& path) {
    wire::PathAttributes at;
    at.origin = wire::Origin::Igp;
    if (auto o = string(a, path, "origin", false)) {
      if (*o == "igp") {
        at.origin = wire::Origin::Igp;
      } else if (*o == "egp") {
        at.origin = wire::Origin::Egp;
      } else if (*o == "incomplete") {
        at.origin = wire::Origin::Incomplete;
      } else {
        fail(path + "/origin", fmt::format("'{}' must be igp, egp or incomplete", *o));
      }
    }
    at.as_path = wire::AsPath{};
    if (a.contains("asPath")) {
      const auto& p = a.at("asPath");
      if (!p.is_array()) {
        fail(path + "/asPath", "must be an array of AS numbers");
      } else if (!p.empty()) {
        wire::AsSegment seg;
        for (std::size_t i = 0; i < p.size(); ++i) {
          if (!p[i].is_number_unsigned() || p[i].get<std::uint64_t>() > 4294967295u ||
              p[i].get<std::uint64_t>() == 0) {
            fail(fmt::format("{}/asPath/{}", path, i), "must be an AS number 1..4294967295");
            continue;
          }
          seg.asns.push_back(p[i].get<wire::Asn>());
        }
        at.as_path->segments.push_back(std::move(seg));
      }
    }
    at.med = integer<std::uint32_t>(a, path, "med", 0, 4294967295u, false);
    at.local_pref = integer<std::uint32_t>(a, path, "localPref", 0, 4294967295u, false);
    at.atomic_aggregate = boolean(a, path, "atomicAggregate").value_or(false);
    at.communities = string_list<wire::Community>(
        a, path, "communities", [](const std::string& s) { return wire::parse_community(s); },
        "community (ASN:value with both parts 0..65535, or a well-known name)");
    at.large_communities = string_list<wire::LargeCommunity>(
        a, path, "largeCommunities",
        [](const std::string& s) { return wire::LargeCommunity::parse(s); },
        "large community (global:local1:local2)");
    at.ext_communities = string_list<wire::ExtendedCommunity>(
        a, path, "extCommunities",
        [](const std::string& s) { return wire::ExtendedCommunity::parse(s); },
        "extended community (rt:ASN:N, soo:ASN:N or 0x + 16 hex digits)");
    return at;
  }

  std::vector<std::string> targets(const json& a, const std::string& path,
                                   const RouterConfig& cfg) {
    auto to = string_list<std::string>(
        a, path, "to", [](const std::string& s) { return std::optional<std::string>(s); },
        "neighbour name");
    for (std::size_t i = 0; i < to.size(); ++i) {
      bool found = false;
      for (const auto& nb : cfg.neighbors) {
        found = found || nb.name == to[i];
      }
      if (!found) {
        fail(fmt::format("{}/to/{}", path, i), fmt::format("no neighbour named '{}'", to[i]));
      }
    }
    return to;
  }

  void announcement(const json& a, const std::string& path, RouterConfig& cfg) {
    std::vector<const char*> keys(kAttrKeys);
    keys.push_back("prefixes");
    only_keys(a, path, keys);
    Announcement ann;
    ann.prefixes = string_list<wire::Prefix>(
        a, path, "prefixes", [](const std::string& s) { return wire::Prefix::parse(s); },
        "prefix (address/length with no host bits set)");
    if (!a.contains("prefixes")) {
      fail(path + "/prefixes", "required");
    }
    ann.attributes = attributes(a, path);
    ann.to = targets(a, path, cfg);
    cfg.announce.push_back(std::move(ann));
  }

  void generator(const json& a, const std::string& path, RouterConfig& cfg) {
    std::vector<const char*> keys(kAttrKeys);
    keys.insert(keys.end(), {"base", "count", "flapInterval"});
    only_keys(a, path, keys);
    Generator g;
    if (auto b = string(a, path, "base", true)) {
      if (auto p = wire::Prefix::parse(*b)) {
        g.base = *p;
      } else {
        fail(path + "/base", fmt::format("'{}' is not a prefix with no host bits set", *b));
      }
    }
    g.count = integer<std::uint32_t>(a, path, "count", 1, 16777216, true).value_or(0);
    if (g.count > 0 && g.base.length > 0 && g.base.addr.is_v4() && g.base.length < 32) {
      // The block must not run past the end of the address space.
      std::uint64_t step = std::uint64_t{1} << (32 - g.base.length);
      if (g.base.addr.v4_value() + step * (g.count - 1) > 0xFFFFFFFFull) {
        fail(path + "/count", fmt::format("{} prefixes of /{} from {} run past 255.255.255.255",
                                          g.count, g.base.length, g.base.to_string()));
      }
    }
    if (g.base.addr.is_v6() && (g.base.length == 0 || g.base.length > 64)) {
      fail(path + "/base", "IPv6 generator bases must be /1 to /64");
    }
    if (a.contains("flapInterval")) {
      // At most 2^32 - 1 ms: the interval is kept in milliseconds as a 32-bit value.
      if (!a.at("flapInterval").is_number() || a.at("flapInterval").get<double>() < 0.01 ||
          a.at("flapInterval").get<double>() > 4294967.0) {
        fail(path + "/flapInterval", "must be a number of seconds in 0.01..4294967");
      } else {
        g.flap_interval_ms =
            static_cast<std::uint32_t>(a.at("flapInterval").get<double>() * 1000.0);
      }
    }
    g.attributes = attributes(a, path);
    g.to = targets(a, path, cfg);
    cfg.generate.push_back(std::move(g));
  }

  void generate(const json& root, RouterConfig& cfg) {
    each_object(root, "generate",
                [&](const json& g, const std::string& path) { generator(g, path, cfg); });
  }

  void announce(const json& root, RouterConfig& cfg) {
    each_object(root, "announce",
                [&](const json& a, const std::string& path) { announcement(a, path, cfg); });
  }
};

}  // namespace

Result<RouterConfig, std::vector<ConfigError>> parse_router_config(std::string_view text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    // parse_error, or out_of_range for a number too large for a double (1e400). nlohmann
    // reports the byte offset; keep its message, which names line and column.
    return unexpected(std::vector<ConfigError>{{"/", fmt::format("invalid JSON: {}", e.what())}});
  }
  Parser p;
  RouterConfig cfg;
  if (!p.is_object(root, "")) {
    return unexpected(std::move(p.errors));
  }
  p.only_keys(root, "", {"router", "listen", "logRoutes", "neighbors", "announce", "generate",
                         "$schema", "description"});
  p.router(root, cfg);
  p.listen(root, cfg);
  cfg.log_routes = p.boolean(root, "", "logRoutes").value_or(false);
  p.neighbors(root, cfg);
  p.announce(root, cfg);
  p.generate(root, cfg);
  if (!p.errors.empty()) {
    return unexpected(std::move(p.errors));
  }
  return cfg;
}

Result<RouterConfig, std::vector<ConfigError>> load_router_config(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    return unexpected(std::vector<ConfigError>{{"/", fmt::format("cannot read {}", file)}});
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_router_config(ss.str());
}

}  // namespace msee::speaker
