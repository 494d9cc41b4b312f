// REST API: request routing and JSON bodies (handle_api_request) and the Beast HTTP server
// (one coroutine per connection, keep-alive, 64 KiB request limit). Error bodies follow
// Azure's shape: {"error": {"code", "message"}}.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include <ctime>
#include <map>
#include <set>
#include <variant>

#include "api/api.hpp"
#include "api/detail_json.hpp"
#include "kernel/links.hpp"
#include "bgp/io/socket_options.hpp"
#include "msee/views.hpp"
#include "util/log.hpp"

namespace msee::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace wire = bgp::wire;
namespace detail {

ApiResponse error(unsigned status, std::string_view code, std::string message) {
  json j{{"error", {{"code", std::string(code)}, {"message", std::move(message)}}}};
  return {status, "application/json", j.dump(2) + "\n"};
}

ApiResponse ok(const json& j) { return {200, "application/json", j.dump(2) + "\n"}; }

}  // namespace detail

using namespace detail;

namespace {

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

struct Target {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};

std::optional<Target> parse_target(std::string_view t) {
  Target out;
  auto q = t.find('?');
  auto path = t.substr(0, q);
  try {
    std::size_t i = 0;
    while (i < path.size()) {
      auto j = path.find('/', i);
      auto seg = path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
      if (!seg.empty()) {
        out.segments.push_back(url_decode(seg));
      }
      if (j == std::string_view::npos) {
        break;
      }
      i = j + 1;
    }
    if (q != std::string_view::npos) {
      auto qs = t.substr(q + 1);
      std::size_t k = 0;
      while (k < qs.size()) {
        auto amp = qs.find('&', k);
        auto kv = qs.substr(k, amp == std::string_view::npos ? std::string_view::npos : amp - k);
        auto eq = kv.find('=');
        out.query[url_decode(kv.substr(0, eq))] =
            eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
        if (amp == std::string_view::npos) {
          break;
        }
        k = amp + 1;
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;  // a bad %-escape
  }
  return out;
}

// A decimal count: digits only (std::stoull would take "-1" and " 7"), at most 18 of them.
std::optional<std::uint64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 18) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

// The circuit as Azure shows it, without secrets (sharedKey is never output).
json circuit_json(const msee::Circuit& c) {
  json peerings = json::array();
  for (const auto& p : c.peerings) {
    json pj{{"name", std::string(msee::to_string(p.peering_type))},
            {"peeringType", std::string(msee::to_string(p.peering_type))},
            {"state", std::string(msee::to_string(p.state))},
            {"azureASN", msee::kMicrosoftAsn},
            {"peerASN", p.peer_asn},
            {"primaryPeerAddressPrefix",
             p.primary_peer_address_prefix ? p.primary_peer_address_prefix->to_string() : ""},
            {"secondaryPeerAddressPrefix",
             p.secondary_peer_address_prefix ? p.secondary_peer_address_prefix->to_string() : ""},
            {"vlanId", p.vlan_id},
            {"sharedKeyConfigured", !p.shared_key.empty()}};
    if (p.ipv6_peering_config) {
      pj["ipv6PeeringConfig"] = {
          {"primaryPeerAddressPrefix",
           p.ipv6_peering_config->primary_peer_address_prefix.to_string()},
          {"secondaryPeerAddressPrefix",
           p.ipv6_peering_config->secondary_peer_address_prefix.to_string()},
          {"state", std::string(msee::to_string(p.ipv6_peering_config->state))}};
    }
    if (p.microsoft_peering_config) {
      json prefixes = json::array();
      for (const auto& x : p.microsoft_peering_config->advertised_public_prefixes) {
        prefixes.push_back(x.to_string());
      }
      pj["microsoftPeeringConfig"] = {
          {"advertisedPublicPrefixes", prefixes},
          {"advertisedPublicPrefixesState",
           std::string(msee::to_string(p.microsoft_peering_config->advertised_public_prefixes_state))},
          {"customerASN", p.microsoft_peering_config->customer_asn},
          {"routingRegistryName", p.microsoft_peering_config->routing_registry_name}};
    }
    if (!p.route_filter.empty()) {
      pj["routeFilter"] = {{"name", p.route_filter}};
    }
    peerings.push_back(pj);
  }
  return json{{"name", c.name},
              {"serviceKey", c.service_key},
              {"sku",
               {{"name", fmt::format("{}_{}", msee::to_string(c.sku_tier), msee::to_string(c.sku_family))},
                {"tier", std::string(msee::to_string(c.sku_tier))},
                {"family", std::string(msee::to_string(c.sku_family))}}},
              {"serviceProviderProperties",
               {{"serviceProviderName", c.service_provider_name},
                {"peeringLocation", c.peering_location},
                {"bandwidthInMbps", c.bandwidth_in_mbps}}},
              {"circuitProvisioningState", "Enabled"},
              {"serviceProviderProvisioningState", "Provisioned"},
              {"peerings", peerings}};
}

std::chrono::seconds since(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) {
    return std::chrono::seconds(0);
  }
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t);
}

