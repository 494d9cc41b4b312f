// Azure's route-table and summary views (R82, R83).
#include "msee/views.hpp"

#include <algorithm>
#include <cstdio>

namespace msee {

std::string cisco_up_down(std::chrono::seconds elapsed) {
  auto s = elapsed.count() < 0 ? 0 : elapsed.count();
  char buf[32];
  if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else if (s < 7 * 86400) {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s / 3600 % 24));
  } else {
    std::snprintf(buf, sizeof buf, "%lldw%lldd", static_cast<long long>(s / (7 * 86400)),
                  static_cast<long long>(s / 86400 % 7));
  }
  return buf;
}

std::vector<IpAddress> gateway_instances(const VnetLink& vnet, bgp::wire::Afi family) {
  std::vector<IpAddress> out;
  for (const auto& p : vnet.address_prefixes) {
    if (p.family() != family) {
      continue;
    }
    // .4 and .5 of the VNet's first prefix of that family (an IPv6 session's next hops are
    // IPv6: ::4 and ::5 of the VNet's IPv6 space).
    for (std::uint8_t k : {4, 5}) {
      if (family == bgp::wire::Afi::Ipv4) {
        out.push_back(IpAddress::v4(p.addr.v4_value() + k));
      } else {
        auto b = p.addr.bytes;
        b[15] = static_cast<std::uint8_t>(b[15] + k);
        out.push_back(IpAddress::v6(b));
      }
    }
    break;
  }
  return out;
}

std::vector<RouteTableRow> route_table(const EmulatorConfig& config, const Plan& plan,
                                       const SessionPlan& session,
                                       const std::vector<ReceivedRoute>& received) {
  std::vector<std::pair<Prefix, RouteTableRow>> rows;
  for (const auto& r : received) {
    rows.push_back({r.prefix, {r.prefix.to_string(), r.next_hop.to_string(), "", 0, r.as_path}});
  }
  const auto& circuit = config.circuits[session.circuit_index];
  if (session.peering_type == PeeringType::AzurePrivatePeering) {
    // MSEE: R82 — VNet prefixes as the MSEE learns them from the gateway (AS 65515).
    for (const auto& v : circuit.vnets) {
      auto gws = gateway_instances(v, session.afi);
      for (const auto& p : v.address_prefixes) {
        if (p.family() != session.afi) {
          continue;
        }
        for (const auto& gw : gws) {
          rows.push_back({p, {p.to_string(), gw.to_string(), "", 0, "65515"}});
        }
      }
    }
  } else {
    for (const auto& a : plan.advertisements) {
      if (std::find(a.to.begin(), a.to.end(), session.name) != a.to.end()) {
        rows.push_back({a.prefix, {a.prefix.to_string(), "", "", 0, ""}});
      }
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<RouteTableRow> out;
  out.reserve(rows.size());
  for (auto& [p, row] : rows) {
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<SummaryRow> route_table_summary(const EmulatorConfig& config,
                                            const SessionPlan& session, const SessionState& state,
                                            std::chrono::seconds emulator_uptime) {
  std::vector<SummaryRow> out;
  // MSEE: R83 — statePfxRcd is the prefix count when Established, else the state name.
  out.push_back({session.ce_address.to_string(), 4, session.peer_asn,
                 cisco_up_down(state.since_change),
                 state.established ? std::to_string(state.prefixes_received) : state.state});
  if (session.peering_type == PeeringType::AzurePrivatePeering) {
    // MSEE: R83 (obs) — the gateway instances are neighbours too, in AS 65515.
    const auto& circuit = config.circuits[session.circuit_index];
    for (const auto& v : circuit.vnets) {
      std::size_t n = 0;
      for (const auto& p : v.address_prefixes) {
        n += p.family() == session.afi ? 1 : 0;
      }
      for (const auto& gw : gateway_instances(v, session.afi)) {
        out.push_back({gw.to_string(), 4, kGatewayAsn, cisco_up_down(emulator_uptime),
                       std::to_string(n)});
      }
    }
  }
  return out;
}

}  // namespace msee
