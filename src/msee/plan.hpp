// Turns a validated EmulatorConfig into what the speaker runs: one BGP session per circuit ×
// peering × link (primary/secondary) × address family (R3, R32) with its addresses, timers,
// limits and BFD settings, and the routes the MSEEs advertise with their attributes and
// target sessions (R47–R58, R74). Pure: the app layer maps the plan onto bgp::io::Peer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "msee/azure.hpp"
#include "msee/circuit.hpp"

namespace msee {

struct SessionPlan {
  std::string name;  // "<circuit>/<peeringType>/<primary|secondary>[/ipv6]"
  std::string circuit;
  PeeringType peering_type = PeeringType::AzurePrivatePeering;
  LinkPath path = LinkPath::Primary;
  bgp::wire::Afi afi = bgp::wire::Afi::Ipv4;
  bool enabled = true;               // peering (and IPv6 config) state Enabled (R3, R66)
  IpAddress msee_address;            // address the emulator binds (after loopback mapping)
  IpAddress ce_address;
  IpAddress azure_msee_address;      // the address Azure would use (R9, R10), for the views
  IpAddress azure_ce_address;
  bgp::wire::RouterId router_id = 0;
  Asn peer_asn = 0;
  std::string md5_password;          // R26
  std::uint16_t hold_time = 180;     // R27
  std::uint16_t min_hold_time = 3;   // Q11
  std::uint32_t send_hold_time = 0;  // RFC 9687 (0 = its default)
  std::optional<std::uint16_t> graceful_restart;  // Q3: off unless the emulation asks
  bool bfd = false;                  // R28, R30: IPv4 sessions only
  std::uint32_t bfd_interval_ms = 300;
  std::uint8_t bfd_multiplier = 3;
  std::uint32_t route_limit = 0;     // R36
  std::uint8_t warning_percent = 80;
  std::uint32_t restart_s = 60;      // Q1
  bool count_rejected = false;       // Q1
  std::uint8_t allow_as_in = 2;      // R24, Q13
  Personality personality = Personality::Cisco;
  // Sessions whose received routes this session re-advertises (Global Reach, R74).
  std::vector<std::string> export_from;
  std::size_t circuit_index = 0;
  std::size_t peering_index = 0;
};

struct AdvertisementPlan {
  Prefix prefix;
  bgp::wire::PathAttributes attributes;  // as originated inside Azure (before 12076 prepend)
  std::vector<std::string> to;           // session names
  std::string origin;                    // "vnet hub-vnet" / "catalogue Exchange Online" ...
};

struct Plan {
  std::vector<SessionPlan> sessions;
  std::vector<AdvertisementPlan> advertisements;
  std::vector<std::string> notes;  // things the user should know (skipped sessions ...)
};

// Gateway ASN that originates VNet prefixes inside Azure; removed toward the customer (R23).
inline constexpr Asn kGatewayAsn = 65515;

// Whether the sessions of `afi` on `peering` run: the peering's state, and for IPv6 also the
// IPv6 peering config's state (R3, R66, R67).
bool session_enabled(const Peering& peering, bgp::wire::Afi afi);

Plan make_plan(const EmulatorConfig& config, const std::vector<CatalogueEntry>& catalogue);

// The speaker's routing table (VRF) of a session: one per circuit and peering,
// "<circuit>/<peeringType>" (issue #13: circuits keep their customers apart, and a circuit's
// private and Microsoft peering are separate routing domains).
std::string table_name(const SessionPlan& s);

// The kernel routing table of a circuit's peering when the data plane is on (issue #13):
// base + 10 × circuit index + 1 (private), 2 (Microsoft) or 3 (public).
std::uint32_t dataplane_table(const DataplaneSettings& d, std::size_t circuit_index,
                              PeeringType type);
// The table packets from the CE's side look up when the circuit has Global Reach: its own CE's
// routes and the linked circuit's (MSEE: R74), dataplane_table + 5. The Azure side keeps
// dataplane_table, the own CE's routes only, so a VNet never reaches the other site.
// Without Global Reach it is dataplane_table itself.
std::uint32_t dataplane_site_table(const DataplaneSettings& d, const SessionPlan& s);

// The link prefixes of every peering of one circuit, IPv4 and IPv6 (R11, R41).
std::vector<Prefix> circuit_link_prefixes(const Circuit& c);
// The link prefixes of every peering of every circuit, IPv4 and IPv6 (R11, R41), leaving out
// circuit `except` when given (Microsoft peering refuses only other circuits' links).
std::vector<Prefix> all_link_prefixes(const EmulatorConfig& config,
                                      std::optional<std::size_t> except = std::nullopt);

}  // namespace msee