// Finds the session of circuit/peering/path/family, or an error response.
std::variant<const msee::SessionPlan*, ApiResponse> find_session(const emulator::Emulator& emu,
                                                                const std::string& circuit,
                                                                const std::string& peering,
                                                                const Target& t) {
  if (emu.config().circuit(circuit) == nullptr) {
    return error(404, "NotFound", "no circuit named '" + circuit + "'");
  }
  auto path_it = t.query.find("path");
  if (path_it == t.query.end()) {
    return error(400, "MissingParameter", "the 'path' parameter is required: primary or secondary");
  }
  auto path = lower(path_it->second);
  if (path != "primary" && path != "secondary") {
    return error(400, "InvalidParameter", "path must be primary or secondary, not '" +
                                              path_it->second + "'");
  }
  auto family = t.query.count("family") != 0 ? lower(t.query.at("family")) : "ipv4";
  if (family != "ipv4" && family != "ipv6") {
    return error(400, "InvalidParameter", "family must be ipv4 or ipv6");
  }
  bool peering_known = false;
  for (const auto& s : emu.plan().sessions) {
    if (s.circuit != circuit || msee::to_string(s.peering_type) != peering) {
      continue;
    }
    peering_known = true;
    if (msee::to_string(s.path) == path &&
        (s.afi == wire::Afi::Ipv4) == (family == "ipv4")) {
      return &s;
    }
  }
  if (!peering_known) {
    return error(404, "NotFound", "circuit '" + circuit + "' has no peering '" + peering +
                                      "' (AzurePrivatePeering, MicrosoftPeering)");
  }
  return error(404, "NotFound", "peering '" + peering + "' has no " + family + " sessions");
}

std::optional<msee::PeeringType> peering_type(std::string_view name) {
  for (auto t : {msee::PeeringType::AzurePrivatePeering, msee::PeeringType::MicrosoftPeering,
                 msee::PeeringType::AzurePublicPeering}) {
    if (msee::to_string(t) == name) {
      return t;
    }
  }
  return std::nullopt;
}

// MSEE: R66, R67 — `az network express-route peering update --state Disabled|Enabled`.
ApiResponse update_peering(emulator::Emulator& emu, const std::string& circuit, const std::string& name,
                           const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return error(400, "InvalidRequestFormat", "the body must be a JSON object such as "
                                              "{\"state\": \"Disabled\"}");
  }
  // Accept Azure's resource shape too: {"properties": {"state": ...}}.
  const json& props = j.contains("properties") && j["properties"].is_object() ? j["properties"] : j;
  if (!props.contains("state") || !props["state"].is_string()) {
    return error(400, "MissingParameter", "/state is required: \"Enabled\" or \"Disabled\"");
  }
  auto state_text = props["state"].get<std::string>();
  msee::PeeringState state;
  if (state_text == "Enabled") {
    state = msee::PeeringState::Enabled;
  } else if (state_text == "Disabled") {
    state = msee::PeeringState::Disabled;
  } else {
    return error(400, "InvalidParameter",
                 "/state must be \"Enabled\" or \"Disabled\", not \"" + state_text + "\"");
  }
  std::optional<wire::Afi> family;
  if (props.contains("ipVersion")) {
    auto v = props["ipVersion"].is_string() ? lower(props["ipVersion"].get<std::string>()) : "";
    if (v == "ipv4") {
      family = wire::Afi::Ipv4;
    } else if (v == "ipv6") {
      family = wire::Afi::Ipv6;
    } else {
      return error(400, "InvalidParameter", "/ipVersion must be \"IPv4\" or \"IPv6\"");
    }
  }
  if (emu.config().circuit(circuit) == nullptr) {
    return error(404, "NotFound", "no circuit named '" + circuit + "'");
  }
  auto type = peering_type(name);
  if (!type) {
    return error(404, "NotFound", "no peering named '" + name +
                                      "' (AzurePrivatePeering, MicrosoftPeering)");
  }
  if (auto err = emu.set_peering_state(circuit, *type, family, state)) {
    return error(404, "NotFound", *err);
  }
  auto cj = circuit_json(*emu.config().circuit(circuit));  // outlives the loop below
  for (const auto& pj : cj["peerings"]) {
    if (pj["name"] == name) {
      return ok(pj);
    }
  }
  return error(500, "InternalError", "peering vanished");
}

