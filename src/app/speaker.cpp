// Speaker implementation: listeners, peers, received routes, static announcements.
#include "app/speaker.hpp"

#include <boost/asio/steady_timer.hpp>

#include "rib/export.hpp"
#include "util/log.hpp"

namespace msee::app {

namespace asio = boost::asio;
namespace wire = bgp::wire;
namespace fsm = bgp::fsm;
using bgp::io::Peer;

Speaker::Speaker(asio::io_context& io, RouterConfig config, EventLog& events)
    : io_(io), config_(std::move(config)), events_(events) {
  for (std::size_t i = 0; i < config_.neighbors.size(); ++i) {
    const auto& nb = config_.neighbors[i];
    fsm::PeerConfig pc;
    pc.local_as = config_.asn;
    pc.router_id = config_.router_id;
    pc.peer_as = nb.peer_asn;
    pc.hold_time = nb.hold_time;
    pc.min_hold_time = nb.min_hold_time;
    pc.connect_retry_time = std::chrono::seconds(nb.connect_retry);
    pc.idle_hold_time = std::chrono::seconds(nb.idle_hold_time);
    pc.max_idle_hold_time = std::max(pc.idle_hold_time, std::chrono::seconds(120));
    pc.passive = nb.passive;
    pc.capabilities = nb.capabilities;
    bgp::io::TransportConfig tc;
    tc.address = nb.address;
    tc.port = nb.port;
    tc.local_address = nb.local_address;
    tc.md5_password = nb.md5_password;
    tc.ttl_security = nb.ttl_security;
    // Single-hop eBGP sends TTL 1 like FRR and BIRD do by default; iBGP 64.
    tc.ttl = nb.ttl.value_or(nb.peer_asn == config_.asn ? 64 : 1);
    auto peer = std::make_unique<Peer>(io_, nb.name, std::move(pc), std::move(tc), *this);
    index_[peer.get()] = i;
    rib_in_[peer.get()];
    peers_.push_back(std::move(peer));
  }
}

Speaker::~Speaker() = default;

const NeighborConfig& Speaker::neighbor_config(const Peer& peer) const {
  return config_.neighbors.at(index_.at(&peer));
}

const rib::AdjRibIn& Speaker::adj_rib_in(const Peer& peer) const { return rib_in_.at(&peer); }

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
      if (!nb.md5_password.empty() && nb.address.family == l.address.family) {
        if (auto ec = listener->set_md5(nb.address, nb.md5_password)) {
          log::error("cannot install the TCP MD5 key for {} on [{}]:{}: {}", nb.name,
                     l.address.to_string(), l.port, ec.message());
        }
      }
    }
    log::info("listening on [{}]:{}", l.address.to_string(), l.port);
    listeners_.push_back(std::move(listener));
  }
  for (auto& l : listeners_) {
    l->start();
  }
  for (auto& p : peers_) {
    log::info("peer {}: starting ({} {}, AS {}{})", p->name(), p->transport().address.to_string(),
              p->config().passive ? "passive" : "active", p->config().peer_as,
              p->transport().md5_password.empty() ? "" : ", TCP MD5");
    p->start();
  }
  return true;
}

