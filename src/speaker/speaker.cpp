// Speaker implementation: listeners, peers, Loc-RIB, local routes, export queues.
#include "speaker/speaker.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <unordered_map>

#include "speaker/graceful_restart.hpp"
#include "rib/export.hpp"
#include "util/log.hpp"

namespace msee::speaker {

namespace asio = boost::asio;
namespace wire = bgp::wire;
namespace fsm = bgp::fsm;
using bgp::io::Peer;

namespace {
// Prefixes turned into UPDATEs per flush step before the queue size is checked again.
constexpr std::size_t kFlushBatch = 4096;

std::vector<wire::AfiSafi> kFamilies{wire::kIpv4Unicast, wire::kIpv6Unicast};

// True if `attrs`' AS path holds `asn` more than `allowed` times.
bool holds_as(const wire::PathAttributes& attrs, wire::Asn asn, std::uint8_t allowed) {
  if (!attrs.as_path) {
    return false;
  }
  unsigned seen = 0;
  for (const auto& seg : attrs.as_path->segments) {
    seen += static_cast<unsigned>(std::count(seg.asns.begin(), seg.asns.end(), asn));
  }
  return seen > allowed;
}

wire::AfiSafi family_of(const wire::Prefix& p) {
  return p.addr.is_v4() ? wire::kIpv4Unicast : wire::kIpv6Unicast;
}

// The n-th prefix of a generator block.
wire::Prefix nth_prefix(const wire::Prefix& base, std::uint32_t n) {
  wire::Prefix p = base;
  if (base.addr.is_v4()) {
    std::uint64_t step = base.length == 0 ? 0 : std::uint64_t{1} << (32 - base.length);
    p.addr = wire::IpAddress::v4(static_cast<std::uint32_t>(base.addr.v4_value() + step * n));
    return p;
  }
  // IPv6 bases are /1../64: add n << (64 - len) to the upper 64 bits.
  std::uint64_t hi = 0;
  for (int i = 0; i < 8; ++i) {
    hi = (hi << 8) | base.addr.bytes[static_cast<std::size_t>(i)];
  }
  hi += std::uint64_t{n} << (64 - base.length);
  for (int i = 7; i >= 0; --i) {
    p.addr.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi);
    hi >>= 8;
  }
  return p;
}
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
    states_.push_back(std::move(ps));
    rib::PeerInfo info;
    info.weight = nb.weight;
    info.ebgp = nb.peer_asn != config_.asn;
    info.address = nb.address;
    loc_rib_.set_peer(static_cast<rib::PeerId>(i + 1), info);
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
  // Single-hop eBGP sends TTL 1 like FRR and BIRD do by default; iBGP 64.
  tc.ttl = nb.ttl.value_or(nb.peer_asn == config_.asn ? 64 : 1);
  return tc;
}

rib::PeerId Speaker::peer_id(const Peer& peer) const {
  for (const auto& ps : states_) {
    if (ps.peer == &peer) {
      return ps.id;
    }
  }
  return 0;
}

Speaker::PeerState& Speaker::state_of(const Peer& peer) {
  for (auto& ps : states_) {
    if (ps.peer == &peer) {
      return ps;
    }
  }
  throw std::logic_error("unknown peer");  // invariant: every Peer is ours
}

const Speaker::PeerState& Speaker::state_of(const Peer& peer) const {
  return const_cast<Speaker*>(this)->state_of(peer);
}

