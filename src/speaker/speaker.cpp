// The speaker's core: neighbours and listeners, start and shutdown, session state changes
// (Established: the initial table; down: the peer's routes go, or stay stale for a graceful
// restart) and the administrative controls. The UPDATE path lives in inbound.cpp (import,
// limits) and outbound.cpp (Adj-RIB-Out batches); our own routes in local_routes.cpp.
#include "speaker/speaker.hpp"

#include <algorithm>

#include "speaker/graceful_restart.hpp"
#include "util/log.hpp"

namespace msee::speaker {

namespace asio = boost::asio;
namespace wire = bgp::wire;
namespace fsm = bgp::fsm;
using bgp::io::Peer;

namespace {
const std::vector<wire::AfiSafi> kFamilies{wire::kIpv4Unicast, wire::kIpv6Unicast};
}  // namespace

Speaker::Speaker(asio::io_context& io, RouterConfig config, EventLog& events)
    : io_(io), config_(std::move(config)), events_(events) {
  states_.reserve(config_.neighbors.size());
  for (std::size_t i = 0; i < config_.neighbors.size(); ++i) {
    const auto& nb = config_.neighbors[i];
    auto peer = std::make_unique<Peer>(io_, nb.name, peer_config(nb), transport_config(nb), *this);
    PeerState ps;
    ps.peer = peer.get();
    ps.config = &nb;
    ps.id = static_cast<rib::PeerId>(i + 1);
    ps.gr_timer = std::make_unique<asio::steady_timer>(io_);
    ps.limit_v4 = rib::PrefixLimit(nb.max_prefix_v4);
    ps.limit_v6 = rib::PrefixLimit(nb.max_prefix_v6);
    ps.admin_down = nb.admin_down;
    by_peer_.emplace(peer.get(), states_.size());
    by_name_.emplace(nb.name, states_.size());
    states_.push_back(std::move(ps));
    peers_.push_back(std::move(peer));
    any_export_off_ = any_export_off_ || !nb.export_routes;
  }
  for (auto& ps : states_) {
    for (const auto& from : ps.config->export_from) {
      for (const auto& other : states_) {
        if (other.config->name == from) {
          ps.export_from.insert(other.id);
        }
      }
    }
  }
  build_tables();
  for (auto& ps : states_) {
    rib::PeerInfo info;
    info.weight = ps.config->weight;
    info.ebgp = ps.config->peer_asn != config_.asn;
    info.address = ps.config->address;
    set_peer_info(ps, info);
  }
}

Speaker::~Speaker() = default;

fsm::PeerConfig Speaker::peer_config(const NeighborConfig& nb) const {
  fsm::PeerConfig pc;
  pc.local_as = config_.asn;
  pc.router_id = nb.router_id.value_or(config_.router_id);
  pc.peer_as = nb.peer_asn;
  pc.hold_time = nb.hold_time;
  pc.min_hold_time = nb.min_hold_time;
  pc.connect_retry_time = std::chrono::seconds(nb.connect_retry);
  pc.idle_hold_time = std::chrono::seconds(nb.idle_hold_time);
  pc.max_idle_hold_time = std::max(pc.idle_hold_time, std::chrono::seconds(120));
  pc.passive = nb.passive;
  pc.capabilities = nb.capabilities;
  return pc;
}

bgp::io::TransportConfig Speaker::transport_config(const NeighborConfig& nb) const {
  bgp::io::TransportConfig tc;
  tc.address = nb.address;
  tc.port = nb.port;
  tc.local_address = nb.local_address;
  tc.md5_password = nb.md5_password;
  tc.ttl_security = nb.ttl_security;
  tc.send_hold_time = std::chrono::seconds(nb.send_hold_time);
  // Single-hop eBGP sends TTL 1 like FRR and BIRD do by default; iBGP 64.
  tc.ttl = nb.ttl.value_or(nb.peer_asn == config_.asn ? 64 : 1);
  return tc;
}

// By index, not by scan: these run per UPDATE and per API row, with thousands of neighbours.
rib::PeerId Speaker::peer_id(const Peer& peer) const {
  auto it = by_peer_.find(&peer);
  return it == by_peer_.end() ? 0 : states_[it->second].id;
}

Speaker::PeerState& Speaker::state_of(const Peer& peer) {
  auto it = by_peer_.find(&peer);
  if (it == by_peer_.end()) {
    throw std::logic_error("unknown peer");  // invariant: every Peer is ours
  }
  return states_[it->second];
}

const Speaker::PeerState& Speaker::state_of(const Peer& peer) const {
  return const_cast<Speaker*>(this)->state_of(peer);
}

Speaker::PeerState* Speaker::state_named(std::string_view name) {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &states_[it->second];
}

const Speaker::PeerState* Speaker::state_named(std::string_view name) const {
  return const_cast<Speaker*>(this)->state_named(name);
}

bool Speaker::start() {
  for (const auto& l : config_.listen) {
    bgp::io::tcp::endpoint ep(bgp::io::to_asio(l.address), l.port);
    auto listener = std::make_unique<bgp::io::Listener>(
        io_, ep, [this](bgp::io::tcp::socket s) { dispatch_inbound(std::move(s)); });
    if (auto ec = listener->open()) {
      log::error("cannot listen on [{}]:{}: {}", l.address.to_string(), l.port, ec.message());
      for (auto& other : listeners_) {
        other->close();
      }
      listeners_.clear();
      return false;
    }
    for (const auto& nb : config_.neighbors) {
      if (!nb.remote && !nb.md5_password.empty() && nb.address.family == l.address.family) {
        if (auto ec = listener->set_md5(nb.address, nb.md5_password)) {
          log::error("cannot install the TCP MD5 key for {} on [{}]:{}: {}", nb.name,
                     l.address.to_string(), l.port, ec.message());
        }
      }
    }
    listeners_.push_back(std::move(listener));
  }
  originate_local_routes();
  for (auto& l : listeners_) {
    const auto& ep = l->endpoint();
    if (auto ec = l->start()) {
      log::error("cannot listen on [{}]:{}: {}", ep.address().to_string(), ep.port(),
                 ec.message());
      for (auto& other : listeners_) {
        other->close();
      }
      listeners_.clear();
      return false;
    }
    log::info("listening on [{}]:{}", ep.address().to_string(), ep.port());
  }
  for (auto& ps : states_) {
    auto* p = ps.peer;
    if (ps.config->remote) {
      continue;  // another thread's session: its paths are relayed (apply_relayed)
    }
    if (ps.admin_down) {
      log::info("peer {}: administratively down, not started", p->name());
      continue;
    }
    log::info("peer {}: starting ({} {}, AS {}{})", p->name(), p->transport().address.to_string(),
              p->config().passive ? "passive" : "active", p->config().peer_as,
              p->transport().md5_password.empty() ? "" : ", TCP MD5");
    p->start();
  }
  start_flaps();
  return true;
}

void Speaker::dispatch_inbound(bgp::io::tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) {
    return;
  }
  auto addr = bgp::io::from_asio(remote.address());
  for (auto& ps : states_) {
    auto* p = ps.peer;
    if (!ps.config->remote && p->transport().address == addr) {
      if (ps.admin_down) {
        log::info("peer {}: refused a connection: administratively down", p->name());
        socket.close(ec);
        return;
      }
      log::debug("peer {}: inbound connection from port {}", p->name(), remote.port());
      p->accept(std::move(socket));
      return;
    }
  }
  log::warn("refused connection from {}: not a configured neighbour", addr.to_string());
  socket.close(ec);
}

