// The emulated MSEEs' forwarding plane (issue #13): which kernel routing table each circuit's
// peering gets, which sessions feed it (its own primary and secondary at rank 0; with Global
// Reach, a site table that adds the linked circuit's at rank 1, R74), and which links are
// taken out of it while a drill or a failover test holds them (R64, R68). speaker::FibSync
// does the programming.
#include <fmt/format.h>

#include "emulator/emulator.hpp"
#include "kernel/links.hpp"
#include "kernel/routes.hpp"
#include "util/log.hpp"

namespace msee::emulator {

bool Emulator::start_dataplane() {
  const auto& d = config_.emulator.dataplane;
  if (!d.enabled) {
    return true;
  }
  if (auto why = speaker::dataplane_refused(d.allow_initial_namespace)) {
    log::error("data plane: {} (or \"dataplane\": {{\"allowInitialNamespace\": true}})", *why);
    return false;
  }
  std::map<std::string, int> ifindex;  // session → its MSEE link interface
  for (const auto& s : plan_.sessions) {
    if (auto link = kernel::interface_for_address(s.msee_address)) {
      ifindex[s.name] = link->ifindex;
    } else {
      log::warn("data plane: {}: no interface holds {}; its next hops are left to the kernel",
                s.name, s.msee_address.to_string());
    }
  }
  // One writer per shard, for the tables of its circuits (a site table's sources are all in
  // its circuit's Speaker: the linked circuit's sessions share it or are relayed to it).
  std::vector<std::map<std::uint32_t, speaker::FibSync::Table>> by_shard(shards_.size());
  // `k`: the shard whose Speaker holds the table (a Global Reach source on another shard is a
  // remote neighbour there, its paths relayed: global_reach.cpp).
  auto add = [&](std::uint32_t table, const std::string& name, const msee::SessionPlan& from,
                 std::uint8_t rank, std::size_t k) {
    auto& spk = *shards_[k]->speaker;
    auto* peer = spk.find_peer(from.name);
    if (peer == nullptr) {
      return;
    }
    auto& t = by_shard[k][table];
    t.id = table;
    t.name = name;
    t.rib = spk.table_named(name).value_or(0);
    auto id = spk.peer_id(*peer);
    for (const auto& src : t.sources) {
      if (src.peer == id) {
        return;
      }
    }
    t.sources.push_back({id, rank, ifindex.count(from.name) ? ifindex[from.name] : 0});
  };
  for (const auto& s : plan_.sessions) {
    auto table = msee::dataplane_table(d, s.circuit_index, s.peering_type);
    auto k = shard_of_[s.circuit_index];
    add(table, msee::table_name(s), s, 0, k);
    if (s.export_from.empty()) {
      continue;
    }
    // MSEE: R74 Global Reach joins the two sites, not a site and the other circuit's VNets:
    // the linked circuit's routes go only into the table the CE's side looks up, at a lower
    // rank than the own CE's; the Azure side keeps `table`.
    auto site = msee::dataplane_site_table(d, s);
    add(site, msee::table_name(s), s, 0, k);
    for (const auto& other : s.export_from) {
      for (const auto& o : plan_.sessions) {
        if (o.name == other) {
          add(site, msee::table_name(s), o, 1, k);
        }
      }
    }
  }
  for (std::size_t k = 0; k < shards_.size(); ++k) {
    std::vector<speaker::FibSync::Table> list;
    for (auto& [id, t] : by_shard[k]) {
      log::info("data plane: table {} = {} ({} session(s))", id, t.name, t.sources.size());
      list.push_back(std::move(t));
    }
    auto& sh = *shards_[k];
    sh.fib = std::make_unique<speaker::FibSync>(*sh.io, *sh.speaker, std::move(list));
    auto started = sh.fib->start();
    if (!started) {
      log::error("data plane: {}", started.error());
      sh.fib.reset();
      return false;
    }
    if (*started > 0) {
      log::warn("data plane: removed {} route(s) left by an earlier run (proto {})", *started,
                kernel::kRouteProtocol);
    }
  }
  start_traffic_meter();
  for (const auto& [key, iface] : d.gateways) {
    if (config_.circuit(key.substr(0, key.rfind('/'))) == nullptr) {
      log::warn("data plane: gateways names '{}', which is no circuit", key);
    }
  }
  return true;
}

void Emulator::exclude_link(const std::string& circuit, msee::LinkPath link, bool excluded) {
  for (const auto& s : plan_.sessions) {
    if (s.circuit == circuit && s.path == link) {
      auto& sh = *shards_[shard_of_[s.circuit_index]];
      if (!sh.fib) {
        continue;
      }
      if (auto* peer = sh.speaker->find_peer(s.name)) {
        sh.fib->exclude(sh.speaker->peer_id(*peer), excluded);
      }
    }
  }
}

}  // namespace msee::emulator
