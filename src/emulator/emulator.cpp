// Emulator: plan → Speaker neighbours, local routes and BFD sessions.
#include "emulator/emulator.hpp"

#include <algorithm>
#include <set>

#include <boost/asio/post.hpp>

#include <fmt/core.h>

#include "msee/policy.hpp"
#include "util/log.hpp"

namespace msee::emulator {

namespace wire = bgp::wire;

namespace {
// The table of a shard's Speaker holding what other shards relay (remote neighbours, R74).
constexpr const char* kRelayedTable = "relayed from other threads";
}  // namespace

speaker::RouterConfig router_config_for(const msee::EmulatorConfig& config, const msee::Plan& plan,
                                        const std::vector<std::size_t>* circuits) {
  auto mine = [&](std::size_t c) {
    return circuits == nullptr || std::find(circuits->begin(), circuits->end(), c) != circuits->end();
  };
  std::set<std::string> names;  // this shard's sessions
  speaker::RouterConfig rc;
  rc.asn = msee::kMicrosoftAsn;  // MSEE: R18
  rc.log_routes = config.emulator.log_routes;
  // One inbound policy per peering, shared by its sessions.
  std::map<std::pair<std::size_t, std::size_t>, std::shared_ptr<const rib::ImportPolicy>>
      policies;
  std::set<wire::IpAddress> bound;
  // Every circuit's link subnets, once, shared by the Microsoft-peering policies.
  auto all_links =
      std::make_shared<const std::vector<wire::Prefix>>(msee::all_link_prefixes(config));
  for (const auto& s : plan.sessions) {
    if (!mine(s.circuit_index)) {
      continue;
    }
    names.insert(s.name);
    if (rc.router_id == 0 && s.afi == wire::Afi::Ipv4) {
      rc.router_id = s.router_id;
    }
    if (bound.insert(s.msee_address).second) {
      rc.listen.push_back({s.msee_address, config.emulator.bgp_port});
    }
    const auto& peering = config.circuits[s.circuit_index].peerings[s.peering_index];
    auto key = std::make_pair(s.circuit_index, s.peering_index);
    if (policies.count(key) == 0) {
      // MSEE: R41 — Microsoft peering refuses other circuits' peering link subnets.
      policies[key] = std::make_shared<msee::InboundPolicy>(
          peering, all_links, msee::circuit_link_prefixes(config.circuits[s.circuit_index]),
          config.emulator.documentation_prefixes_public);
    }
    speaker::NeighborConfig nb;
    nb.name = s.name;
    nb.address = s.ce_address;
    nb.port = config.emulator.bgp_port;
    nb.local_address = s.msee_address;
    nb.peer_asn = s.peer_asn;
    nb.passive = false;  // MSEE: Q12 — both initiates and accepts
    nb.hold_time = s.hold_time;  // MSEE: R27 — 180 s, keepalive 60 s; RFC negotiation
    nb.min_hold_time = s.min_hold_time;  // MSEE: Q11
    nb.send_hold_time = s.send_hold_time;  // RFC 9687: a CE that stops reading is closed
    nb.connect_retry = 30;
    nb.idle_hold_time = 5;
    nb.md5_password = s.md5_password;  // MSEE: R26
    // MSEE: R32, Q3 — one family per session; MP-BGP, 4-octet AS (R20), route refresh; no
    // enhanced refresh or extended messages (undocumented for the MSEE); graceful restart
    // only when the emulation asks (helper mode with RFC 8538's N bit, so the Juniper
    // personality's Hard Reset, R31, flushes a GR-capable CE's copy of our routes).
    nb.capabilities.families = {s.afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast
                                                         : wire::kIpv6Unicast};
    nb.capabilities.route_refresh = true;
    nb.capabilities.enhanced_route_refresh = false;
    nb.capabilities.extended_message = false;
    nb.capabilities.four_octet_as = true;
    nb.capabilities.graceful_restart_time = s.graceful_restart;
    nb.import = true;
    nb.export_routes = false;  // customer routes are never reflected to other sessions (R43)
    nb.export_from = s.export_from;  // MSEE: R74 — Global Reach
    nb.table = msee::table_name(s);  // one VRF per circuit and peering
    nb.remove_private_as = true;     // MSEE: R23
    nb.allow_as_in = s.allow_as_in;  // MSEE: R24
    nb.router_id = s.router_id;
    nb.import_policy = policies[key];
    // MSEE: R36, R37, Q1, Q2 — per session and family.
    rib::PrefixLimitConfig limit{s.route_limit, s.warning_percent};
    (s.afi == wire::Afi::Ipv4 ? nb.max_prefix_v4 : nb.max_prefix_v6) = limit;
    nb.max_prefix_restart_s = s.restart_s;
    nb.max_prefix_count_rejected = s.count_rejected;
    // MSEE: R3, R66 — a Disabled peering keeps its sessions configured but shut (they come up
    // when it is enabled at run time).
    nb.admin_down = !s.enabled;
    rc.neighbors.push_back(std::move(nb));
  }
  // MSEE: R74 — with shards, every private-peering session of another shard is a remote
  // neighbour here: a Global Reach link to it (at start, or added by a reload) imports its
  // paths relayed from its own thread (global_reach.cpp). One table holds them all; only the
  // importing circuits' tables use them.
  if (circuits != nullptr) {
    for (const auto& o : plan.sessions) {
      if (mine(o.circuit_index) || o.peering_type != msee::PeeringType::AzurePrivatePeering) {
        continue;
      }
      speaker::NeighborConfig nb;
      nb.name = o.name;
      nb.address = o.ce_address;
      nb.port = config.emulator.bgp_port;
      nb.peer_asn = o.peer_asn;
      nb.remote = true;
      nb.capabilities.families = {o.afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast
                                                           : wire::kIpv6Unicast};
      nb.import = true;
      nb.export_routes = false;
      nb.table = kRelayedTable;
      nb.remove_private_as = true;
      rc.neighbors.push_back(std::move(nb));
    }
  }
  for (const auto& a : plan.advertisements) {
    speaker::Announcement ann;
    ann.prefixes = {a.prefix};
    ann.attributes = a.attributes;
    for (const auto& to : a.to) {
      if (names.count(to) != 0) {
        ann.to.push_back(to);
      }
    }
    if (!ann.to.empty()) {
      rc.announce.push_back(std::move(ann));
    }
  }
  if (rc.router_id == 0) {
    rc.router_id = 0x0a000001;
  }
  return rc;
}

namespace {
// MSEE: R28, R29 — BFD configured on the MSEE, passive until the CE starts it, 300 ms × 3 (the
// slower side wins in the RFC 5880 negotiation).
bfd::SessionConfig bfd_config(const msee::SessionPlan& s) {
  bfd::SessionConfig bc;
  bc.desired_min_tx = std::chrono::milliseconds(s.bfd_interval_ms);
  bc.required_min_rx = std::chrono::milliseconds(s.bfd_interval_ms);
  bc.detect_mult = s.bfd_multiplier;
  bc.passive = true;
  return bc;
}
}  // namespace

Emulator::Emulator(boost::asio::io_context& control, msee::EmulatorConfig config,
                   std::vector<msee::CatalogueEntry> catalogue, speaker::EventLog& events,
                   unsigned threads)
    : io_(control), config_(std::move(config)), events_(events) {
  plan_ = msee::make_plan(config_, catalogue);
  make_shards(threads);
  set_up_relays();  // MSEE: R74 — Global Reach links between shards
}

Emulator::~Emulator() {
  stop_threads();
  // FibSync unregisters its route watch from the speaker on destruction: it goes first (ASan
  // caught the use after free when it outlived the speaker).
  for (auto& sh : shards_) {
    sh->fib.reset();
  }
  shards_.clear();
}

bool Emulator::start() {
  for (const auto& note : plan_.notes) {
    log::warn("{}", note);
  }
  for (const auto& s : plan_.sessions) {
    log::info("{}: MSEE {} <-> CE {} (AS {}), limit {}{}{}", s.name,
              s.msee_address.to_string(), s.ce_address.to_string(), s.peer_asn, s.route_limit,
              s.bfd ? ", BFD passive" : "", s.enabled ? "" : ", peering Disabled");
  }
  bool started = true;
  for (auto& sh : shards_) {
    started = started && sh->speaker->start();
  }
  if (!started) {
    log::error("the MSEE addresses must exist on an interface (the lab or your namespace sets "
               "them up), or use \"emulator\": {{\"addressing\": \"loopback\"}}");
    return false;
  }
  if (!start_dataplane()) {
    return false;
  }
  for (const auto& s : plan_.sessions) {
    if (!s.bfd) {
      continue;
    }
    auto& bfd = *shard_of_session(s.name).bfd;
    if (auto ec = bfd.add_session(s.name, s.msee_address, s.ce_address, bfd_config(s))) {
      log::warn("{}: BFD not started: {}", s.name, ec.message());
    } else if (!s.enabled) {
      (void)bfd.set_admin_down(s.name, true);  // RFC 5880 §6.8.16: the peering is Disabled
    }
  }
  return true;
}

std::optional<std::string> Emulator::set_peering_state(const std::string& circuit,
                                                       msee::PeeringType type,
                                                       std::optional<wire::Afi> family,
                                                       msee::PeeringState state) {
  auto* c = config_.circuit(circuit);
  if (c == nullptr) {
    return "no circuit named '" + circuit + "'";
  }
  msee::Peering* peering = nullptr;
  for (auto& p : c->peerings) {
    if (p.peering_type == type) {
      peering = &p;
    }
  }
  if (peering == nullptr) {
    return "circuit '" + circuit + "' has no " + std::string(msee::to_string(type));
  }
  // MSEE: R66, R67 — the peering's state (IPv4, and IPv6 with it) or the IPv6 config's.
  if (family == wire::Afi::Ipv6) {
    if (!peering->ipv6_peering_config) {
      return std::string(msee::to_string(type)) + " of '" + circuit + "' has no IPv6 peering";
    }
    peering->ipv6_peering_config->state = state;
  } else {
    peering->state = state;
  }
  auto subject = circuit + "/" + std::string(msee::to_string(type));
  auto reason = fmt::format("{} {} by the operator", subject,
                            state == msee::PeeringState::Enabled ? "enabled" : "disabled");
  events_.admin("peering-state", subject,
                {{"state", msee::to_string(state)},
                 {"ipVersion", family == wire::Afi::Ipv6 ? "IPv6" : "IPv4"}});
  for (auto& s : plan_.sessions) {
    if (s.circuit != circuit || s.peering_type != type) {
      continue;
    }
    s.enabled = msee::session_enabled(*peering, s.afi);
    auto& sh = shard_of_session(s.name);
    sh.speaker->set_admin_down(s.name, !s.enabled, reason);
    if (sh.bfd->session_info(s.name)) {
      (void)sh.bfd->set_admin_down(s.name, !s.enabled);
    }
  }
  return std::nullopt;
}

// On the session's shard thread (its BFD transport's), never under exclusive(): it touches
// that shard's Speaker and BFD transport only, and reads the plan (changed only by reload(),
// with every shard parked).
void Emulator::on_bfd_change(Shard& sh, const std::string& name, bfd::State from,
                             bfd::State to, bfd::Diag diag) {
  log::info("{}: BFD {} -> {} ({})", name, bfd::to_string(from), bfd::to_string(to),
            bfd::to_string(diag));
  events_.bfd(name, bfd::to_string(from), bfd::to_string(to), bfd::to_string(diag));
  if (const auto* p = sh.speaker->find_peer(name); p != nullptr && threaded_) {
    mark_dirty(sh, sh.speaker->peer_id(*p));  // the status board (status.cpp)
  }
  if (from != bfd::State::Up || to == bfd::State::Up) {
    return;
  }
  if (auto info = sh.bfd->session_info(name); info && info->remote_state == bfd::State::AdminDown) {
    // RFC 5882 §3.2: a neighbour that signals AdminDown took BFD down on purpose (the CE
    // turned it off); that is not a path failure and the BGP session stays.
    log::info("{}: the CE set BFD AdminDown: BGP session unaffected (RFC 5882 §3.2)", name);
    return;
  }
  // MSEE: R31 — BFD Down tears the BGP session down at once: Cease/BFD Down (RFC 9384) on a
  // Cisco-like MSEE, Cease/Hard Reset as observed on Juniper MSEEs.
  auto subcode = wire::CeaseSubcode::BfdDown;
  for (const auto& s : plan_.sessions) {
    if (s.name == name && s.personality == msee::Personality::Juniper) {
      subcode = wire::CeaseSubcode::HardReset;
    }
  }
  sh.speaker->liveness_lost(name, subcode,
                          std::string("BFD down (") + std::string(bfd::to_string(diag)) + ")");
}

Result<std::vector<std::string>, std::string> Emulator::reload(
    msee::EmulatorConfig config, std::vector<msee::CatalogueEntry> catalogue) {
  // The data plane's tables are set at start (and --dataplane is not in the file).
  config.emulator.dataplane = config_.emulator.dataplane;
  auto plan = msee::make_plan(config, catalogue);
  // What a running emulator cannot change: the set of sessions and their addresses (the
  // listeners and BFD sockets are bound to them).
  std::vector<std::string> blockers;
  if (config.emulator.addressing != config_.emulator.addressing ||
      config.emulator.bgp_port != config_.emulator.bgp_port) {
    blockers.push_back("the emulator's addressing or BGP port changed");
  }
  auto find = [](const msee::Plan& p, const std::string& name) -> const msee::SessionPlan* {
    for (const auto& s : p.sessions) {
      if (s.name == name) {
        return &s;
      }
    }
    return nullptr;
  };
  for (const auto& s : plan_.sessions) {
    const auto* n = find(plan, s.name);
    if (n == nullptr) {
      blockers.push_back("session " + s.name + " removed");
    } else if (n->msee_address != s.msee_address || n->ce_address != s.ce_address) {
      blockers.push_back("session " + s.name + " moved to other addresses");
    }
  }
  for (const auto& s : plan.sessions) {
    if (find(plan_, s.name) == nullptr) {
      blockers.push_back("session " + s.name + " added");
    }
  }
  if (!blockers.empty()) {
    std::string why;
    for (const auto& b : blockers) {
      why += (why.empty() ? "" : "; ") + b;
    }
    return unexpected("not applied, restart msee-emu for: " + why);
  }
  // Import policies depend on the peering (Microsoft peering prefixes, filters) and on every
  // other circuit's link subnets (R41): refresh the sessions whose peering changed at all.
  std::set<std::string> refresh;
  for (const auto& s : plan.sessions) {
    const auto* old = find(plan_, s.name);
    const auto& op = config_.circuits[old->circuit_index].peerings[old->peering_index];
    const auto& np = config.circuits[s.circuit_index].peerings[s.peering_index];
    if (op.microsoft_peering_config.has_value() != np.microsoft_peering_config.has_value() ||
        (op.microsoft_peering_config &&
         (op.microsoft_peering_config->advertised_public_prefixes !=
              np.microsoft_peering_config->advertised_public_prefixes ||
          op.microsoft_peering_config->advertised_public_prefixes_state !=
              np.microsoft_peering_config->advertised_public_prefixes_state ||
          op.microsoft_peering_config->customer_asn !=
              np.microsoft_peering_config->customer_asn)) ||
        op.emulation.strip_customer_communities != np.emulation.strip_customer_communities ||
        config.emulator.documentation_prefixes_public !=
            config_.emulator.documentation_prefixes_public) {
      refresh.insert(s.name);
    }
  }
  std::vector<std::string> changes;
  for (auto& sh : shards_) {
    auto c = sh->speaker->reconfigure(router_config_for(config, plan, &sh->circuits), refresh);
    changes.insert(changes.end(), c.begin(), c.end());
  }
  // BFD parameters (R28, R29): a changed session is replaced.
  for (const auto& s : plan.sessions) {
    const auto* old = find(plan_, s.name);
    auto& bfd = *shard_of_session(s.name).bfd;
    if (old->bfd == s.bfd && old->bfd_interval_ms == s.bfd_interval_ms &&
        old->bfd_multiplier == s.bfd_multiplier) {
      if (old->enabled != s.enabled && bfd.session_info(s.name)) {
        (void)bfd.set_admin_down(s.name, !s.enabled);
      }
      continue;
    }
    bfd.remove_session(s.name);
    changes.push_back(s.name + ": BFD " +
                      (s.bfd ? fmt::format("{} ms x {}", s.bfd_interval_ms, s.bfd_multiplier)
                             : std::string("off")));
    if (s.bfd) {
      if (auto ec = bfd.add_session(s.name, s.msee_address, s.ce_address, bfd_config(s))) {
        changes.push_back(s.name + ": BFD not started: " + ec.message());
      } else if (!s.enabled) {
        (void)bfd.set_admin_down(s.name, true);
      }
    }
  }
  config_ = std::move(config);
  plan_ = std::move(plan);
  set_up_relays();  // MSEE: R74 — a link added or removed between shards
  if (threads_started_) {
    rebuild_status_board();  // the plan's order may have changed
  }
  return changes;
}

void Emulator::shutdown(const std::string& message, std::function<void()> done) {
  if (traffic_timer_) {
    traffic_timer_->cancel();
  }
  // Each shard on its own thread: its routes go before its sessions say goodbye; BFD AdminDown
  // only once every Cease/Administrative Shutdown has left our queues (sent together, the CE
  // could read our BFD AdminDown before the Cease and tear the session down as Cease/BFD Down
  // itself, seen by the container test's FRR CE). When every shard is through, a short pause
  // on the control thread lets the AdminDown packets go out before `done` stops the process.
  auto left = std::make_shared<std::size_t>(shards_.size());
  auto finish = std::make_shared<std::function<void()>>([this, done = std::move(done)]() mutable {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(50));
    timer->async_wait([timer, done = std::move(done)](boost::system::error_code) { done(); });
  });
  for (auto& shp : shards_) {
    auto* sh = shp.get();
    boost::asio::post(*sh->io, [this, sh, message, left, finish] {
      if (sh->fib) {
        sh->fib->stop();
      }
      sh->speaker->shutdown(message, [this, sh, left, finish] {
        for (const auto& s : sh->bfd->sessions()) {
          (void)sh->bfd->set_admin_down(s.name, true);
        }
        // The count lives on the control thread: no two shards touch it at once.
        boost::asio::post(io_, [left, finish] {
          if (--*left == 0) {
            (*finish)();
          }
        });
      });
    });
  }
}

}  // namespace msee::emulator
