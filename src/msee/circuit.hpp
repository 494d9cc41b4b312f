// The ExpressRoute model as Azure describes it: circuits, their peerings, linked VNets, Global
// Reach links and route filters, with Azure's own names (R1–R7), plus the per-peering emulator
// knobs that stand in for what the docs leave open (§16 Q1–Q14). Plain values: the JSON adapter
// (app/circuit_config_json.cpp) fills them, validate.hpp checks them, plan.hpp turns them into
// sessions and advertisements.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/message.hpp"

namespace msee {

using bgp::wire::Asn;
using bgp::wire::Community;
using bgp::wire::IpAddress;
using bgp::wire::Prefix;

inline constexpr Asn kMicrosoftAsn = 12076;  // MSEE: R18

enum class SkuTier { Local, Standard, Premium };              // MSEE: R72
enum class SkuFamily { MeteredData, UnlimitedData };
enum class PeeringType { AzurePrivatePeering, MicrosoftPeering, AzurePublicPeering };  // R2
enum class PeeringState { Enabled, Disabled };                // R7
enum class PrefixesState { NotConfigured, ValidationNeeded, Configured };  // R7
enum class LinkPath { Primary, Secondary };                   // R3
enum class Personality { Cisco, Juniper };                    // R33

std::string_view to_string(SkuTier);
std::string_view to_string(SkuFamily);
std::string_view to_string(PeeringType);
std::string_view to_string(PeeringState);
std::string_view to_string(PrefixesState);
std::string_view to_string(LinkPath);       // "primary" / "secondary" (az --path)
std::string_view to_string(Personality);    // "cisco" / "juniper"

// Where an object came from in the config file, so validation can name the JSON path of the
// offending field (native "/circuits/0/peerings/1", ARM "/properties/peerings/1/properties").
struct Source {
  std::string path;
  std::string at(std::string_view field) const { return path + "/" + std::string(field); }
};

// MSEE: R7, R41 — Microsoft peering's declared public prefixes and their validation state.
struct MicrosoftPeeringConfig {
  std::vector<Prefix> advertised_public_prefixes;
  PrefixesState advertised_public_prefixes_state = PrefixesState::Configured;
  Asn customer_asn = 0;  // 0 = not set (R21)
  std::string routing_registry_name;
  Source source;
};

// MSEE: R10, R13 — the IPv6 half of a peering: own /126 pair, same VLAN and peer ASN.
struct Ipv6PeeringConfig {
  Prefix primary_peer_address_prefix;
  Prefix secondary_peer_address_prefix;
  PeeringState state = PeeringState::Enabled;
  std::optional<MicrosoftPeeringConfig> microsoft_peering_config;  // IPv6 Microsoft peering
  std::string route_filter;  // name; IPv6 Microsoft peering has its own filter reference
  Source source;
};

// MSEE: R77 — a route filter: one Allow rule listing BGP community values.
struct RouteFilter {
  std::string name;
  std::vector<Community> communities;
  Source source;
};

// Emulator knobs per peering (not Azure fields): the §16 choices, made configurable.
struct Emulation {
  bool bfd = true;                         // Q10: MSEE BFD configured (R28)
  std::uint32_t bfd_min_interval_ms = 300;  // R29 (some deployments 750)
  std::uint8_t bfd_multiplier = 3;          // R29
  std::uint16_t hold_time = 180;            // R27 (keepalive = hold / 3)
  std::uint16_t min_hold_time = 3;          // Q11: 3 = RFC floor; 10 = "strict-doc"
  std::uint32_t send_hold_time = 0;         // RFC 9687, s; 0 = max(8 min, 2 × hold time)
  // Q3: graceful restart is undocumented for the MSEE, so off unless asked for: the restart
  // time (helper mode, RFC 4724) with RFC 8538's N bit.
  std::optional<std::uint16_t> graceful_restart;
  std::uint32_t max_prefix_restart_s = 60;  // Q1: "restart 1" (minutes)
  std::uint8_t max_prefix_warning_percent = 80;  // Q1: "maximum-prefix 4000 80"
  bool count_rejected_prefixes = false;     // Q1: default counts accepted prefixes only
  std::optional<std::uint32_t> max_prefixes_v4;  // override of the R36 limit
  std::optional<std::uint32_t> max_prefixes_v6;
  std::uint8_t allow_as_in = 2;             // Q13, R24
  bool strip_customer_communities = true;   // Q14, R42
  Personality personality = Personality::Cisco;  // R33
  // Loopback mapping: the /30s the sessions use instead of the real ones when the emulator
  // runs without namespaces (issue #4 "Addressing"). IPv6 sessions need the real addresses.
  std::optional<Prefix> loopback_primary;
  std::optional<Prefix> loopback_secondary;
  Source source;
};

// MSEE: R3, R7 — one peering of a circuit (a pair of independent sessions per address family).
struct Peering {
  PeeringType peering_type = PeeringType::AzurePrivatePeering;
  PeeringState state = PeeringState::Enabled;
  Asn peer_asn = 0;
  std::optional<Prefix> primary_peer_address_prefix;  // /30 (R9)
  std::optional<Prefix> secondary_peer_address_prefix;
  std::uint32_t vlan_id = 0;
  std::string shared_key;  // TCP MD5 (R26)
  std::optional<Ipv6PeeringConfig> ipv6_peering_config;
  std::optional<MicrosoftPeeringConfig> microsoft_peering_config;
  std::string route_filter;  // name of a RouteFilter; empty = none attached (R52)
  // Azure's port names of ExpressRoute Direct circuits, as az shows them ("" for providers').
  std::string primary_azure_port;
  std::string secondary_azure_port;
  Emulation emulation;
  Source source;
};

// A VNet linked to the circuit through an ExpressRoute gateway (R47, R56).
struct VnetLink {
  std::string name;
  std::string region;  // normalised Azure location name ("westeurope")
  std::vector<Prefix> address_prefixes;
  std::optional<Community> bgp_community;  // custom VNet community, 12076:<value>
  Source source;
};

// Global Reach between this circuit's private peering and another circuit's (R74).
struct GlobalReachLink {
  std::string peer_circuit;
  std::optional<Prefix> address_prefix;  // the /29 Azure consumes (R74)
  Source source;
};

struct Circuit {
  std::string name;
  std::string service_key;
  SkuTier sku_tier = SkuTier::Standard;
  SkuFamily sku_family = SkuFamily::MeteredData;
  std::uint32_t bandwidth_in_mbps = 0;
  std::string peering_location;
  std::string service_provider_name;
  std::vector<Peering> peerings;
  std::vector<VnetLink> vnets;
  std::vector<GlobalReachLink> global_reach;
  // Azure's resource identity, from the pasted `id` / `resourceGroup` / `location` / `stag`
  // (defaults otherwise): only shown, as az shows a circuit (R7).
  std::string subscription_id = "00000000-0000-0000-0000-000000000000";
  std::string resource_group = "msee-emu";
  std::string location = "westeurope";
  std::optional<std::uint32_t> stag;
  Source source;