// The sessions of a circuit (and peering), by path.
std::vector<const msee::SessionPlan*> sessions_of(const emulator::Emulator& emu, const std::string& circuit,
                                                const std::optional<std::string>& peering) {
  std::vector<const msee::SessionPlan*> out;
  for (const auto& s : emu.plan().sessions) {
    if (s.circuit == circuit && (!peering || msee::to_string(s.peering_type) == *peering)) {
      out.push_back(&s);
    }
  }
  return out;
}

// MSEE: R85 — primary/secondary bytes in and out. Where the MSEE's link address sits on a real
// interface (a namespace lab) these are that interface's counters, i.e. all traffic on the
// link; on loopback addressing, where every link shares `lo`, only the sessions' own BGP
// octets can be told apart.
ApiResponse circuit_stats(const emulator::Emulator& emu, const std::string& circuit,
                          const std::optional<std::string>& peering) {
  if (emu.config().circuit(circuit) == nullptr) {
    return error(404, "NotFound", "no circuit named '" + circuit + "'");
  }
  auto sessions = sessions_of(emu, circuit, peering);
  if (sessions.empty()) {
    return error(404, "NotFound", "circuit '" + circuit + "' has no peering '" +
                                      peering.value_or("") + "'");
  }
  std::uint64_t bytes[2][2] = {{0, 0}, {0, 0}};  // [secondary?][out?]
  std::set<std::string> counted_ifs;
  std::string source = "interface";
  for (const auto* s : sessions) {
    int path = s->path == msee::LinkPath::Secondary ? 1 : 0;
    auto link = kernel::interface_for_address(s->msee_address);
    if (link && !link->loopback) {
      if (counted_ifs.insert(link->name).second) {
        if (auto c = kernel::counters(link->name)) {
          bytes[path][0] += c->rx_bytes;
          bytes[path][1] += c->tx_bytes;
        }
      }
      continue;
    }
    source = "bgp";
    if (const auto* p = emu.speaker().find_peer(s->name)) {
      bytes[path][0] += p->stats().bytes_in;
      bytes[path][1] += p->stats().bytes_out;
    }
  }
  // Field names as the ExpressRouteCircuitStats model spells them.
  return ok(json{{"primarybytesIn", bytes[0][0]},
                 {"primarybytesOut", bytes[0][1]},
                 {"secondarybytesIn", bytes[1][0]},
                 {"secondarybytesOut", bytes[1][1]},
                 {"source", source}});
}

// MSEE: R84 — the ARP table of one link as the MSEE sees it: its own address on the Microsoft
// side, the CE's on the On-Prem side, from the kernel's neighbour table when the link is a real
// interface.
ApiResponse arp_table(const msee::SessionPlan& s) {
  json value = json::array();
  auto link = kernel::interface_for_address(s.msee_address);
  if (!link) {
    return error(409, "LinkNotPresent", "the MSEE address " + s.msee_address.to_string() +
                                            " is on no interface (is the emulator running here?)");
  }
  if (link->loopback || link->noarp) {
    // No ARP on loopback: both ends are this host's `lo`.
    value.push_back({{"age", 0}, {"interface", "On-Prem"}, {"ipAddress", s.ce_address.to_string()},
                     {"macAddress", kernel::cisco_mac(link->mac)}});
  } else {
    auto nb = kernel::neighbour(link->ifindex, s.ce_address);
    bool resolved = nb && !nb->mac.empty() && nb->state != "FAILED" && nb->state != "INCOMPLETE";
    value.push_back({{"age", resolved ? nb->updated_seconds_ago / 60 : 0},
                     {"interface", "On-Prem"},
                     {"ipAddress", s.ce_address.to_string()},
                     {"macAddress", resolved ? kernel::cisco_mac(nb->mac) : "Incomplete"}});
  }
  value.push_back({{"age", 0}, {"interface", "Microsoft"}, {"ipAddress", s.msee_address.to_string()},
                   {"macAddress", kernel::cisco_mac(link->mac)}});
  return ok(json{{"value", std::move(value)}});
}

// ArpAvailability (R86): 100 when the CE's address resolves on the link (always on loopback).
int arp_availability(const msee::SessionPlan& s) {
  auto link = kernel::interface_for_address(s.msee_address);
  if (!link) {
    return 0;
  }
  if (link->loopback || link->noarp) {
    return 100;
  }
  auto nb = kernel::neighbour(link->ifindex, s.ce_address);
  return nb && !nb->mac.empty() && nb->state != "FAILED" && nb->state != "INCOMPLETE" ? 100 : 0;
}

