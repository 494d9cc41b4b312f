// REST API handlers of the circuits as ARM shows them (without MD5 keys), peering state changes
// (R66, R67), traffic statistics (R85), the ARP table (R84), the raw BGP/BFD sessions and the
// configuration reload. Routed from handle_api_request (router.cpp).
#include <fmt/core.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "api/detail_json.hpp"
#include "api/rows_json.hpp"
#include "kernel/links.hpp"
#include "util/text.hpp"

namespace msee::api::detail {

namespace wire = bgp::wire;

namespace {

// The circuit as az shows it (circuit_view_json.cpp), without secrets.
json circuit_json(const emulator::Emulator& emu, const msee::Circuit& c) {
  const auto& all = emu.config().circuits;
  return circuit_view(c, static_cast<std::size_t>(&c - all.data()));
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

// The sessions of a circuit (and peering), by path.
std::vector<const msee::SessionPlan*> sessions_of(const emulator::Emulator& emu,
                                                const std::string& circuit,
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
ApiResponse traffic_stats(const emulator::Emulator& emu, const std::string& circuit,
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
    if (const auto* p = emu.speaker_of(*s).find_peer(s->name)) {
      bytes[path][0] += p->stats().bytes_in;
      bytes[path][1] += p->stats().bytes_out;
    }
  }
  // Field names as the ExpressRouteCircuitStats model spells them; then Azure's traffic
  // metrics (R81) per link over the last second, summed over the peerings asked for.
  json out{{"primarybytesIn", bytes[0][0]},
           {"primarybytesOut", bytes[0][1]},
           {"secondarybytesIn", bytes[1][0]},
           {"secondarybytesOut", bytes[1][1]},
           {"source", source}};
  std::set<std::tuple<std::string, msee::PeeringType, msee::LinkPath>> seen;
  double rates[2][4] = {};
  bool any = false;
  for (const auto* s : sessions) {
    if (!seen.insert({s->circuit, s->peering_type, s->path}).second) {
      continue;
    }
    if (auto t = emu.link_traffic(s->circuit, s->peering_type, s->path)) {
      int p = s->path == msee::LinkPath::Secondary ? 1 : 0;
      rates[p][0] += t->bits_in_ps;
      rates[p][1] += t->bits_out_ps;
      rates[p][2] += t->dropped_in_bps;
      rates[p][3] += t->dropped_out_bps;
      any = true;
    }
  }
  if (any) {
    const char* names[4] = {"BitsInPerSecond", "BitsOutPerSecond", "DroppedInBitsPerSecond",
                            "DroppedOutBitsPerSecond"};
    for (int p = 0; p < 2; ++p) {
      json m;
      for (int i = 0; i < 4; ++i) {
        m[names[i]] = static_cast<std::uint64_t>(rates[p][i]);
      }
      out[p == 0 ? "primaryMetrics" : "secondaryMetrics"] = std::move(m);
    }
  }
  return ok(std::move(out));
}

}  // namespace

ApiResponse list_circuits(const Call& c) {
  json value = json::array();
  for (const auto& circuit : c.emu.config().circuits) {
    value.push_back(circuit_json(c.emu, circuit));
  }
  return ok(json{{"value", std::move(value)}});
}

ApiResponse get_circuit(const Call& c) {
  const auto* circuit = c.emu.config().circuit(c.param("circuit"));
  if (circuit == nullptr) {
    return error(404, "NotFound", "no circuit named '" + c.param("circuit") + "'");
  }
  return ok(circuit_json(c.emu, *circuit));
}

ApiResponse get_peering(const Call& c) {
  const auto& name = c.param("circuit");
  const auto& peering = c.param("peering");
  const auto* circuit = c.emu.config().circuit(name);
  if (circuit == nullptr) {
    return error(404, "NotFound", "no circuit named '" + name + "'");
  }
  auto cj = circuit_json(c.emu, *circuit);
  for (const auto& pj : cj["peerings"]) {
    if (pj["name"] == peering) {
      return ok(pj);
    }
  }
  return error(404, "NotFound", "circuit '" + name + "' has no peering '" + peering + "'");
}

// MSEE: R66, R67 — `az network express-route peering update --state Disabled|Enabled`, as
// {"state": "Disabled"|"Enabled", "ipVersion": "IPv6"}.
ApiResponse update_peering(const Call& c) {
  auto& emu = c.emu;
  const auto& circuit = c.param("circuit");
  const auto& name = c.param("peering");
  auto j = json::parse(c.request.body, nullptr, false);
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
    auto v = props["ipVersion"].is_string() ? util::lower(props["ipVersion"].get<std::string>())
                                            : "";
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
  auto cj = circuit_json(emu, *emu.config().circuit(circuit));  // outlives the loop below
  for (const auto& pj : cj["peerings"]) {
    if (pj["name"] == name) {
      return ok(pj);
    }
  }
  return error(500, "InternalError", "peering vanished");
}

ApiResponse circuit_stats(const Call& c) {
  return traffic_stats(c.emu, c.param("circuit"), std::nullopt);
}

ApiResponse peering_stats(const Call& c) {
  return traffic_stats(c.emu, c.param("circuit"), c.param("peering"));
}

// MSEE: R84 — the ARP table of one link as the MSEE sees it: its own address on the Microsoft
// side, the CE's on the On-Prem side, from the kernel's neighbour table when the link is a real
// interface.
ApiResponse arp_table(const Call& c) {
  auto found = find_session(c.emu, c.param("circuit"), c.param("peering"), c.target);
  if (auto* e = std::get_if<ApiResponse>(&found)) {
    return *e;
  }
  const auto& s = *std::get<const msee::SessionPlan*>(found);
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

// Every planned session with its RFC 4271 state, negotiated timers and BFD (msee-ctl sessions).
// 2,000 sessions are a 1.1 MB answer, written directly from the plan and the status board (no
// wait for a protocol thread, no json tree, no copies: issue #15) in the field order the json
// tree had. Here, on the control thread: about a millisecond, less than what handing it to
// another thread cost under load (docs/performance.md).
ApiResponse list_sessions(const Call& c) {
  const auto& sessions = c.emu.plan().sessions;
  auto statuses = c.emu.session_statuses();
  auto now = std::chrono::system_clock::now();
  JsonRows out(sessions.size() * 5);  // about 550 bytes a row
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& s = sessions[i];
    const auto& st = statuses[i];
    out.begin_row();
    out.field("name", s.name);
    out.field("circuit", s.circuit);
    out.field("peeringType", msee::to_string(s.peering_type));
    out.field("path", msee::to_string(s.path));
    out.field("family", s.afi == wire::Afi::Ipv4 ? "ipv4" : "ipv6");
    out.address("mseeAddress", s.msee_address);
    out.address("ceAddress", s.ce_address);
    out.field("peerASN", std::uint64_t{s.peer_asn});
    out.field("routeLimit", std::uint64_t{s.route_limit});
    out.field("state", st.present ? bgp::fsm::to_string(st.state) : "Disabled");
    out.field("adminState", st.admin_down ? "Down" : "Up");  // MSEE: R66
    if (st.present) {
      std::uint64_t in = 0, sent = 0;
      for (auto n : st.stats.messages_in) in += n;
      for (auto n : st.stats.messages_out) sent += n;
      out.field("messagesReceived", in);
      out.field("messagesSent", sent);
      out.field("flaps", std::uint64_t{st.stats.flaps});
      // What the session holds now (after inbound policy), as statePfxRcd counts it (R83).
      out.field("prefixesReceived", st.accepted);
      out.field("sendHoldExpired", std::uint64_t{st.stats.send_hold_expired});  // RFC 9687
      out.field("lastError", st.stats.last_error);
      auto changed = st.stats.last_state_change;  // never: 0, as since() says
      auto secs = changed == std::chrono::system_clock::time_point{}
                      ? 0
                      : std::chrono::duration_cast<std::chrono::seconds>(now - changed).count();
      out.field("secondsSinceChange", static_cast<std::uint64_t>(std::max<std::int64_t>(0, secs)));
      if (st.negotiated) {
        out.field("holdTime", std::uint64_t{st.hold_time});
        out.field("keepalive", std::uint64_t{st.keepalive_time});
        out.flag("fourOctetAs", st.four_octet_as);
        out.flag("routeRefresh", st.route_refresh);
      }
    }
    if (const auto& b = st.bfd) {
      out.begin_object("bfd");
      out.field("state", bfd::to_string(b->state));
      out.field("remoteState", bfd::to_string(b->remote_state));
      out.field("txIntervalMs", static_cast<std::uint64_t>(b->tx_interval.count() / 1000));
      out.field("detectionTimeMs", static_cast<std::uint64_t>(b->detection_time.count() / 1000));
      out.end_object();
    }
    out.end_row();
  }
  return {200, "application/json", std::move(out).finish()};
}

// POST /v1/reload: re-reads the config file and applies what changed (main.cpp owns how).
ApiResponse reload(const Call& c) {
  if (!c.config.reload) {
    return error(501, "NotImplemented", "this msee-emu cannot reload its configuration");
  }
  auto r = c.config.reload();
  if (!r) {
    return error(409, "ReloadRejected", r.error());
  }
  return ok(json{{"applied", true}, {"changes", *r}});
}

}  // namespace msee::api::detail
