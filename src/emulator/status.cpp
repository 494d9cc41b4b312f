// The status board (issue #15): what the API shows of each planned session — state, counters,
// negotiated timers, prefixes held and sent, BFD — published by the session's own protocol
// thread and read by the control thread without waiting for it.
//
// Why a board rather than a visit: a read that visits the shards (on_shards) waits until each
// reaches its next handler boundary, and on a machine whose cores are all busy (a location
// converging, with its CEs on the same cores) that is a scheduler slice or more behind a
// thread that has work: tens of milliseconds for a one-line summary. Here a shard writes a
// session's slot when the handler that changed it is over (the Speaker says which sessions it
// touched; BFD state changes too), and once a second for what moves without telling
// (KEEPALIVE counters, BFD timers); the API copies slots under their own small locks.
#include <boost/asio/steady_timer.hpp>

#include "emulator/emulator.hpp"

namespace msee::emulator {

namespace {
constexpr std::size_t kNone = static_cast<std::size_t>(-1);
constexpr auto kRefresh = std::chrono::seconds(1);
}  // namespace

SessionStatus Emulator::read_status(const Shard& sh, const msee::SessionPlan& s) const {
  SessionStatus st;
  const auto& spk = *sh.speaker;
  st.admin_down = spk.admin_down(s.name);
  if (const auto* p = spk.find_peer(s.name)) {
    auto family = s.afi == bgp::wire::Afi::Ipv4 ? bgp::wire::kIpv4Unicast : bgp::wire::kIpv6Unicast;
    st.present = true;
    st.state = p->state();
    st.stats = p->stats();
    if (const auto* n = p->negotiated()) {
      st.negotiated = true;
      st.hold_time = n->hold_time;
      st.keepalive_time = n->keepalive_time;
      st.four_octet_as = n->four_octet_as;
      st.route_refresh = n->route_refresh;
    }
    st.accepted = spk.rib_of(*p).count(spk.peer_id(*p), family);
    st.advertised = spk.advertised_count(*p, family);
    st.policy_rejected = spk.policy_rejected(*p);
    st.limits = spk.limit_counters(*p);
  }
  if (auto info = sh.bfd->session_info(s.name)) {
    st.bfd = SessionStatus::Bfd{info->state, info->remote_state, info->tx_interval,
                                info->detection_time};
  }
  return st;
}

void Emulator::rebuild_status_board() {
  if (!threaded_) {
    return;  // one thread: every read is made on the spot
  }
  const auto& sessions = plan_.sessions;
  board_.resize(sessions.size());
  for (auto& slot : board_) {
    if (!slot) {
      slot = std::make_unique<StatusSlot>();
    }
  }
  for (auto& sh : shards_) {
    sh->session_of_peer.assign(sh->speaker->peers().size() + 1, kNone);
  }
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    auto& sh = *shards_[shard_of_[sessions[i].circuit_index]];
    if (const auto* p = sh.speaker->find_peer(sessions[i].name)) {
      auto id = sh.speaker->peer_id(*p);
      if (id >= sh.session_of_peer.size()) {
        sh.session_of_peer.resize(id + 1, kNone);
      }
      sh.session_of_peer[id] = i;
    }
  }
  for (auto& sh : shards_) {
    sh->is_dirty.assign(sh->session_of_peer.size(), 0);
    sh->dirty.clear();
  }
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    auto st = read_status(*shards_[shard_of_[sessions[i].circuit_index]], sessions[i]);
    std::lock_guard lock(board_[i]->m);
    board_[i]->s = std::move(st);
  }
}

void Emulator::mark_dirty(Shard& sh, rib::PeerId id) {
  if (id >= sh.is_dirty.size() || sh.is_dirty[id] != 0 || sh.session_of_peer[id] == kNone) {
    return;  // already marked, or not one of this shard's sessions (a remote neighbour)
  }
  sh.is_dirty[id] = 1;
  sh.dirty.push_back(id);
}

void Emulator::publish_dirty(Shard& sh) {
  for (auto id : sh.dirty) {
    sh.is_dirty[id] = 0;
    auto i = sh.session_of_peer[id];
    auto st = read_status(sh, plan_.sessions[i]);
    std::lock_guard lock(board_[i]->m);
    board_[i]->s = std::move(st);
  }
  sh.dirty.clear();
}

void Emulator::start_status_refresh(Shard& sh) {
  if (!sh.status_timer) {
    sh.status_timer = std::make_unique<boost::asio::steady_timer>(*sh.io);
  }
  sh.status_timer->expires_after(kRefresh);
  sh.status_timer->async_wait([this, &sh](boost::system::error_code ec) {
    if (ec) {
      return;
    }
    for (rib::PeerId id = 0; id < sh.session_of_peer.size(); ++id) {
      mark_dirty(sh, id);  // published once this handler is over
    }
    start_status_refresh(sh);
  });
}

SessionStatus Emulator::session_status(std::size_t i) const {
  const auto& s = plan_.sessions.at(i);
  if (!status_live()) {
    return read_status(*shards_[shard_of_[s.circuit_index]], s);
  }
  std::lock_guard lock(board_[i]->m);
  return board_[i]->s;
}

std::vector<SessionStatus> Emulator::session_statuses() const {
  std::vector<SessionStatus> out;
  out.reserve(plan_.sessions.size());
  for (std::size_t i = 0; i < plan_.sessions.size(); ++i) {
    out.push_back(session_status(i));
  }
  return out;
}

}  // namespace msee::emulator