Speaker::PeerState* Speaker::state_named(std::string_view name) {
  for (auto& ps : states_) {
    if (ps.config->name == name) {
      return &ps;
    }
  }
  return nullptr;
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
  originate_local_routes();
  for (auto& l : listeners_) {
    l->start();
  }
  for (auto& ps : states_) {
    auto* p = ps.peer;
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

// Static announcements and generated blocks enter the Loc-RIB as routes of kLocalPeer.
void Speaker::originate_local_routes() {
  std::size_t n = 0;
  auto add = [&](const wire::Prefix& p, const wire::PathAttributes& attrs,
                 const std::vector<std::string>& to) {
    loc_rib_.update(p, rib::kLocalPeer, attrs_.intern(attrs));
    if (!to.empty()) {
      local_to_[p].insert(to.begin(), to.end());
    }
    ++n;
  };
  for (const auto& ann : config_.announce) {
    for (const auto& p : ann.prefixes) {
      add(p, ann.attributes, ann.to);
    }
  }
  for (const auto& g : config_.generate) {
    for (std::uint32_t i = 0; i < g.count; ++i) {
      add(nth_prefix(g.base, i), g.attributes, g.to);
    }
  }
  if (n > 0) {
    log::info("originating {} local route(s)", n);
  }
}

// Generators with flapInterval withdraw their whole block, then re-announce it one interval
// later, for as long as the process runs.
void Speaker::start_flaps() {
  for (const auto& g : config_.generate) {
    if (g.flap_interval_ms == 0) {
      continue;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_);
    flap_timers_.push_back(timer);
    auto announced = std::make_shared<bool>(true);
    const Generator* gen = &g;
    // Re-arms itself; the timer (owned by flap_timers_) ends the cycle when cancelled.
    auto tick = std::make_shared<std::function<void()>>();
    *tick = [this, timer, announced, gen, weak = std::weak_ptr<std::function<void()>>(tick)] {
      timer->expires_after(std::chrono::milliseconds(gen->flap_interval_ms));
      timer->async_wait([this, announced, gen, weak](boost::system::error_code ec) {
        auto again = weak.lock();
        if (ec || !again) {
          return;
        }
        *announced = !*announced;
        for (std::uint32_t i = 0; i < gen->count; ++i) {
          auto p = nth_prefix(gen->base, i);
          bool best_changed =
              *announced ? loc_rib_.update(p, rib::kLocalPeer, attrs_.intern(gen->attributes))
                         : loc_rib_.withdraw(p, rib::kLocalPeer);
          if (best_changed) {
            changed(p, true);
          }
        }
        log::info("generator {}: {} {} prefixes", gen->base.to_string(),
                  *announced ? "announced" : "withdrew", gen->count);
        (*again)();
      });
    };
    flap_ticks_.push_back(tick);
    (*tick)();
  }
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
    if (p->transport().address == addr) {
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
  rib::PeerInfo info;
  info.weight = ps.config->weight;
  info.ebgp = n.peer_as != config_.asn;
  info.router_id = n.peer_id;
  info.address = peer.transport().address;
  loc_rib_.set_peer(ps.id, info);
  ps.peer_gr = n.peer_graceful_restart;
  // Initial table: every best path of each negotiated family, then End-of-RIB (RFC 4724 §2).
  for (auto family : n.families) {
    queue_dump(ps, family);
    ps.out(family).eor_due = true;
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
  ps.v4 = FamilyOut{};
  ps.v6 = FamilyOut{};
  ps.limit_tripped = false;
  ps.limit_v4.reset();
  ps.limit_v6.reset();
  ps.rejected_now.clear();
  ps.rejected_v4 = ps.rejected_v6 = 0;
  if (!down.was_established) {
    return;
  }
  // RFC 4724 §4.2 helper (graceful_restart.hpp): keep a restarting peer's routes as stale.
  auto stale_for = graceful_restart_stale_period(down, ps.peer_gr);
  if (stale_for) {
    for (auto family : kFamilies) {
      loc_rib_.mark_stale(ps.id, family);
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
      for (auto family : kFamilies) {
        for (const auto& p : loc_rib_.sweep_stale(id, family)) {
          changed(p);
          ++n;
        }
      }
      log::info("peer {}: restart time expired: {} stale route(s) removed", name, n);
    });
    return;
  }
  // No graceful restart: the peer's routes go with the session (RFC 4271 §8.2.2).
  auto gone = loc_rib_.remove_peer(ps.id);
  for (const auto& p : gone) {
    changed(p);
  }
}

void Speaker::on_update(Peer& peer, wire::UpdateMessage&& update) {
  auto& ps = state_of(peer);
  bool log_routes = config_.log_routes;
  if (auto eor = update.end_of_rib()) {
    log::info("peer {}: End-of-RIB {} ({} routes)", peer.name(), wire::to_string(*eor),
              loc_rib_.count(ps.id, *eor));
    events_.end_of_rib(peer.name(), *eor);
    // RFC 4724 §4.2: End-of-RIB after a restart ends the stale period for that family.
    for (const auto& p : loc_rib_.sweep_stale(ps.id, *eor)) {
      changed(p);
    }
    return;
  }
  if (!update.issues.empty()) {
    for (const auto& i : update.issues) {
      log::warn("peer {}: UPDATE attribute {}: {} (RFC 7606)", peer.name(), i.type, i.reason);
    }
    events_.update_error(peer.name(), update);
  }
  if (!ps.config->import || ps.limit_tripped) {
    return;
  }
  const auto* policy = ps.config->import_policy.get();
  bool touched_v4 = false;
  bool touched_v6 = false;
  auto withdraw = [&](const wire::Prefix& p) {
    if (loc_rib_.withdraw(p, ps.id)) {
      changed(p);
    }
    ps.forget_rejected(p);
    if (log_routes) {
      events_.route(peer.name(), false, family_of(p), p, nullptr, std::nullopt);
    }
  };
  for (const auto& p : update.withdrawn_routes) {
    withdraw(p);
  }
  if (update.mp_unreach) {
    for (const auto& p : update.mp_unreach->withdrawn) {
      withdraw(p);
    }
  }
  // Every NLRI of the UPDATE handled as a withdrawal.
  auto withdraw_announced = [&] {
    for (const auto& p : update.nlri) {
      withdraw(p);
    }
    if (update.mp_reach) {
      for (const auto& p : update.mp_reach->nlri) {
        withdraw(p);
      }
    }
  };
  if (update.action == wire::AttrAction::TreatAsWithdraw) {
    withdraw_announced();  // RFC 7606 §2 treat-as-withdraw
    return;
  }
  auto& attrs = update.attributes;
  // Import policy: a refused route replaces (withdraws) an earlier path for its prefix and is
  // counted against the limit only when the neighbour says so (MSEE: Q1).
  auto reject = [&](const wire::Prefix& p, const std::string& why) {
    withdraw(p);
    ++ps.policy_rejected;
    if (ps.config->max_prefix_count_rejected) {
      if (ps.rejected_now.insert(p).second) {
        ++(p.addr.is_v4() ? ps.rejected_v4 : ps.rejected_v6);
      }
      (p.addr.is_v4() ? touched_v4 : touched_v6) = true;
    }
    if (ps.policy_rejected <= 10 || ps.policy_rejected % 1000 == 0) {
      log::info("peer {}: refused {}: {} ({} refused so far)", peer.name(), p.to_string(), why,
                ps.policy_rejected);
      events_.route_rejected(peer.name(), p, why, ps.policy_rejected);
    }
  };
  if (policy != nullptr) {
    if (auto why = policy->attributes(attrs)) {
      for (const auto& p : update.nlri) {
        reject(p, *why);
      }
      if (update.mp_reach) {
        for (const auto& p : update.mp_reach->nlri) {
          reject(p, *why);
        }
      }
      check_limits(ps, touched_v4, touched_v6);
      return;
    }
    auto keep = [&](std::vector<wire::Prefix>& prefixes) {
      std::erase_if(prefixes, [&](const wire::Prefix& p) {
        auto why = policy->prefix(p);
        if (why) {
          reject(p, *why);
        }
        return why.has_value();
      });
    };
    keep(update.nlri);
    if (update.mp_reach) {
      keep(update.mp_reach->nlri);
    }
  }
  if (holds_as(attrs, config_.asn, ps.config->allow_as_in)) {
    // RFC 4271 §9.1.2: a route whose AS_PATH contains our own AS is not considered.
    ++ps.loops_dropped;
    if (ps.loops_dropped == 1 || ps.loops_dropped % 10000 == 0) {
      log::info("peer {}: ignoring route(s) with our AS {} in the path ({} so far, RFC 4271 "
                "§9.1.2)",
                peer.name(), config_.asn, ps.loops_dropped);
    }
    withdraw_announced();  // a looped route replaces (withdraws) an earlier path
    return;
  }
  if (const auto* n = peer.negotiated(); n && n->peer_as != config_.asn) {
    // RFC 7606 §7.5: LOCAL_PREF from an external peer is discarded (attribute discard).
    attrs.local_pref.reset();
  }
  // One interned set per UPDATE (per next hop); each route holds its own reference.
  auto insert_all = [&](const std::vector<wire::Prefix>& prefixes, rib::AttrId id) {
    for (std::size_t i = 1; i < prefixes.size(); ++i) {
      attrs_.ref(id);
    }
    loc_rib_.update_all(prefixes, ps.id, id, [this](const wire::Prefix& p) { changed(p); });
    if (!ps.rejected_now.empty()) {  // refused before, accepted now: counted once
      for (const auto& p : prefixes) {
        ps.forget_rejected(p);
      }
    }
    if (log_routes) {
      const auto& stored = attrs_.get(id);
      for (const auto& p : prefixes) {
        events_.route(peer.name(), true, family_of(p), p, &stored, stored.next_hop);
      }
    }
  };
  if (!update.nlri.empty()) {
    insert_all(update.nlri, attrs_.intern(attrs));
    touched_v4 = true;
  }
  if (update.mp_reach && !update.mp_reach->nlri.empty()) {
    // The MP_REACH next hop is part of the stored set (the NEXT_HOP field holds it).
    auto mp_attrs = attrs;
    mp_attrs.next_hop = update.mp_reach->next_hop;
    insert_all(update.mp_reach->nlri, attrs_.intern(mp_attrs));
    (update.mp_reach->afi_safi == wire::kIpv4Unicast ? touched_v4 : touched_v6) = true;
  }
  check_limits(ps, touched_v4, touched_v6);
}

void Speaker::check_limits(PeerState& ps, bool v4, bool v6) {
  for (auto family : kFamilies) {
    if (!(family == wire::kIpv4Unicast ? v4 : v6) || ps.limit_tripped) {
      continue;
    }
    auto& limit = ps.limit(family);
    if (!limit.enabled()) {
      continue;
    }
    std::uint64_t count = loc_rib_.count(ps.id, family);
    if (ps.config->max_prefix_count_rejected) {
      count += family == wire::kIpv4Unicast ? ps.rejected_v4 : ps.rejected_v6;
    }
    auto name = ps.peer->name();
    auto max = limit.config().limit;
    switch (limit.update(count)) {
      case rib::LimitEvent::None:
        break;
      case rib::LimitEvent::Warning:
        // MSEE: R37 — "maximum-prefix N 80": a log line (and an event), nothing else.
        log::warn("peer {}: {} prefixes reached {} ({}% of the limit {})", name,
                  wire::to_string(family), count, limit.config().warning_percent, max);
        events_.prefix_limit(name, family, "warning", count, max);
        ++ps.limit_counters.warnings;
        break;
      case rib::LimitEvent::WarningCleared:
        events_.prefix_limit(name, family, "warning-cleared", count, max);
        break;
      case rib::LimitEvent::Exceeded: {
        // MSEE: R37, Q1 — over the limit: Cease/Maximum Number of Prefixes Reached with the
        // RFC 4486 data, Idle, no reconnect (either way) until the restart time has passed.
        ps.limit_tripped = true;
        log::warn("peer {}: {} prefixes {} exceed the limit {}: Cease/Maximum Number of "
                  "Prefixes Reached, restart in {} s",
                  name, wire::to_string(family), count, max, ps.config->max_prefix_restart_s);
        events_.prefix_limit(name, family, "exceeded", count, max);
        ++ps.limit_counters.exceeded;
        wire::NotificationMessage n{
            static_cast<std::uint8_t>(wire::ErrorCode::Cease),
            static_cast<std::uint8_t>(wire::CeaseSubcode::MaximumNumberOfPrefixesReached),
            rib::max_prefix_cease_data(family, max)};
        ps.peer->automatic_stop(std::move(n),
                                std::chrono::seconds(ps.config->max_prefix_restart_s));
        break;
      }
    }
  }
}

Peer* Speaker::find_peer(std::string_view name) const {
  for (const auto& p : peers_) {
    if (p->name() == name) {
      return p.get();
    }
  }
  return nullptr;
}

void Speaker::liveness_lost(const std::string& peer_name, wire::CeaseSubcode subcode,
                            const std::string& why) {
  auto* peer = find_peer(peer_name);
  if (peer == nullptr || peer->state() != fsm::State::Established) {
    return;
  }
  log::warn("peer {}: {}: tearing the session down (Cease/{})", peer_name, why,
            static_cast<int>(subcode));
  wire::NotificationMessage n{static_cast<std::uint8_t>(wire::ErrorCode::Cease),
                              static_cast<std::uint8_t>(subcode), {}};
  // R31: the MSEE re-establishes about 2 s after BFD recovers; retry after the idle hold.
  peer->automatic_stop(std::move(n), std::chrono::seconds(2));
}

void Speaker::on_route_refresh(Peer& peer, const wire::RouteRefreshMessage& rr) {
  events_.route_refresh(peer.name(), true, rr);
  const auto* n = peer.negotiated();
  if (n == nullptr) {
    return;
  }
  auto& ps = state_of(peer);
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
      // RFC 7313 §4: with Enhanced Route Refresh, BoRR, the routes, then EoRR. The EoRR goes
      // where the End-of-RIB of a dump would go (FamilyOut::eor_due sends it).
      if (n->enhanced_route_refresh) {
        peer.send(wire::RouteRefreshMessage{rr.afi_safi,
                                            wire::RouteRefreshSubtype::BeginOfRouteRefresh});
      }
      queue_dump(ps, rr.afi_safi);
      ps.out(rr.afi_safi).eorr_due = n->enhanced_route_refresh;
      schedule_flush(ps);
      return;
    }
    case wire::RouteRefreshSubtype::BeginOfRouteRefresh:
      // RFC 7313 §4: the peer re-sends the family; routes it does not re-send are stale.
      loc_rib_.mark_stale(ps.id, rr.afi_safi);
      return;
    case wire::RouteRefreshSubtype::EndOfRouteRefresh: {
      auto swept = loc_rib_.sweep_stale(ps.id, rr.afi_safi);
      for (const auto& p : swept) {
        changed(p);
      }
      log::info("peer {}: EoRR {}: {} stale routes removed", peer.name(),
                wire::to_string(rr.afi_safi), swept.size());
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

void Speaker::on_drained(Peer& peer) { flush(state_of(peer)); }

// ---------------------------------------------------------------------------------------------
// Export

void Speaker::changed(const wire::Prefix& prefix, bool local_change) {
  auto family = family_of(prefix);
  // Peers with export off only ever get our own routes: they need the change only when one of
  // our paths is involved (present now, or just added/withdrawn).
  bool local_involved =
      local_change || (any_export_off_ && loc_rib_.has_path(prefix, rib::kLocalPeer));
  for (auto& ps : states_) {
    if (!ps.config->export_routes && ps.export_from.empty() && !local_involved) {
      continue;
    }
    const auto* n = ps.peer->negotiated();
    if (n == nullptr ||
        std::find(n->families.begin(), n->families.end(), family) == n->families.end()) {
      continue;
    }
    auto& out = ps.out(family);
    out.pending.push_back(prefix);
    // Bound: a prefix that flaps while the peer is not reading is queued again each time;
    // collapse duplicates once the queue holds twice as many entries as there can be distinct
    // ones. The threshold never drops below twice the last compacted size, so a mass
    // withdrawal (table shrinking to nothing) does not trigger a sort per few entries.
    std::size_t limit = 2 * std::max(loc_rib_.size(family), out.compacted) + 65536;
    if (out.pending.size() - out.next > limit) {
      std::vector<wire::Prefix> live(out.pending.begin() + static_cast<std::ptrdiff_t>(out.next),
                                     out.pending.end());
      std::sort(live.begin(), live.end());
      live.erase(std::unique(live.begin(), live.end()), live.end());
      out.pending = std::move(live);
      out.next = 0;
      out.dump_end = 0;
      out.compacted = out.pending.size();
    }
    schedule_flush(ps);
  }
}

void Speaker::queue_dump(PeerState& ps, wire::AfiSafi family) {
  auto& out = ps.out(family);
  // A dump supersedes whatever was queued before: it re-sends the current best of everything.
  out.pending.clear();
  out.next = 0;
  out.pending.reserve(loc_rib_.size(family));
  loc_rib_.for_each_best(family,
                         [&](const wire::Prefix& p, const rib::Path&) { out.pending.push_back(p); });
  out.dump_end = out.pending.size();
}

void Speaker::requeue_all(PeerState& ps) {
  const auto* n = ps.peer->negotiated();
  if (n == nullptr) {
    return;
  }
  // Not a dump: entries past dump_end are re-evaluated and withdrawn where they no longer go
  // to this peer (withdrawing what it never had is harmless, RFC 4271 §9.1.3 ignores it).
  for (auto family : n->families) {
    auto& out = ps.out(family);
    loc_rib_.for_each_best(family, [&](const wire::Prefix& p, const rib::Path&) {
      out.pending.push_back(p);
    });
  }
  schedule_flush(ps);
}

void Speaker::schedule_flush(PeerState& ps) {
  if (ps.flush_posted) {
    return;
  }
  ps.flush_posted = true;
  asio::post(io_, [this, &ps] {
    ps.flush_posted = false;
    flush(ps);
  });
}

bool Speaker::exportable(const PeerState& ps, const rib::Path& best,
                         const wire::Prefix& prefix) const {
  if (best.peer == ps.id) {
    return false;  // never back to the peer it came from
  }
  if (best.peer == rib::kLocalPeer) {
    auto it = local_to_.find(prefix);
    return it == local_to_.end() || it->second.count(ps.config->name) > 0;
  }
  if (!ps.export_from.empty()) {
    return ps.export_from.count(best.peer) > 0;
  }
  return ps.config->export_routes;
}

std::optional<wire::IpAddress> Speaker::next_hop_for(const PeerState& ps,
                                                     wire::AfiSafi family) const {
  auto local = ps.peer->local_address();
  if (family.afi == wire::Afi::Ipv4) {
    return ps.config->next_hop ? ps.config->next_hop
                               : (local && local->is_v4() ? local : std::nullopt);
  }
  return ps.config->next_hop6 ? ps.config->next_hop6
                              : (local && local->is_v6() ? local : std::nullopt);
}

void Speaker::for_each_advertised(const Peer& peer, wire::AfiSafi family,
                                  const AdvertisedFn& fn) const {
  const auto& ps = state_of(peer);
  const auto* n = peer.negotiated();
  if (n == nullptr ||
      std::find(n->families.begin(), n->families.end(), family) == n->families.end()) {
    return;
  }
  auto next_hop = next_hop_for(ps, family);
  if (!next_hop) {
    return;
  }
  // The same decision and transformation flush() applies, so the view is what was sent
  // (modulo UPDATEs still queued).
  rib::ExportContext ectx{config_.asn, n->peer_as};
  ectx.remove_private_as = ps.config->remove_private_as;
  ectx.extra_prepends = ps.extra_prepends;
  loc_rib_.for_each_best(family, [&](const wire::Prefix& p, const rib::Path& best) {
    if (!exportable(ps, best, p)) {
      return;
    }
    ectx.learned_from_ebgp = best.peer != rib::kLocalPeer &&
                             states_[best.peer - 1u].config->peer_asn != config_.asn;
    fn(p, rib::export_attributes(loc_rib_.store().get(best.attr), ectx), *next_hop);
  });
}

bool Speaker::set_admin_down(std::string_view name, bool down, const std::string& reason) {
  auto* ps = state_named(name);
  if (ps == nullptr) {
    return false;
  }
  if (ps->admin_down == down) {
    return true;
  }
  ps->admin_down = down;
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

// Turns queued prefixes into UPDATEs while the peer's socket queue has room.
void Speaker::flush(PeerState& ps) {
  auto& peer = *ps.peer;
  const auto* n = peer.negotiated();
  if (n == nullptr) {
    return;
  }
  rib::ExportContext ectx{config_.asn, n->peer_as};
  ectx.remove_private_as = ps.config->remove_private_as;
  ectx.extra_prepends = ps.extra_prepends;
  auto ctx = peer.encode_context();
  for (auto family : n->families) {
    auto& out = ps.out(family);
    auto next_hop = next_hop_for(ps, family);
    while (out.next < out.pending.size()) {
      if (peer.queued_bytes() >= Peer::kHighWater) {
        peer.notify_when_drained();  // resume in on_drained()
        return;
      }
      // Grouped by attribute set and by "learned from an external peer" (which decides
      // whether MED is passed on, RFC 4271 §5.1.4).
      std::unordered_map<std::uint64_t, std::vector<wire::Prefix>> groups;
      std::vector<wire::Prefix> withdrawals;
      auto end = std::min(out.pending.size(), out.next + kFlushBatch);
      for (; out.next < end; ++out.next) {
        const auto& p = out.pending[out.next];
        const rib::Path* best = loc_rib_.best(p);
        if (best != nullptr && exportable(ps, *best, p) && next_hop) {
          bool from_ebgp = best->peer != rib::kLocalPeer &&
                           states_[best->peer - 1u].config->peer_asn != config_.asn;
          groups[(std::uint64_t{best->attr} << 1) | (from_ebgp ? 1u : 0u)].push_back(p);
        } else if (out.next >= out.dump_end) {
          // Changed to nothing (or to something this peer must not get): withdraw. Dump
          // entries never withdraw: the peer has nothing from us yet.
          withdrawals.push_back(p);
        }
      }
      if (!withdrawals.empty()) {
        for (auto& u : rib::pack_withdrawals(family, withdrawals, ctx)) {
          peer.send(u);
        }
      }
      for (auto& [key, prefixes] : groups) {
        ectx.learned_from_ebgp = (key & 1u) != 0;
        auto attr = static_cast<rib::AttrId>(key >> 1);
        auto exported = rib::export_attributes(loc_rib_.store().get(attr), ectx);
        for (auto& u : rib::pack_updates(family, prefixes, exported, *next_hop, std::nullopt,
                                         ctx)) {
          peer.send(u);
        }
      }
    }
    if (!next_hop && out.dump_end > 0) {
      log::warn("peer {}: no {} next hop for it (set nextHop{}): {} routes not announced",
                peer.name(), wire::to_string(family), family.afi == wire::Afi::Ipv4 ? "" : "6",
                out.dump_end);
    }
    out.pending.clear();
    out.pending.shrink_to_fit();
    out.next = 0;
    out.dump_end = 0;
    out.compacted = 0;
    if (out.eorr_due) {
      out.eorr_due = false;
      peer.send(wire::RouteRefreshMessage{family, wire::RouteRefreshSubtype::EndOfRouteRefresh});
    }
    if (out.eor_due) {
      out.eor_due = false;
      peer.send(wire::UpdateMessage::make_end_of_rib(family));
      log::info("peer {}: initial {} table sent ({} prefixes in the Loc-RIB), End-of-RIB",
                peer.name(), wire::to_string(family), loc_rib_.size(family));
    }
  }
}

}  // namespace msee::speaker
