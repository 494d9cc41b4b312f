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

std::vector<std::pair<Prefix, RouteTableRow>> route_table_azure(const EmulatorConfig& config,
                                                                const Plan& plan,
                                                                const SessionPlan& session) {
  std::vector<std::pair<Prefix, RouteTableRow>> azure;
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
          azure.emplace_back(p, RouteTableRow{p.to_string(), gw.to_string(), "", 0, "65515"});
        }
      }
    }
  } else {
    for (const auto& a : plan.advertisements) {
      if (std::find(a.to.begin(), a.to.end(), session.name) != a.to.end()) {
        azure.emplace_back(a.prefix, RouteTableRow{a.prefix.to_string(), "", "", 0, ""});
      }
    }
  }
  return azure;
}

std::vector<RouteTableRow> route_table(const std::vector<ReceivedRoute>& received,
                                       std::vector<std::pair<Prefix, RouteTableRow>> azure) {
  // Only (prefix, source) pairs are sorted and each row is built once, in its final place: a
  // 10,000-row table sorted as whole rows spent most of its time moving and page-faulting
  // strings (perf, issue #15). Sources: received[i], or Azure's own rows (azure[i - n]).
  const auto n = received.size();
  std::vector<std::pair<Prefix, std::uint32_t>> order;
  order.reserve(n + azure.size());
  for (std::size_t i = 0; i < n; ++i) {
    order.emplace_back(received[i].prefix, static_cast<std::uint32_t>(i));
  }
  for (std::size_t i = 0; i < azure.size(); ++i) {
    order.emplace_back(azure[i].first, static_cast<std::uint32_t>(n + i));
  }
  // Stable: equal prefixes keep their order (the gateway instances of one VNet prefix).
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<RouteTableRow> out;
  out.reserve(order.size());
  for (const auto& [p, i] : order) {
    if (i < n) {
      const auto& r = received[i];
      out.push_back({r.prefix.to_string(), r.next_hop.to_string(), "", 0, r.as_path});
    } else {
      out.push_back(std::move(azure[i - n].second));
    }
  }
  return out;
}

std::vector<RouteTableRow> route_table(const EmulatorConfig& config, const Plan& plan,
                                       const SessionPlan& session,
                                       const std::vector<ReceivedRoute>& received) {
  return route_table(received, route_table_azure(config, plan, session));
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