  // "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/expressRouteCircuits/<name>"
  std::string resource_id() const;
  const Peering* peering(PeeringType t) const;
};

enum class Addressing {
  Direct,    // bind the MSEE link addresses themselves (netns / lab)
  Loopback,  // bind each peering's emulation.loopback /30s instead
};

// The data plane (issue #13): msee-emu programs the kernel routing tables of the network
// namespace it runs in with the CE's routes, one table per circuit and peering.
struct DataplaneSettings {
  bool enabled = false;
  // Programming the host's own namespace is refused unless this says it is a dedicated box.
  bool allow_initial_namespace = false;
  std::uint32_t table_base = 1000;  // circuit i, peering slot p (1 private, 2 Microsoft): base+10i+p
  // "<circuit>/primary|secondary" → the interface toward Azure behind that link (the lab's
  // gateway veth): its egress queue drops count as DroppedInBitsPerSecond (R81).
  std::map<std::string, std::string> gateways;
};

struct EmulatorSettings {
  Addressing addressing = Addressing::Direct;
  DataplaneSettings dataplane;
  std::uint16_t bgp_port = 179;
  bool log_routes = false;
  std::string microsoft_prefixes_file;  // replaces the built-in catalogue (azure.hpp)
  // Lab convenience: treat the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
  // 203.0.113.0/24, 2001:db8::/32) as public, so examples need no real public space.
  bool documentation_prefixes_public = false;
};

struct EmulatorConfig {
  EmulatorSettings emulator;
  std::vector<Circuit> circuits;
  std::vector<RouteFilter> route_filters;

  const Circuit* circuit(std::string_view name) const;
  Circuit* circuit(std::string_view name) {
    return const_cast<Circuit*>(static_cast<const EmulatorConfig*>(this)->circuit(name));
  }
  const RouteFilter* route_filter(std::string_view name) const;
};

}  // namespace msee
