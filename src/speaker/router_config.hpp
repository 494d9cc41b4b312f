// Typed configuration of a plain router / test-harness instance (the speaker without MSEE
// policy): router identity, listen addresses, neighbours and static announcements. Parsed and
// validated from JSON by router_config_json.cpp; nothing else sees the JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <memory>

#include "bgp/fsm/negotiation.hpp"
#include "bgp/wire/message.hpp"
#include "rib/import_policy.hpp"
#include "rib/prefix_limit.hpp"
#include "util/config_error.hpp"
#include "util/result.hpp"

namespace msee::speaker {

struct ListenConfig {
  bgp::wire::IpAddress address;
  std::uint16_t port = 179;
};

struct NeighborConfig {
  std::string name;
  bgp::wire::IpAddress address;
  std::uint16_t port = 179;
  std::optional<bgp::wire::IpAddress> local_address;
  bgp::wire::Asn peer_asn = 0;
  bool passive = false;
  std::uint16_t hold_time = 90;
  std::uint16_t min_hold_time = 3;
  std::uint32_t connect_retry = 120;  // seconds
  std::uint32_t idle_hold_time = 5;   // seconds
  std::uint32_t send_hold_time = 0;   // RFC 9687, seconds; 0 = max(8 min, 2 × hold time)
  std::string md5_password;
  bool ttl_security = false;
  std::optional<int> ttl;
  bgp::fsm::Capabilities capabilities;  // families included
  std::optional<bgp::wire::IpAddress> next_hop;   // IPv4 next hop for routes we send
  std::optional<bgp::wire::IpAddress> next_hop6;  // IPv6 next hop for routes we send
  bool import = true;         // accept routes from this neighbour into the Loc-RIB
  bool export_routes = true;  // send it the routes learned from other neighbours
  std::uint32_t weight = 0;   // best-path weight of its routes (higher wins)
  // Routes whose AS path holds our AS more than this many times are loops (RFC 4271 §9.1.2)
  // and are not accepted. 0 = any occurrence (the RFC); MSEE peerings use 2 (R24).
  std::uint8_t allow_as_in = 0;
  // BGP Identifier on this session instead of the router's (each emulated MSEE is its own
  // router: R3).
  std::optional<bgp::wire::RouterId> router_id;
  // Inbound policy applied before the Loc-RIB and before counting (MSEE peerings: R39–R42).
  std::shared_ptr<const rib::ImportPolicy> import_policy;
  // Maximum-prefix per family (limit 0 = none): warning, then Cease/Maximum Number of Prefixes
  // Reached (RFC 4486) and no reconnect for max_prefix_restart_s (MSEE: R37, Q1).
  rib::PrefixLimitConfig max_prefix_v4;
  rib::PrefixLimitConfig max_prefix_v6;
  std::uint32_t max_prefix_restart_s = 60;
  bool max_prefix_count_rejected = false;  // also count prefixes the import policy refused
  // Routes learned from these neighbours only are exported to this one (empty: all, subject
  // to export_routes). MSEE Global Reach (R74).
  std::vector<std::string> export_from;
  // Cisco remove-private-as on export: an all-private AS path is emptied before our AS is
  // prepended (MSEE: R23).
  bool remove_private_as = false;
  // The routing table (VRF) its routes enter and whose best paths it is sent; "" = the
  // default table. The MSEEs give each circuit's peering its own (issue #13).
  std::string table;
  // Configured but administratively down: not started, connections refused, until
  // Speaker::set_admin_down(name, false) (MSEE: R66 — a Disabled peering).
  bool admin_down = false;
  // A neighbour of another Speaker, on another protocol thread (MSEE Global Reach across
  // shards, R74): no session, never started, connections from its address refused. Its paths
  // are relayed to this Speaker (Speaker::apply_relayed) and enter its table like a session's,
  // so an exportFrom naming it imports them.
  bool remote = false;
};

// A generated block of prefixes: `count` consecutive prefixes of the length of `base`,
// starting at `base` (4,001 /24s from 100.64.0.0/24 ...), optionally withdrawn and re-announced
// every `flap_interval` seconds.
struct Generator {
  bgp::wire::Prefix base;
  std::uint32_t count = 0;
  bgp::wire::PathAttributes attributes;
  std::vector<std::string> to;
  std::uint32_t flap_interval_ms = 0;  // 0 = no flapping
};

struct Announcement {
  std::vector<bgp::wire::Prefix> prefixes;
  bgp::wire::PathAttributes attributes;  // as originated (our ASN is prepended on eBGP)
  std::vector<std::string> to;           // neighbour names; empty = all
};

struct RouterConfig {
  bgp::wire::Asn asn = 0;
  bgp::wire::RouterId router_id = 0;
  std::vector<ListenConfig> listen;
  bool log_routes = false;
  std::vector<NeighborConfig> neighbors;
  std::vector<Announcement> announce;
  std::vector<Generator> generate;
};

// One problem in a config file: a JSON Pointer-like path ("/neighbors/0/holdTime") and why.
using util::ConfigError;

// Parses and validates; returns every error found, not only the first.
Result<RouterConfig, std::vector<ConfigError>> parse_router_config(std::string_view json_text);
Result<RouterConfig, std::vector<ConfigError>> load_router_config(const std::string& file);

}  // namespace msee::speaker