void Speaker::shutdown(const std::string& message, std::function<void()> done) {
  log::info("shutting down: Cease/Administrative Shutdown \"{}\" to every peer", message);
  stopping_ = true;
  for (auto& l : listeners_) {
    l->close();
  }
  for (auto& ps : states_) {
    ps.gr_timer->cancel();
  }
  for (auto& t : flap_timers_) {
    t->cancel();
  }
  for (auto& p : peers_) {
    p->stop(wire::NotificationMessage::cease(wire::CeaseSubcode::AdministrativeShutdown, message));
  }
  // Poll until every NOTIFICATION has left (peers Idle, queues empty), at most ~2 s.
  auto timer = std::make_shared<asio::steady_timer>(io_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [this, timer, deadline, poll, done = std::move(done)]() {
    bool flushed = true;
    for (auto& p : peers_) {
      flushed = flushed && p->state() == fsm::State::Idle && p->queued_bytes() == 0;
    }
    if (flushed || std::chrono::steady_clock::now() >= deadline) {
      for (auto& p : peers_) {
        p->close();
      }
      close_mrt();
      done();
      *poll = nullptr;  // break the self-reference
      return;
    }
    timer->expires_after(std::chrono::milliseconds(50));
    timer->async_wait([poll](boost::system::error_code ec) {
      if (!ec && *poll) {
        (*poll)();
      }
    });
  };
  // Let the posted stops run first.
  timer->expires_after(std::chrono::milliseconds(20));
  timer->async_wait([poll](boost::system::error_code) { (*poll)(); });
}

void Speaker::request_refresh_all() {
  for (auto& p : peers_) {
    const auto* n = p->negotiated();
    if (n == nullptr) {
      continue;
    }
    if (!n->route_refresh) {
      log::info("peer {}: no route refresh: the peer did not advertise the capability",
                p->name());
      continue;
    }
    for (auto family : n->families) {
      wire::RouteRefreshMessage rr{family, wire::RouteRefreshSubtype::Normal};
      p->send(rr);
      events_.route_refresh(p->name(), false, rr);
      log::info("peer {}: sent ROUTE-REFRESH {}", p->name(), wire::to_string(family));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PeerObserver

void Speaker::on_state_change(Peer& peer, fsm::State from, fsm::State to) {
  log::info("peer {}: {} -> {}", peer.name(), fsm::to_string(from), fsm::to_string(to));
  events_.session_state(peer.name(), peer.transport().address, from, to);
  mrt_state_change(peer, from, to);
  touched(state_of(peer).id);
  if (from == fsm::State::Established || to == fsm::State::Established) {
    watch_peer(state_of(peer).id);
  }
}

void Speaker::on_established(Peer& peer, const fsm::Negotiated& n) {
  std::string fams;
  for (auto f : n.families) {
    if (!fams.empty()) {
      fams += ',';
    }
    fams += wire::to_string(f);
  }
  log::info("peer {}: Established (AS {}, hold {} s, keepalive {} s, families {}{}{})",
            peer.name(), n.peer_as, n.hold_time, n.keepalive_time, fams,
            n.four_octet_as ? ", 4-octet AS" : "", n.extended_message ? ", extended message" : "");
  events_.established(peer.name(), n);
  auto& ps = state_of(peer);
  touched(ps.id);
  rib::PeerInfo info;
  info.weight = ps.config->weight;
  info.ebgp = n.peer_as != config_.asn;
  info.router_id = n.peer_id;
  info.address = peer.transport().address;
  set_peer_info(ps, info);
  ps.peer_gr = n.peer_graceful_restart;
  ps.gr_notification = n.graceful_notification;
  // Initial table: every best path of each negotiated family, then End-of-RIB (RFC 4724 §2).
  for (auto family : n.families) {
    ps.out.attach(family, tables_[ps.table].journal(family));  // changes from now on
    ps.out.dump(home(ps), family, export_rule(ps));
    ps.out.set_eor_due(family);
  }
  schedule_flush(ps);
}

void Speaker::on_down(Peer& peer, const fsm::SessionDown& down) {
  if (down.was_established) {
    log::warn("peer {}: session down: {}", peer.name(), down.reason);
  } else {
    log::info("peer {}: session attempt failed: {}", peer.name(), down.reason);
  }
  events_.session_down(peer.name(), down);
  auto& ps = state_of(peer);
  touched(ps.id);
  ps.out.reset();
  ps.limit_tripped = false;
  ps.limit_v4.reset();
  ps.limit_v6.reset();
  ps.rejected_now.clear();
  ps.rejected_v4 = ps.rejected_v6 = 0;
  if (!down.was_established || stopping_) {
    return;
  }
  // RFC 4724 §4.2 helper (graceful_restart.hpp): keep a restarting peer's routes as stale.
  auto stale_for = graceful_restart_stale_period(down, ps.peer_gr, ps.gr_notification);
  if (stale_for) {
    for (auto t : ps.tables) {
      for (auto family : kFamilies) {
        tables_[t].rib->mark_stale(ps.id, family);
      }
    }
    log::info("peer {}: graceful restart helper: keeping its routes as stale for {} s",
              peer.name(), stale_for->count());
    ps.gr_timer->expires_after(*stale_for);
    rib::PeerId id = ps.id;
    ps.gr_timer->async_wait([this, id, name = peer.name()](boost::system::error_code ec) {
      if (ec) {
        return;
      }
      std::size_t n = 0;
      for (auto t : states_[id - 1].tables) {
        for (auto family : kFamilies) {
          for (const auto& p : tables_[t].rib->sweep_stale(id, family)) {
            changed(t, p);
            n += t == states_[id - 1].table ? 1 : 0;
          }
        }
      }
      watch_peer(id);
      touched(id);
      log::info("peer {}: restart time expired: {} stale route(s) removed", name, n);
    });
    return;
  }
  // No graceful restart: the peer's routes go with the session (RFC 4271 §8.2.2).
  for (auto t : ps.tables) {
    for (const auto& p : tables_[t].rib->remove_peer(ps.id)) {
      changed(t, p);
    }
  }
  watch_peer(ps.id);
}

Peer* Speaker::find_peer(std::string_view name) const {
  const auto* ps = state_named(name);
  return ps == nullptr ? nullptr : ps->peer;
}

void Speaker::liveness_lost(const std::string& peer_name, wire::CeaseSubcode subcode,
                            const std::string& why) {
  auto* peer = find_peer(peer_name);
  if (peer == nullptr || peer->state() != fsm::State::Established) {
    return;
  }
  log::warn("peer {}: {}: tearing the session down (Cease/{})", peer_name, why,
            static_cast<int>(subcode));
  auto n = wire::NotificationMessage::cease(subcode);
  if (subcode == wire::CeaseSubcode::HardReset) {
    // RFC 8538 §3: a Hard Reset carries the NOTIFICATION it stands for, here BFD Down.
    n = wire::NotificationMessage::hard_reset(
        wire::NotificationMessage::cease(wire::CeaseSubcode::BfdDown));
  }
  // R31: the MSEE re-establishes about 2 s after BFD recovers; retry after the idle hold.
  peer->automatic_stop(std::move(n), std::chrono::seconds(2));
}

void Speaker::on_transport_note(Peer& peer, std::string_view kind, std::string_view text) {
  log::warn("peer {}: {}", peer.name(), text);
  events_.note(peer.name(), kind, text);
}

void Speaker::on_drained(Peer& peer) { flush(state_of(peer)); }

// ---------------------------------------------------------------------------------------------
// Export

bool Speaker::set_admin_down(std::string_view name, bool down, const std::string& reason) {
  auto* ps = state_named(name);
  if (ps == nullptr) {
    return false;
  }
  if (ps->admin_down == down) {
    return true;
  }
  ps->admin_down = down;
  touched(ps->id);
  if (down) {
    log::info("peer {}: administratively down: {}", name, reason);
    ps->peer->stop(
        wire::NotificationMessage::cease(wire::CeaseSubcode::AdministrativeShutdown, reason));
  } else {
    log::info("peer {}: administratively up: {}", name, reason);
    ps->peer->start();
  }
  return true;
}

bool Speaker::admin_down(std::string_view name) const {
  const auto* ps = state_named(name);
  return ps != nullptr && ps->admin_down;
}

bool Speaker::set_extra_prepends(std::string_view name, std::uint8_t n) {
  auto* ps = state_named(name);
  if (ps == nullptr) {
    return false;
  }
  if (ps->extra_prepends == n) {
    return true;
  }
  ps->extra_prepends = n;
  // Every path we send it changes: re-send the table (implicit replacement, RFC 4271 §3.1).
  requeue_all(*ps);
  return true;
}

std::uint8_t Speaker::extra_prepends(std::string_view name) const {
  const auto* ps = state_named(name);
  return ps != nullptr ? ps->extra_prepends : 0;
}

Speaker::LimitCounters Speaker::limit_counters(const Peer& peer) const {
  return state_of(peer).limit_counters;
}

std::uint64_t Speaker::policy_rejected(const Peer& peer) const {
  return state_of(peer).policy_rejected;
}

}  // namespace msee::speaker