json attributes_json(const wire::PathAttributes& a, const wire::IpAddress& next_hop) {
  json j{{"nextHop", next_hop.to_string()},
         {"asPath", a.as_path ? a.as_path->to_string() : ""},
         {"origin", !a.origin                           ? ""
                    : *a.origin == wire::Origin::Igp ? "igp"
                    : *a.origin == wire::Origin::Egp ? "egp"
                                                     : "incomplete"}};
  if (a.med) {
    j["med"] = *a.med;
  }
  if (a.local_pref) {
    j["localPref"] = *a.local_pref;
  }
  json comms = json::array();
  for (auto c : a.communities) {
    comms.push_back(fmt::format("{}:{}", c >> 16, c & 0xffff));
  }
  j["communities"] = comms;
  return j;
}

// `msee-ctl routes --received|--advertised`: the session's Adj-RIB-In (as accepted into the
// Loc-RIB, after inbound policy) or Adj-RIB-Out (after export policy), with attributes.
ApiResponse routes(const emulator::Emulator& emu, const msee::SessionPlan& s, const Target& t) {
  auto dir = t.query.count("direction") != 0 ? lower(t.query.at("direction")) : "received";
  if (dir != "received" && dir != "advertised") {
    return error(400, "InvalidParameter", "direction must be received or advertised");
  }
  std::size_t limit = 100000;
  if (t.query.count("limit") != 0) {
    auto n = parse_count(t.query.at("limit"));
    if (!n) {
      return error(400, "InvalidParameter", "limit must be a non-negative integer");
    }
    limit = *n;
  }
  const auto& speaker = emu.speaker();
  const auto* peer = speaker.find_peer(s.name);
  auto fam = s.afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
  json value = json::array();
  std::size_t total = 0;
  if (peer != nullptr && dir == "received") {
    speaker.loc_rib().for_each_path(
        speaker.peer_id(*peer), fam, [&](const wire::Prefix& p, const rib::Path& path) {
          if (++total > limit) {
            return;
          }
          const auto& a = speaker.loc_rib().store().get(path.attr);
          auto j = attributes_json(a, a.next_hop.value_or(s.ce_address));
          j["prefix"] = p.to_string();
          value.push_back(std::move(j));
        });
  } else if (peer != nullptr) {
    speaker.for_each_advertised(*peer, fam,
                                [&](const wire::Prefix& p, const wire::PathAttributes& a,
                                    const wire::IpAddress& nh) {
                                  if (++total > limit) {
                                    return;
                                  }
                                  auto j = attributes_json(a, nh);
                                  j["prefix"] = p.to_string();
                                  value.push_back(std::move(j));
                                });
  }
  return ok(json{{"session", s.name}, {"direction", dir}, {"total", total}, {"value", value}});
}

// The event log since a sequence number (`after`), oldest first. The server turns `wait` into
// a long poll (ApiServer), this answers at once.
ApiResponse events(const speaker::EventLog& log, const Target& t) {
  std::uint64_t after = 0;
  std::size_t limit = 1000;
  for (const char* key : {"after", "limit", "last", "wait"}) {
    if (t.query.count(key) != 0 && !parse_count(t.query.at(key))) {
      return error(400, "InvalidParameter",
                   std::string(key) + " must be a non-negative integer");
    }
  }
  if (t.query.count("after") != 0) {
    after = *parse_count(t.query.at("after"));
  }
  if (t.query.count("limit") != 0) {
    limit = *parse_count(t.query.at("limit"));
  }
  if (t.query.count("last") != 0) {
    // The most recent `last` events: `msee-ctl events` without --follow.
    auto n = *parse_count(t.query.at("last"));
    after = log.last_seq() > n ? log.last_seq() - n : 0;
  }
  // Each entry is already a JSON object: splice the lines instead of re-parsing them.
  std::string body = "{\"value\":[";
  auto entries = log.after(after, limit);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      body += ",\n";
    }
    body += entries[i]->line;
  }
  // The sequence number to ask `after` next time (an `after` beyond the log, e.g. from before a
  // restart, is answered with the current end so the client resynchronises).
  std::uint64_t next = !entries.empty()            ? entries.back()->seq
                       : after > log.last_seq()   ? log.last_seq()
                                                  : after;
  body += fmt::format("],\"last\":{}}}\n", next);
  return {200, "application/json", body};
}

std::string metric_labels(const msee::SessionPlan& s) {
  return fmt::format("circuit=\"{}\",peeringType=\"{}\",peer=\"{}\",family=\"{}\"", s.circuit,
                     msee::to_string(s.peering_type), msee::to_string(s.path),
                     s.afi == wire::Afi::Ipv4 ? "ipv4" : "ipv6");
}