void Speaker::dispatch_inbound(bgp::io::tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) {
    return;
  }
  auto addr = bgp::io::from_asio(remote.address());
  for (auto& p : peers_) {
    if (p->transport().address == addr) {
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
  for (auto& l : listeners_) {
    l->close();
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
}

void Speaker::on_established(Peer& peer, const fsm::Negotiated& n) {
  std::string fams;
  for (auto f : n.families) {
    fams += (fams.empty() ? "" : ",") + wire::to_string(f);
  }
  log::info("peer {}: Established (AS {}, hold {} s, keepalive {} s, families {}{}{})",
            peer.name(), n.peer_as, n.hold_time, n.keepalive_time, fams,
            n.four_octet_as ? ", 4-octet AS" : "", n.extended_message ? ", extended message" : "");
  events_.established(peer.name(), n);
  rib_in_[&peer].clear();
  for (auto family : n.families) {
    advertise(peer, family);
    // RFC 4724 §2: End-of-RIB marks the end of the initial update.
    peer.send(wire::UpdateMessage::make_end_of_rib(family));
  }
}

void Speaker::on_down(Peer& peer, const fsm::SessionDown& down) {
  if (down.was_established) {
    log::warn("peer {}: session down: {}", peer.name(), down.reason);
  } else {
    log::info("peer {}: session attempt failed: {}", peer.name(), down.reason);
  }
  events_.session_down(peer.name(), down);
  // No graceful-restart helper yet: the peer's routes go with the session (RFC 4271 §8.2.2).
  rib_in_[&peer].clear();
}

void Speaker::on_update(Peer& peer, wire::UpdateMessage&& update) {
  auto& rib = rib_in_[&peer];
  bool log_routes = config_.log_routes;
  if (auto eor = update.end_of_rib()) {
    log::info("peer {}: End-of-RIB {} ({} routes)", peer.name(), wire::to_string(*eor),
              rib.size(*eor));
    events_.end_of_rib(peer.name(), *eor);
    return;
  }
  if (!update.issues.empty()) {
    for (const auto& i : update.issues) {
      log::warn("peer {}: UPDATE attribute {}: {} (RFC 7606)", peer.name(), i.type, i.reason);
    }
    events_.update_error(peer.name(), update);
  }
  auto withdraw = [&](wire::AfiSafi family, const wire::Prefix& p) {
    if (rib.withdraw(family, p) || update.action == wire::AttrAction::TreatAsWithdraw) {
      if (log_routes) {
        events_.route(peer.name(), false, family, p, nullptr, std::nullopt);
      }
    }
  };
  for (const auto& p : update.withdrawn_routes) {
    withdraw(wire::kIpv4Unicast, p);
  }
  if (update.mp_unreach) {
    for (const auto& p : update.mp_unreach->withdrawn) {
      withdraw(update.mp_unreach->afi_safi, p);
    }
  }
  if (update.action == wire::AttrAction::TreatAsWithdraw) {
    // RFC 7606 §2: every NLRI of the UPDATE is handled as a withdrawal.
    for (const auto& p : update.nlri) {
      withdraw(wire::kIpv4Unicast, p);
    }
    if (update.mp_reach) {
      for (const auto& p : update.mp_reach->nlri) {
        withdraw(update.mp_reach->afi_safi, p);
      }
    }
    return;
  }
  if (const auto* n = peer.negotiated(); n && n->peer_as != config_.asn) {
    // RFC 7606 §7.5: LOCAL_PREF from an external peer is discarded (attribute discard).
    update.attributes.local_pref.reset();
  }
  auto attrs = std::make_shared<const wire::PathAttributes>(std::move(update.attributes));
  for (const auto& p : update.nlri) {
    rib.announce(wire::kIpv4Unicast, p, rib::RouteEntry{attrs, attrs->next_hop, std::nullopt});
    if (log_routes) {
      events_.route(peer.name(), true, wire::kIpv4Unicast, p, attrs.get(), attrs->next_hop);
    }
  }
  if (update.mp_reach) {
    const auto& mp = *update.mp_reach;
    for (const auto& p : mp.nlri) {
      rib.announce(mp.afi_safi, p,
                   rib::RouteEntry{attrs, mp.next_hop, mp.link_local_next_hop});
      if (log_routes) {
        events_.route(peer.name(), true, mp.afi_safi, p, attrs.get(), mp.next_hop);
      }
    }
  }
}

void Speaker::on_route_refresh(Peer& peer, const wire::RouteRefreshMessage& rr) {
  events_.route_refresh(peer.name(), true, rr);
  const auto* n = peer.negotiated();
  if (n == nullptr) {
    return;
  }
  auto& rib = rib_in_[&peer];
  switch (rr.subtype) {
    case wire::RouteRefreshSubtype::Normal: {
      if (std::find(n->families.begin(), n->families.end(), rr.afi_safi) == n->families.end()) {
        // RFC 2918 §4: a request for an AFI/SAFI not advertised by us is ignored.
        log::info("peer {}: ignoring ROUTE-REFRESH for {}: family not negotiated", peer.name(),
                  wire::to_string(rr.afi_safi));
        return;
      }
      log::info("peer {}: ROUTE-REFRESH {}: re-advertising", peer.name(),
                wire::to_string(rr.afi_safi));
      // RFC 7313 §4: with Enhanced Route Refresh, bracket the re-advertisement by BoRR/EoRR.
      if (n->enhanced_route_refresh) {
        peer.send(wire::RouteRefreshMessage{rr.afi_safi,
                                            wire::RouteRefreshSubtype::BeginOfRouteRefresh});
      }
      advertise(peer, rr.afi_safi);
      if (n->enhanced_route_refresh) {
        peer.send(wire::RouteRefreshMessage{rr.afi_safi,
                                            wire::RouteRefreshSubtype::EndOfRouteRefresh});
      }
      return;
    }
    case wire::RouteRefreshSubtype::BeginOfRouteRefresh:
      // RFC 7313 §4: the peer re-sends the family; routes it does not re-send are stale.
      rib.mark_stale(rr.afi_safi);
      return;
    case wire::RouteRefreshSubtype::EndOfRouteRefresh: {
      auto swept = rib.sweep_stale(rr.afi_safi);
      log::info("peer {}: EoRR {}: {} stale routes removed", peer.name(),
                wire::to_string(rr.afi_safi), swept);
      return;
    }
  }
  // RFC 7313 §5: other subtypes are ignored.
  log::info("peer {}: ignoring ROUTE-REFRESH with unknown subtype {}", peer.name(),
            static_cast<int>(rr.subtype));
}

void Speaker::on_transport_note(Peer& peer, std::string_view kind, std::string_view text) {
  log::warn("peer {}: {}", peer.name(), text);
  events_.note(peer.name(), kind, text);
}

// Sends our static announcements for `family` to `peer`.
void Speaker::advertise(Peer& peer, wire::AfiSafi family) {
  const auto& nb = neighbor_config(peer);
  const auto* n = peer.negotiated();
  if (n == nullptr) {
    return;
  }
  rib::ExportContext ectx{config_.asn, n->peer_as};
  auto local = peer.local_address();
  std::optional<wire::IpAddress> next_hop;
  if (family.afi == wire::Afi::Ipv4) {
    next_hop = nb.next_hop ? nb.next_hop : (local && local->is_v4() ? local : std::nullopt);
  } else {
    next_hop = nb.next_hop6 ? nb.next_hop6 : (local && local->is_v6() ? local : std::nullopt);
  }
  std::size_t sent = 0;
  for (const auto& ann : config_.announce) {
    if (!ann.to.empty() && std::find(ann.to.begin(), ann.to.end(), nb.name) == ann.to.end()) {
      continue;
    }
    std::vector<wire::Prefix> prefixes;
    for (const auto& p : ann.prefixes) {
      if ((family.afi == wire::Afi::Ipv4) == p.addr.is_v4()) {
        prefixes.push_back(p);
      }
    }
    if (prefixes.empty()) {
      continue;
    }
    if (!next_hop) {
      log::warn("peer {}: not announcing {} {} route(s): no {} next hop (set nextHop{})",
                peer.name(), prefixes.size(), wire::to_string(family),
                family.afi == wire::Afi::Ipv4 ? "IPv4" : "IPv6",
                family.afi == wire::Afi::Ipv4 ? "" : "6");
      continue;
    }
    auto attrs = rib::export_attributes(ann.attributes, ectx);
    for (auto& u : rib::pack_updates(family, prefixes, attrs, *next_hop, std::nullopt,
                                     peer.encode_context())) {
      peer.send(u);
    }
    sent += prefixes.size();
  }
  log::info("peer {}: advertised {} {} route(s)", peer.name(), sent, wire::to_string(family));
}

}  // namespace msee::app
