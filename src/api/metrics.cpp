// GET /metrics: Prometheus text exposition (version 0.0.4) of Azure's circuit metrics
// BgpAvailability and ArpAvailability (R86) and the speaker's own counters, one series per
// session. Plain text: no JSON here. Routed from handle_api_request (router.cpp).
#include <fmt/core.h>

#include <chrono>
#include <set>
#include <vector>

#include "api/handlers.hpp"
#include "kernel/links.hpp"
#include "util/version.hpp"

namespace msee::api::detail {

namespace wire = bgp::wire;

namespace {

// MSEE: R86 — ArpAvailability: 100 when the CE's address resolves on the link (always on
// loopback, which has no ARP).
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

// Azure's dimensions (R86: PeeringType, Peer = primary/secondary MSEE) plus circuit and family.
// "gcc 12.2.0" / "clang 14.0.6": which compiler built this binary.
std::string compiler() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

std::string metric_labels(const msee::SessionPlan& s) {
  return fmt::format("circuit=\"{}\",peeringType=\"{}\",peer=\"{}\",family=\"{}\"", s.circuit,
                     msee::to_string(s.peering_type), msee::to_string(s.path),
                     s.afi == wire::Afi::Ipv4 ? "ipv4" : "ipv6");
}

}  // namespace

ApiResponse metrics(const Call& c) {
  const auto& emu = c.emu;
  std::string out;
  auto head = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  struct Row {
    const msee::SessionPlan* s;
    const bgp::io::Peer* p;
    const speaker::Speaker* sp;  // its shard's
  };
  std::vector<Row> rows;
  for (const auto& s : emu.plan().sessions) {
    const auto& sp = emu.speaker_of(s);
    if (const auto* p = sp.find_peer(s.name)) {
      rows.push_back({&s, p, &sp});
    }
  }
  // The process itself, as the Prometheus exporters of BIRD and FRR show it: what runs, since
  // when (a restart shows as a new start time, not only as counters going back to zero).
  head("msee_build_info", "gauge", "always 1; the labels say which msee-emu runs");
  out += fmt::format("msee_build_info{{version=\"{}\",compiler=\"{}\"}} 1\n", util::kVersion,
                     compiler());
  auto now_steady = std::chrono::steady_clock::now();
  auto up = std::chrono::duration<double>(now_steady - c.started).count();
  auto now_unix =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  head("process_start_time_seconds", "gauge", "start time of msee-emu since the Unix epoch");
  out += fmt::format("process_start_time_seconds {:.3f}\n", now_unix - up);
  head("msee_uptime_seconds", "gauge", "seconds since msee-emu started");
  out += fmt::format("msee_uptime_seconds {:.3f}\n", up);
  head("msee_bgp_session_last_change_timestamp_seconds", "gauge",
       "when the session last changed state, since the Unix epoch (0: never)");
  for (const auto& r : rows) {
    auto at = r.p->stats().last_state_change;
    double t = at == std::chrono::system_clock::time_point{}
                   ? 0.0
                   : std::chrono::duration<double>(at.time_since_epoch()).count();
    out += fmt::format("msee_bgp_session_last_change_timestamp_seconds{{{}}} {:.3f}\n",
                       metric_labels(*r.s), t);
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
                       r.sp->rib_of(*r.p).count(r.sp->peer_id(*r.p), fam));
  }
  head("msee_bgp_route_limit", "gauge", "the session's route limit (R36)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_route_limit{{{}}} {}\n", metric_labels(*r.s), r.s->route_limit);
  }
  head("msee_bgp_flaps_total", "counter", "Established sessions that went down");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_flaps_total{{{}}} {}\n", metric_labels(*r.s), r.p->stats().flaps);
  }
  head("msee_bgp_send_hold_expired_total", "counter",
       "sessions closed because the CE stopped reading (RFC 9687 send hold timer)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_send_hold_expired_total{{{}}} {}\n", metric_labels(*r.s),
                       r.p->stats().send_hold_expired);
  }
  head("msee_bgp_prefixes_advertised", "gauge", "prefixes the MSEE advertises to the CE on this session");
  for (const auto& r : rows) {
    auto fam = r.s->afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    std::uint64_t n = 0;
    r.sp->for_each_advertised(*r.p, fam, [&](const wire::Prefix&, const wire::PathAttributes&,
                                               const wire::IpAddress&) { ++n; });
    out += fmt::format("msee_bgp_prefixes_advertised{{{}}} {}\n", metric_labels(*r.s), n);
  }
  head("msee_bgp_prefixes_rejected_total", "counter", "prefixes the MSEE's inbound policy refused (R39-R42)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_prefixes_rejected_total{{{}}} {}\n", metric_labels(*r.s),
                       r.sp->policy_rejected(*r.p));
  }
  head("msee_bgp_route_limit_warnings_total", "counter", "times the prefix count reached the warning threshold (R37)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_route_limit_warnings_total{{{}}} {}\n", metric_labels(*r.s),
                       r.sp->limit_counters(*r.p).warnings);
  }
  head("msee_bgp_route_limit_exceeded_total", "counter", "times the route limit was crossed: Cease/1 sent (R37)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_route_limit_exceeded_total{{{}}} {}\n", metric_labels(*r.s),
                       r.sp->limit_counters(*r.p).exceeded);
  }
  head("msee_bgp_admin_down", "gauge", "1 when the session's peering is Disabled (R66)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_admin_down{{{}}} {}\n", metric_labels(*r.s),
                       r.sp->admin_down(r.s->name) ? 1 : 0);
  }
  head("msee_bgp_messages_sent_total", "counter", "BGP messages sent");
  for (const auto& r : rows) {
    std::uint64_t n = 0;
    for (auto count : r.p->stats().messages_out) {
      n += count;
    }
    out += fmt::format("msee_bgp_messages_sent_total{{{}}} {}\n", metric_labels(*r.s), n);
  }
  head("msee_bgp_messages_received_total", "counter", "BGP messages received");
  for (const auto& r : rows) {
    std::uint64_t n = 0;
    for (auto count : r.p->stats().messages_in) {
      n += count;
    }
    out += fmt::format("msee_bgp_messages_received_total{{{}}} {}\n", metric_labels(*r.s), n);
  }
  // MSEE: R81 — Azure's traffic metrics per peering and link (peer = primary/secondary MSEE),
  // over the last second; only where the links are interfaces (the data plane on).
  struct Traffic {
    const char* name;
    const char* help;
    double emulator::Emulator::LinkTraffic::*field;
  };
  static constexpr Traffic kTraffic[] = {
      {"BitsInPerSecond", "bits per second from the customer into Azure (Azure metric, R81)",
       &emulator::Emulator::LinkTraffic::bits_in_ps},
      {"BitsOutPerSecond", "bits per second from Azure to the customer (Azure metric, R81)",
       &emulator::Emulator::LinkTraffic::bits_out_ps},
      {"DroppedInBitsPerSecond", "ingress bits per second dropped above the circuit bandwidth (Azure metric, R81)",
       &emulator::Emulator::LinkTraffic::dropped_in_bps},
      {"DroppedOutBitsPerSecond", "egress bits per second dropped above the circuit bandwidth (Azure metric, R81)",
       &emulator::Emulator::LinkTraffic::dropped_out_bps},
  };
  for (const auto& m : kTraffic) {
    bool headed = false;
    std::set<std::string> shown;
    for (const auto& r : rows) {
      auto t = emu.link_traffic(r.s->circuit, r.s->peering_type, r.s->path);
      auto labels = fmt::format("circuit=\"{}\",peeringType=\"{}\",peer=\"{}\"", r.s->circuit,
                                msee::to_string(r.s->peering_type), msee::to_string(r.s->path));
      if (!t || !shown.insert(labels).second) {
        continue;  // one series per link of a peering, not per family
      }
      if (!headed) {
        head(m.name, "gauge", m.help);
        headed = true;
      }
      out += fmt::format("{}{{{}}} {:.0f}\n", m.name, labels, (*t).*(m.field));
    }
  }
  head("msee_bfd_session_up", "gauge", "1 when the BFD session is Up");
  for (const auto& r : rows) {
    if (auto info = emu.bfd_of(*r.s).session_info(r.s->name)) {
      out += fmt::format("msee_bfd_session_up{{{}}} {}\n", metric_labels(*r.s),
                         info->state == bfd::State::Up ? 1 : 0);
    }
  }
  return {200, "text/plain; version=0.0.4", out};
}

}  // namespace msee::api::detail
