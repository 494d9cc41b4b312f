// GET /metrics: Prometheus text exposition (version 0.0.4) of Azure's circuit metrics
// BgpAvailability and ArpAvailability (R86) and the speaker's own counters, one series per
// session. Plain text: no JSON here. Routed from handle_api_request (router.cpp).
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <iterator>
#include <map>
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
// One snapshot of the addresses and one neighbour dump per link for the whole scrape: per
// session, each was a netlink dump of everything (190 ms for 2,000 sessions on loopback).
class ArpView {
 public:
  // Each row's MSEE address (`msee_address`): the link each session is on.
  template <class Rows>
  explicit ArpView(const Rows& rows) {
    std::vector<wire::IpAddress> addrs;
    addrs.reserve(rows.size());
    for (const auto& r : rows) {
      addrs.push_back(r.msee_address);
    }
    links_ = kernel::interfaces_for_addresses(addrs);
  }
  // Row i's: is the CE's address resolved on that link?
  int availability(std::size_t i, const wire::IpAddress& ce_address) {
    if (links_.of[i] < 0) {
      return 0;
    }
    const auto* link = &links_.links[static_cast<std::size_t>(links_.of[i])];
    if (link->loopback || link->noarp) {
      return 100;
    }
    auto it = neighbours_.find(link->ifindex);
    if (it == neighbours_.end()) {
      auto nbs = kernel::neighbours(link->ifindex);
      it = neighbours_.emplace(link->ifindex, nbs ? std::move(*nbs) : std::vector<kernel::Neighbour>{})
               .first;
    }
    for (const auto& nb : it->second) {
      if (nb.address == ce_address) {
        return !nb.mac.empty() && nb.state != "FAILED" && nb.state != "INCOMPLETE" ? 100 : 0;
      }
    }
    return 0;
  }

 private:
  kernel::AddressLinks links_;
  std::map<int, std::vector<kernel::Neighbour>> neighbours_;
};

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

// A label value in the text format: backslash, double quote and line feed escaped.
void append_label_value(std::string& out, std::string_view v) {
  if (v.find_first_of("\\\"\n") == std::string_view::npos) {
    out += v;
    return;
  }
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// Appended piece by piece: a format string parsed per session was a third of the scrape's
// time on the control thread (issue #15).
void append_link_labels(std::string& out, const msee::SessionPlan& s) {
  out += "circuit=\"";
  append_label_value(out, s.circuit);
  out += "\",peeringType=\"";
  out += msee::to_string(s.peering_type);
  out += "\",peer=\"";
  out += msee::to_string(s.path);
  out += '"';
}

}  // namespace