ApiResponse metrics(const emulator::Emulator& emu) {
  std::string out;
  auto head = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  const auto& speaker = emu.speaker();
  struct Row {
    const msee::SessionPlan* s;
    const bgp::io::Peer* p;
  };
  std::vector<Row> rows;
  for (const auto& s : emu.plan().sessions) {
    if (const auto* p = speaker.find_peer(s.name)) {
      rows.push_back({&s, p});
    }
  }
  // MSEE: R86 — Azure's BgpAvailability per peering type and peer (primary/secondary MSEE),
  // as an instantaneous percentage.
  head("BgpAvailability", "gauge", "100 when the BGP session is Established, else 0 (Azure metric, R86)");
  for (const auto& r : rows) {
    out += fmt::format("BgpAvailability{{{}}} {}\n", metric_labels(*r.s),
                       r.p->state() == bgp::fsm::State::Established ? 100 : 0);
  }
  // MSEE: R86 — ArpAvailability: the CE's address resolves on the link.
  head("ArpAvailability", "gauge", "100 when the CE's address is in the MSEE's ARP/ND table, else 0 (Azure metric, R86)");
  for (const auto& r : rows) {
    out += fmt::format("ArpAvailability{{{}}} {}\n", metric_labels(*r.s), arp_availability(*r.s));
  }
  head("msee_bgp_session_state", "gauge", "RFC 4271 state: 1 Idle 2 Connect 3 Active 4 OpenSent 5 OpenConfirm 6 Established");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_session_state{{{}}} {}\n", metric_labels(*r.s),
                       static_cast<int>(r.p->state()) + 1);
  }
  head("msee_bgp_prefixes_accepted", "gauge", "prefixes accepted from the CE on this session (after policy)");
  for (const auto& r : rows) {
    auto fam = r.s->afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    out += fmt::format("msee_bgp_prefixes_accepted{{{}}} {}\n", metric_labels(*r.s),
                       speaker.loc_rib().count(speaker.peer_id(*r.p), fam));
  }
  head("msee_bgp_route_limit", "gauge", "the session's route limit (R36)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_route_limit{{{}}} {}\n", metric_labels(*r.s), r.s->route_limit);
  }
  head("msee_bgp_flaps_total", "counter", "Established sessions that went down");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_flaps_total{{{}}} {}\n", metric_labels(*r.s), r.p->stats().flaps);
  }
  head("msee_bgp_prefixes_advertised", "gauge", "prefixes the MSEE advertises to the CE on this session");
  for (const auto& r : rows) {
    auto fam = r.s->afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    std::uint64_t n = 0;
    speaker.for_each_advertised(*r.p, fam, [&](const wire::Prefix&, const wire::PathAttributes&,
                                               const wire::IpAddress&) { ++n; });
    out += fmt::format("msee_bgp_prefixes_advertised{{{}}} {}\n", metric_labels(*r.s), n);
  }
  head("msee_bgp_prefixes_rejected_total", "counter", "prefixes the MSEE's inbound policy refused (R39-R42)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_prefixes_rejected_total{{{}}} {}\n", metric_labels(*r.s),
                       speaker.policy_rejected(*r.p));
  }
  head("msee_bgp_route_limit_warnings_total", "counter", "times the prefix count reached the warning threshold (R37)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_route_limit_warnings_total{{{}}} {}\n", metric_labels(*r.s),
                       speaker.limit_counters(*r.p).warnings);
  }
  head("msee_bgp_route_limit_exceeded_total", "counter", "times the route limit was crossed: Cease/1 sent (R37)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_route_limit_exceeded_total{{{}}} {}\n", metric_labels(*r.s),
                       speaker.limit_counters(*r.p).exceeded);
  }
  head("msee_bgp_admin_down", "gauge", "1 when the session's peering is Disabled (R66)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_admin_down{{{}}} {}\n", metric_labels(*r.s),
                       speaker.admin_down(r.s->name) ? 1 : 0);
  }
  head("msee_bgp_messages_sent_total", "counter", "BGP messages sent");
  for (const auto& r : rows) {
    std::uint64_t n = 0;
    for (auto c : r.p->stats().messages_out) {
      n += c;
    }
    out += fmt::format("msee_bgp_messages_sent_total{{{}}} {}\n", metric_labels(*r.s), n);
  }
  head("msee_bgp_messages_received_total", "counter", "BGP messages received");
  for (const auto& r : rows) {
    std::uint64_t n = 0;
    for (auto c : r.p->stats().messages_in) {
      n += c;
    }
    out += fmt::format("msee_bgp_messages_received_total{{{}}} {}\n", metric_labels(*r.s), n);
  }
  head("msee_bfd_session_up", "gauge", "1 when the BFD session is Up");
  for (const auto& r : rows) {
    if (auto info = emu.bfd().session_info(r.s->name)) {
      out += fmt::format("msee_bfd_session_up{{{}}} {}\n", metric_labels(*r.s),
                         info->state == bfd::State::Up ? 1 : 0);
    }
  }
  return {200, "text/plain; version=0.0.4", out};
}

}  // namespace

ApiResponse handle_api_request(emulator::Emulator& emu, const ApiConfig& config, const ApiRequest& req,
                               std::chrono::steady_clock::time_point started) {
  if (!config.token.empty() && req.authorization != "Bearer " + config.token) {
    return error(401, "AuthenticationFailed", "a valid 'Authorization: Bearer <token>' is required");
  }
  auto t = parse_target(req.target);
  if (!t) {
    return error(400, "InvalidRequest", "bad percent-encoding in the URL");
  }
  const auto& seg = t->segments;
  // PATCH /v1/circuits/C/peerings/P {"state": "Disabled"|"Enabled", "ipVersion": "IPv6"}
  if (seg.size() == 5 && seg[0] == "v1" && seg[1] == "circuits" && seg[3] == "peerings") {
    if (req.method != "PATCH" && req.method != "GET") {
      return error(405, "MethodNotAllowed", "a peering takes GET or PATCH, not " + req.method);
    }
    if (req.method == "PATCH") {
      return update_peering(emu, seg[2], seg[4], req.body);
    }
  } else if (seg.size() == 5 && seg[0] == "v1" && seg[1] == "circuits" && seg[3] == "links") {
    if (req.method != "PATCH" && req.method != "GET") {
      return error(405, "MethodNotAllowed", "a link takes GET or PATCH, not " + req.method);
    }
    return link_drill(emu, seg[2], seg[4], req.method, req.body);
  } else if (seg.size() == 5 && seg[0] == "v1" && seg[1] == "circuits" &&
             seg[3] == "failoverTests" && (seg[4] == "start" || seg[4] == "stop")) {
    if (req.method != "POST") {
      return error(405, "MethodNotAllowed", "failoverTests/" + seg[4] + " takes POST");
    }
    return failover(emu, seg[2], seg[4], req.body);
  } else if (seg.size() == 2 && seg[0] == "v1" && seg[1] == "reload") {
    if (req.method != "POST") {
      return error(405, "MethodNotAllowed", "reload takes POST, not " + req.method);
    }
    if (!config.reload) {
      return error(501, "NotImplemented", "this msee-emu cannot reload its configuration");
    }
    auto r = config.reload();
    if (!r) {
      return error(409, "ReloadRejected", r.error());
    }
    return ok(json{{"applied", true}, {"changes", *r}});
  } else if (seg.size() == 3 && seg[0] == "v1" && seg[1] == "mrt" && seg[2] == "tableDump") {
    if (req.method != "POST") {
      return error(405, "MethodNotAllowed", "tableDump takes POST, not " + req.method);
    }
    // RFC 6396 §4.3 TABLE_DUMP_V2 snapshot, to the file the daemon was told (--table-dump):
    // the API never takes a path, so a client cannot write anywhere else.
    auto d = emu.speaker().dump_table_mrt(config.table_dump);
    if (!d) {
      return error(500, "TableDumpFailed", d.error());
    }
    return ok(json{{"path", d->path}, {"prefixes", d->prefixes}, {"entries", d->entries}});
  } else if (req.method != "GET") {
    return error(405, "MethodNotAllowed", "only GET is supported here, not " + req.method);
  }
  if (seg.size() == 1 && seg[0] == "metrics") {
    return metrics(emu);
  }
  if (seg.empty() || seg[0] != "v1") {
    return error(404, "NotFound", "unknown path; the API is under /v1 (and /metrics)");
  }
  const auto& cfg = emu.config();
  if (seg.size() == 2 && seg[1] == "circuits") {
    json value = json::array();
    for (const auto& c : cfg.circuits) {
      value.push_back(circuit_json(c));
    }
    return ok(json{{"value", std::move(value)}});
  }
  if (seg.size() == 3 && seg[1] == "circuits") {
    const auto* c = cfg.circuit(seg[2]);
    if (c == nullptr) {
      return error(404, "NotFound", "no circuit named '" + seg[2] + "'");
    }
    return ok(circuit_json(*c));
  }
  if (seg.size() == 5 && seg[1] == "circuits" && seg[3] == "peerings") {
    const auto* c = cfg.circuit(seg[2]);
    if (c == nullptr) {
      return error(404, "NotFound", "no circuit named '" + seg[2] + "'");
    }
    auto cj = circuit_json(*c);
    for (const auto& pj : cj["peerings"]) {
      if (pj["name"] == seg[4]) {
        return ok(pj);
      }
    }
    return error(404, "NotFound", "circuit '" + seg[2] + "' has no peering '" + seg[4] + "'");
  }
  if (seg.size() == 4 && seg[1] == "circuits" && seg[3] == "stats") {
    return circuit_stats(emu, seg[2], std::nullopt);
  }
  if (seg.size() == 6 && seg[1] == "circuits" && seg[3] == "peerings" && seg[5] == "stats") {
    return circuit_stats(emu, seg[2], seg[4]);
  }
  if (seg.size() == 4 && seg[1] == "circuits" && seg[3] == "failoverTests") {
    if (cfg.circuit(seg[2]) == nullptr) {
      return error(404, "NotFound", "no circuit named '" + seg[2] + "'");
    }
    json value = json::array();
    for (const auto& ft : emu.failover_tests()) {
      if (ft.circuit == seg[2]) {
        value.push_back(failover_json(emu, ft));
      }
    }
    return ok(json{{"value", std::move(value)}});
  }
  if (seg.size() == 2 && seg[1] == "events") {
    return events(emu.events(), *t);
  }
  if (seg.size() == 6 && seg[1] == "circuits" && seg[3] == "peerings" &&
      (seg[5] == "arpTables" || seg[5] == "routes")) {
    auto found = find_session(emu, seg[2], seg[4], *t);
    if (auto* e = std::get_if<ApiResponse>(&found)) {
      return *e;
    }
    const auto& s = *std::get<const msee::SessionPlan*>(found);
    return seg[5] == "arpTables" ? arp_table(s) : routes(emu, s, *t);
  }
  if (seg.size() == 6 && seg[1] == "circuits" && seg[3] == "peerings" &&
      (seg[5] == "routeTables" || seg[5] == "routeTablesSummary")) {
    auto found = find_session(emu, seg[2], seg[4], *t);
    if (auto* e = std::get_if<ApiResponse>(&found)) {
      return *e;
    }
    const auto& s = *std::get<const msee::SessionPlan*>(found);
    const auto* peer = emu.speaker().find_peer(s.name);
    const auto& speaker = emu.speaker();
    auto fam = s.afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    json value = json::array();
    if (seg[5] == "routeTables") {
      std::vector<msee::ReceivedRoute> received;
      if (peer != nullptr) {
        speaker.loc_rib().for_each_path(
            speaker.peer_id(*peer), fam, [&](const wire::Prefix& p, const rib::Path& path) {
              const auto& a = speaker.loc_rib().store().get(path.attr);
              received.push_back({p, a.next_hop.value_or(s.ce_address),
                                  a.as_path ? a.as_path->to_string() : ""});
            });
      }
      // MSEE: R82 — az's field names and types.
      for (const auto& r : msee::route_table(cfg, emu.plan(), s, received)) {
        value.push_back({{"network", r.network},
                         {"nextHop", r.next_hop},
                         {"locPrf", r.loc_prf},
                         {"weight", r.weight},
                         {"path", r.path}});
      }
    } else {
      msee::SessionState st;
      if (peer != nullptr) {
        st.established = peer->state() == bgp::fsm::State::Established;
        st.state = bgp::fsm::to_string(peer->state());
        st.prefixes_received = speaker.loc_rib().count(speaker.peer_id(*peer), fam);
        st.since_change = since(peer->stats().last_state_change);
      } else {
        st.state = "Idle";  // peering Disabled: no session
      }
      auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::steady_clock::now() - started);
      // MSEE: R83 — az's field names and types.
      for (const auto& r : msee::route_table_summary(cfg, s, st, uptime)) {
        value.push_back({{"neighbor", r.neighbor},
                         {"v", r.v},
                         {"as", r.as},
                         {"upDown", r.up_down},
                         {"statePfxRcd", r.state_pfx_rcd}});
      }
    }
    return ok(json{{"value", std::move(value)}});
  }
  if (seg.size() == 2 && seg[1] == "sessions") {
    json value = json::array();
    for (const auto& s : emu.plan().sessions) {
      const auto* p = emu.speaker().find_peer(s.name);
      json j{{"name", s.name},
             {"circuit", s.circuit},
             {"peeringType", std::string(msee::to_string(s.peering_type))},
             {"path", std::string(msee::to_string(s.path))},
             {"family", s.afi == wire::Afi::Ipv4 ? "ipv4" : "ipv6"},
             {"mseeAddress", s.msee_address.to_string()},
             {"ceAddress", s.ce_address.to_string()},
             {"peerASN", s.peer_asn},
             {"routeLimit", s.route_limit},
             {"state", p != nullptr ? bgp::fsm::to_string(p->state()) : "Disabled"},
             // MSEE: R66 — Down while the peering is Disabled.
             {"adminState", emu.speaker().admin_down(s.name) ? "Down" : "Up"}};
      if (p != nullptr) {
        const auto& st = p->stats();
        std::uint64_t in = 0, out = 0;
        for (auto c : st.messages_in) in += c;
        for (auto c : st.messages_out) out += c;
        j["messagesReceived"] = in;
        j["messagesSent"] = out;
        j["flaps"] = st.flaps;
        j["lastError"] = st.last_error;
        j["secondsSinceChange"] = since(st.last_state_change).count();
        if (const auto* n = p->negotiated()) {
          j["holdTime"] = n->hold_time;
          j["keepalive"] = n->keepalive_time;
          j["fourOctetAs"] = n->four_octet_as;
          j["routeRefresh"] = n->route_refresh;
        }
      }
      if (auto info = emu.bfd().session_info(s.name)) {
        j["bfd"] = {{"state", bfd::to_string(info->state)},
                    {"remoteState", bfd::to_string(info->remote_state)},
                    {"txIntervalMs", info->tx_interval.count() / 1000},
                    {"detectionTimeMs", info->detection_time.count() / 1000}};
      }
      value.push_back(j);
    }
    return ok(json{{"value", std::move(value)}});
  }
  return error(404, "NotFound", "unknown path " + std::string(req.target));
}