ApiResponse metrics(const Call& c) {
  auto& emu = c.emu;
  // Each session's numbers from the status board (no wait for a protocol thread), labels and
  // Azure's traffic metrics, then the text, here on the control thread: 3.4 MB for 2,000
  // sessions in about 1.5 ms of CPU, less than handing it to another thread cost under load
  // (issue #15, docs/performance.md).
  struct Row {
    std::uint32_t label_at = 0, label_size = 0;  // in `labels`: one string for every row
    wire::IpAddress msee_address, ce_address;  // ArpAvailability
    std::int64_t last_change_ms = 0;  // since the Unix epoch; 0: never
    int state = 0;  // RFC 4271 state + 1
    bool established = false;
    int arp = 0;
    std::uint64_t accepted = 0, limit = 0, flaps = 0, send_hold = 0, advertised = 0,
                  rejected = 0, warnings = 0, exceeded = 0, out = 0, in = 0;
    bool admin_down = false;
    int bfd_up = -1;  // -1: no BFD session
  };
  struct TrafficRow {
    std::string labels;
    emulator::Emulator::LinkTraffic t;
  };
  const auto& sessions = emu.plan().sessions;
  auto statuses = emu.session_statuses();  // the status board: no wait for a protocol thread
  std::vector<Row> rows;
  std::vector<TrafficRow> traffic;
  std::set<std::string> shown;
  rows.reserve(sessions.size());
  std::string labels;
  labels.reserve(sessions.size() * 96);
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& s = sessions[i];
    const auto& st = statuses[i];
    if (!st.present) {
      continue;  // its peering is Disabled: no session, no series
    }
    auto& r = rows.emplace_back();
    r.label_at = static_cast<std::uint32_t>(labels.size());
    append_link_labels(labels, s);
    labels += s.afi == wire::Afi::Ipv4 ? ",family=\"ipv4\"" : ",family=\"ipv6\"";
    r.label_size = static_cast<std::uint32_t>(labels.size() - r.label_at);
    r.limit = s.route_limit;
    r.msee_address = s.msee_address;
    r.ce_address = s.ce_address;
    auto at = st.stats.last_state_change;
    r.last_change_ms =
        at == std::chrono::system_clock::time_point{}
            ? 0
            : std::chrono::round<std::chrono::milliseconds>(at.time_since_epoch()).count();
    r.state = static_cast<int>(st.state) + 1;
    r.established = st.state == bgp::fsm::State::Established;
    r.accepted = st.accepted;
    r.flaps = st.stats.flaps;
    r.send_hold = st.stats.send_hold_expired;
    r.advertised = st.advertised;
    r.rejected = st.policy_rejected;
    r.warnings = st.limits.warnings;
    r.exceeded = st.limits.exceeded;
    r.admin_down = st.admin_down;
    for (auto n : st.stats.messages_out) {
      r.out += n;
    }
    for (auto n : st.stats.messages_in) {
      r.in += n;
    }
    if (st.bfd) {
      r.bfd_up = st.bfd->state == bfd::State::Up ? 1 : 0;
    }
    // MSEE: R81 — one traffic series per link of a peering, not per family.
    if (auto t = emu.link_traffic(s.circuit, s.peering_type, s.path)) {
      std::string link;
      append_link_labels(link, s);
      if (shown.insert(link).second) {
        traffic.push_back({std::move(link), *t});
      }
    }
  }
  auto labels_of = [&](const Row& r) {
    return std::string_view(labels).substr(r.label_at, r.label_size);
  };
  ArpView arp(rows);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].arp = arp.availability(i, rows[i].ce_address);
  }
  std::string out;
  out.reserve(4096 + rows.size() * 1800);  // one allocation: each growth faulted megabytes in
  auto head = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  // `name{labels} value\n` put together on the stack and appended at once: a format string
  // parsed per line, then five appends per line, were most of a 30,000-line scrape (issue
  // #15).
  auto line = [&](std::string_view name, std::string_view row_labels, std::string_view value) {
    char text[512];
    auto n = name.size() + row_labels.size() + value.size() + 4;
    if (n > sizeof text) {
      out += name;
      out += '{';
      out += row_labels;
      out += "} ";
      out += value;
      out += '\n';
      return;
    }
    char* p = text;
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    *p++ = '{';
    std::memcpy(p, row_labels.data(), row_labels.size());
    p += row_labels.size();
    *p++ = '}';
    *p++ = ' ';
    std::memcpy(p, value.data(), value.size());
    p += value.size();
    *p++ = '\n';
    out.append(text, n);
  };
  // A family of one series per session: its HELP and TYPE, then a line per session.
  auto family = [&](const char* name, const char* type, const char* help, auto value_of) {
    head(name, type, help);
    for (const auto& r : rows) {
      fmt::format_int value(value_of(r));
      line(name, labels_of(r), std::string_view(value.data(), value.size()));
    }
  };

  // The process itself, as the Prometheus exporters of BIRD and FRR show it: what runs, since
  // when (a restart shows as a new start time, not only as counters going back to zero).
  head("msee_build_info", "gauge", "always 1; the labels say which msee-emu runs");
  out += fmt::format("msee_build_info{{version=\"{}\",compiler=\"{}\"}} 1\n", util::kVersion,
                     compiler());
  auto up = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.started).count();
  auto now_unix =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  head("process_start_time_seconds", "gauge", "start time of msee-emu since the Unix epoch");
  out += fmt::format("process_start_time_seconds {:.3f}\n", now_unix - up);
  head("msee_uptime_seconds", "gauge", "seconds since msee-emu started");
  out += fmt::format("msee_uptime_seconds {:.3f}\n", up);
  head("msee_bgp_session_last_change_timestamp_seconds", "gauge",
       "when the session last changed state, since the Unix epoch (0: never)");
  for (const auto& r : rows) {  // seconds with three decimals, without a float format
    fmt::format_int secs(r.last_change_ms / 1000);
    auto ms = static_cast<int>(r.last_change_ms % 1000);
    char value[32];
    std::memcpy(value, secs.data(), secs.size());
    char* p = value + secs.size();
    *p++ = '.';
    *p++ = static_cast<char>('0' + ms / 100);
    *p++ = static_cast<char>('0' + ms / 10 % 10);
    *p++ = static_cast<char>('0' + ms % 10);
    line("msee_bgp_session_last_change_timestamp_seconds", labels_of(r),
         std::string_view(value, static_cast<std::size_t>(p - value)));
  }
  // MSEE: R86 — Azure's BgpAvailability per peering type and peer (primary/secondary MSEE),
  // as an instantaneous percentage.
  family("BgpAvailability", "gauge", "100 when the BGP session is Established, else 0 (Azure metric, R86)",
         [](const Row& r) { return r.established ? 100 : 0; });
  // MSEE: R86 — ArpAvailability: the CE's address resolves on the link.
  family("ArpAvailability", "gauge", "100 when the CE's address is in the MSEE's ARP/ND table, else 0 (Azure metric, R86)",
         [](const Row& r) { return r.arp; });
  family("msee_bgp_session_state", "gauge", "RFC 4271 state: 1 Idle 2 Connect 3 Active 4 OpenSent 5 OpenConfirm 6 Established",
         [](const Row& r) { return r.state; });
  family("msee_bgp_prefixes_accepted", "gauge", "prefixes accepted from the CE on this session (after policy)",
         [](const Row& r) { return r.accepted; });
  family("msee_bgp_route_limit", "gauge", "the session's route limit (R36)",
         [](const Row& r) { return r.limit; });
  family("msee_bgp_flaps_total", "counter", "Established sessions that went down",
         [](const Row& r) { return r.flaps; });
  family("msee_bgp_send_hold_expired_total", "counter", "sessions closed because the CE stopped reading (RFC 9687 send hold timer)",
         [](const Row& r) { return r.send_hold; });
  family("msee_bgp_prefixes_advertised", "gauge", "prefixes the MSEE advertises to the CE on this session",
         [](const Row& r) { return r.advertised; });
  family("msee_bgp_prefixes_rejected_total", "counter", "prefixes the MSEE's inbound policy refused (R39-R42)",
         [](const Row& r) { return r.rejected; });
  family("msee_bgp_route_limit_warnings_total", "counter", "times the prefix count reached the warning threshold (R37)",
         [](const Row& r) { return r.warnings; });
  family("msee_bgp_route_limit_exceeded_total", "counter", "times the route limit was crossed: Cease/1 sent (R37)",
         [](const Row& r) { return r.exceeded; });
  family("msee_bgp_admin_down", "gauge", "1 when the session's peering is Disabled (R66)",
         [](const Row& r) { return r.admin_down ? 1 : 0; });
  family("msee_bgp_messages_sent_total", "counter", "BGP messages sent",
         [](const Row& r) { return r.out; });
  family("msee_bgp_messages_received_total", "counter", "BGP messages received",
         [](const Row& r) { return r.in; });
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
    if (traffic.empty()) {
      break;
    }
    head(m.name, "gauge", m.help);
    for (const auto& t : traffic) {
      out += fmt::format("{}{{{}}} {:.0f}\n", m.name, t.labels, t.t.*(m.field));
    }
  }
  head("msee_bfd_session_up", "gauge", "1 when the BFD session is Up");
  for (const auto& r : rows) {
    if (r.bfd_up >= 0) {
      line("msee_bfd_session_up", labels_of(r), r.bfd_up != 0 ? "1" : "0");
    }
  }
  return {200, "text/plain; version=0.0.4", std::move(out)};
}

}  // namespace msee::api::detail