// ---------------------------------------------------------------------------------------------
// Server

namespace {
// The `wait` of a GET /v1/events request (0 for anything else).
std::chrono::seconds long_poll_wait(const ApiRequest& r) {
  if (r.method != "GET" || !r.target.starts_with("/v1/events?")) {
    return std::chrono::seconds(0);
  }
  auto t = parse_target(r.target);
  if (!t || t->query.count("wait") == 0) {
    return std::chrono::seconds(0);
  }
  auto n = parse_count(t->query.at("wait"));
  return std::chrono::seconds(n ? std::min<std::uint64_t>(60, *n) : 0);
}
}  // namespace

struct ApiServer::Impl {
  asio::io_context& io;
  emulator::Emulator& emulator;
  ApiConfig config;
  asio::ip::tcp::acceptor acceptor{io};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024);
      auto [ec, n] = co_await http::async_read(socket, buffer, parser,
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
          http::response<http::string_body> res{http::status::payload_too_large, 11};
          res.set(http::field::content_type, "application/json");
          res.body() = error(413, "RequestTooLarge", "request over 64 KiB").body;
          res.prepare_payload();
          co_await http::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                   ec != asio::error::connection_reset) {
          http::response<http::string_body> res{http::status::bad_request, 11};
          res.set(http::field::content_type, "application/json");
          res.body() = error(400, "InvalidRequest", ec.message()).body;
          res.prepare_payload();
          co_await http::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
        }
        break;
      }
      auto& req = parser.get();
      ApiRequest ar{std::string(req.method_string()), std::string(req.target()),
                    std::string(req[http::field::authorization]), req.body()};
      auto answer = handle_api_request(emulator, config, ar, started);
      // Long poll (`msee-ctl events --follow`): GET /v1/events?after=N&wait=S answers as soon
      // as an event after N exists, or after S seconds (at most 60) with none.
      if (auto wait = long_poll_wait(ar); wait.count() > 0 && answer.status == 200 &&
                                          answer.body.starts_with("{\"value\":[]")) {
        asio::steady_timer timer(io);
        auto deadline = std::chrono::steady_clock::now() + wait;
        auto after = emulator.events().last_seq();
        while (std::chrono::steady_clock::now() < deadline &&
               emulator.events().last_seq() == after) {
          timer.expires_after(std::chrono::milliseconds(100));
          co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        answer = handle_api_request(emulator, config, ar, started);
      }
      http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                            req.version()};
      res.set(http::field::server, "msee-emu");
      res.set(http::field::content_type, answer.content_type);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(answer.body);
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
      if (wec || !res.keep_alive()) {
        break;
      }
    }
    boost::system::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted) {
          co_return;
        }
        continue;
      }
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
};

ApiServer::ApiServer(asio::io_context& io, emulator::Emulator& emulator, ApiConfig config)
    : impl_(std::make_unique<Impl>(Impl{io, emulator, std::move(config)})) {}

ApiServer::~ApiServer() = default;

bool ApiServer::start() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(impl_->config.address, ec);
  if (ec) {
    log::error("API: '{}' is not an IP address", impl_->config.address);
    return false;
  }
  if (!addr.is_loopback() && impl_->config.token.empty()) {
    log::error("API: binding {} (not loopback) needs a bearer token (--api-token)",
               impl_->config.address);
    return false;
  }
  asio::ip::tcp::endpoint ep(addr, impl_->config.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) {
    acc.set_option(asio::socket_base::reuse_address(true), ec);
    acc.bind(ep, ec);
  }
  if (!ec) {
    acc.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    log::error("API: cannot listen on [{}]:{}: {}", impl_->config.address, impl_->config.port,
               ec.message());
    return false;
  }
  log::info("API on http://{}:{}/v1 (metrics at /metrics){}", impl_->config.address,
            impl_->config.port, impl_->config.token.empty() ? "" : ", bearer token required");
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  return true;
}

void ApiServer::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace msee::api
