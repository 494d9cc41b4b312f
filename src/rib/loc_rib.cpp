// LocRib implementation (see loc_rib.hpp).
#include "rib/loc_rib.hpp"

#include <algorithm>
#include <utility>

namespace msee::rib {

namespace wire = bgp::wire;

LocRib::~LocRib() {
  auto release = [this](const auto&, Dest& d) {
    store_.unref(d.first.attr);
    if (d.more) {
      for (const auto& p : *d.more) {
        store_.unref(p.attr);
      }
    }
  };
  v4_.for_each(release);
  v6_.for_each(release);
}

const LocRib::PeerSlot* LocRib::slot(PeerId id) const {
  if (id == kLocalPeer) {
    return &local_;
  }
  if (id < base_ || static_cast<std::size_t>(id - base_) >= slots_.size()) {
    return nullptr;
  }
  return &slots_[id - base_];
}

LocRib::PeerSlot* LocRib::slot(PeerId id) {
  return const_cast<PeerSlot*>(std::as_const(*this).slot(id));
}

LocRib::PeerSlot& LocRib::ensure_slot(PeerId id) {
  if (auto* s = slot(id)) {
    return *s;
  }
  if (slots_.empty()) {
    base_ = id;
    slots_.resize(1);
  } else if (id < base_) {
    slots_.insert(slots_.begin(), static_cast<std::size_t>(base_ - id), PeerSlot{});
    base_ = id;
  } else {
    slots_.resize(static_cast<std::size_t>(id - base_) + 1u);
  }
  return slots_[id - base_];
}

void LocRib::set_peer(PeerId id, PeerInfo info) { ensure_slot(id).info = std::move(info); }

const PeerInfo& LocRib::peer_info(PeerId id) const {
  static const PeerInfo kUnknown{};
  const auto* s = slot(id);
  return s != nullptr ? s->info : kUnknown;
}

std::size_t& LocRib::counter(PeerId peer, wire::AfiSafi family) {
  auto& s = ensure_slot(peer);
  return family == wire::kIpv4Unicast ? s.count4 : s.count6;
}

std::size_t& LocRib::stale_counter(PeerId peer, wire::AfiSafi family) {
  auto& s = ensure_slot(peer);
  return family == wire::kIpv4Unicast ? s.stale4 : s.stale6;
}

std::size_t LocRib::stale_count(PeerId peer, wire::AfiSafi family) const {
  const auto* s = slot(peer);
  if (s == nullptr) {
    return 0;
  }
  return family == wire::kIpv4Unicast ? s->stale4 : s->stale6;
}

std::size_t LocRib::count(PeerId peer, wire::AfiSafi family) const {
  const auto* s = slot(peer);
  if (s == nullptr) {
    return 0;
  }
  return family == wire::kIpv4Unicast ? s->count4 : s->count6;
}

std::size_t LocRib::size(wire::AfiSafi family) const {
  return family == wire::kIpv4Unicast ? v4_.size() : v6_.size();
}

Candidate LocRib::candidate(const Path& p) const {
  Candidate c;
  c.attrs = &store_.get(p.attr);
  c.local = p.peer == kLocalPeer;
  if (const auto* s = slot(p.peer)) {
    const auto& info = s->info;
    c.weight = info.weight;
    c.ebgp = !c.local && info.ebgp;
    c.peer_router_id = info.router_id;
    c.peer_address = info.address;
  }
  return c;
}

bool LocRib::select(Dest& d) {
  if (!d.more || d.more->empty()) {
    return false;  // a single path is trivially best; callers detect changes to it
  }
  std::vector<Candidate> cands;
  cands.reserve(d.more->size() + 1);
  cands.push_back(candidate(d.first));
  for (const auto& p : *d.more) {
    cands.push_back(candidate(p));
  }
  std::size_t best = select_best(cands);
  if (best == 0) {
    return false;
  }
  std::swap(d.first, (*d.more)[best - 1]);
  return true;
}

template <class Table, class Key>
bool LocRib::update_in(Table& t, const Key& k, PeerId peer, AttrId attr, wire::AfiSafi fam) {
  bool inserted = false;
  Dest& d = t.upsert(k, inserted);
  if (inserted) {
    d.first = Path{attr, peer, false};
    counter(peer, fam)++;
    return true;
  }
  // Replace this peer's path if it has one (RFC 4271 §3.1 implicit withdraw).
  if (d.first.peer == peer) {
    bool same = d.first.attr == attr;
    forget_stale(d.first, fam);
    store_.unref(d.first.attr);
    d.first = Path{attr, peer, false};
    if (d.more && !d.more->empty()) {
      select(d);
      return !same || d.first.peer != peer;
    }
    return !same;
  }
  if (!d.more) {
    d.more = std::make_unique<std::vector<Path>>();
  }
  auto it = std::find_if(d.more->begin(), d.more->end(),
                         [peer](const Path& p) { return p.peer == peer; });
  if (it != d.more->end()) {
    forget_stale(*it, fam);
    store_.unref(it->attr);
    *it = Path{attr, peer, false};
  } else {
    d.more->push_back(Path{attr, peer, false});
    counter(peer, fam)++;
  }
  return select(d);
}

template <class Table, class Key>
bool LocRib::withdraw_in(Table& t, const Key& k, PeerId peer, wire::AfiSafi fam) {
  Dest* d = t.find(k);
  if (d == nullptr) {
    return false;
  }
  if (d->first.peer == peer) {
    forget_stale(d->first, fam);
    store_.unref(d->first.attr);
    counter(peer, fam)--;
    if (!d->more || d->more->empty()) {
      t.erase(k);
      return true;
    }
    d->first = d->more->back();
    d->more->pop_back();
    select(*d);
    if (d->more->empty()) {
      d->more.reset();
    }
    return true;
  }
  if (!d->more) {
    return false;
  }
  auto it = std::find_if(d->more->begin(), d->more->end(),
                         [peer](const Path& p) { return p.peer == peer; });
  if (it == d->more->end()) {
    return false;
  }
  forget_stale(*it, fam);
  store_.unref(it->attr);
  counter(peer, fam)--;
  *it = d->more->back();
  d->more->pop_back();
  // With per-neighbour-AS MED groups, losing a group's winner can promote a path that beats
  // the current best on a later step (see select_best), so select again.
  bool changed = select(*d);
  if (d->more->empty()) {
    d->more.reset();
  }
  return changed;
}

bool LocRib::update(const wire::Prefix& prefix, PeerId peer, AttrId attr) {
  if (prefix.addr.is_v4()) {
    return update_in(v4_, Key4::from(prefix), peer, attr, wire::kIpv4Unicast);
  }
  return update_in(v6_, Key6::from(prefix), peer, attr, wire::kIpv6Unicast);
}

bool LocRib::withdraw(const wire::Prefix& prefix, PeerId peer) {
  if (prefix.addr.is_v4()) {
    return withdraw_in(v4_, Key4::from(prefix), peer, wire::kIpv4Unicast);
  }
  return withdraw_in(v6_, Key6::from(prefix), peer, wire::kIpv6Unicast);
}

const LocRib::Dest* LocRib::find(const wire::Prefix& p) const {
  return p.addr.is_v4() ? v4_.find(Key4::from(p)) : v6_.find(Key6::from(p));
}

const Path* LocRib::best(const wire::Prefix& prefix) const {
  const Dest* d = find(prefix);
  return d ? &d->first : nullptr;
}

std::vector<Path> LocRib::paths(const wire::Prefix& prefix) const {
  std::vector<Path> out;
  if (const Dest* d = find(prefix)) {
    out.push_back(d->first);
    if (d->more) {
      out.insert(out.end(), d->more->begin(), d->more->end());
    }
  }
  return out;
}

BestPathReason LocRib::best_reason(const wire::Prefix& prefix) const {
  auto ps = paths(prefix);
  if (ps.size() < 2) {
    return BestPathReason::OnlyPath;
  }
  // The runner-up is the best of the others, chosen the same order-independent way; a
  // pairwise "strongest" scan would depend on arrival order (MED is not transitive).
  std::vector<Candidate> rest;
  rest.reserve(ps.size() - 1);
  for (std::size_t i = 1; i < ps.size(); ++i) {
    rest.push_back(candidate(ps[i]));
  }
  return compare(candidate(ps[0]), rest[select_best(rest)]).reason;
}

std::vector<wire::Prefix> LocRib::remove_peer(PeerId peer) {
  std::vector<wire::Prefix> changed;
  for (auto fam : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    if (count(peer, fam) == 0) {
      continue;  // nothing of its own here: no walk of the table
    }
    std::vector<wire::Prefix> mine;
    for_each_path(peer, fam, [&](const wire::Prefix& p, const Path&) { mine.push_back(p); });
    for (const auto& p : mine) {
      if (withdraw(p, peer)) {
        changed.push_back(p);
      }
    }
  }
  return changed;
}

void LocRib::mark_stale(PeerId peer, wire::AfiSafi family) {
  if (count(peer, family) == 0) {
    return;
  }
  std::size_t& stale = stale_counter(peer, family);
  auto mark_one = [&stale](Path& p) {
    if (!p.stale) {
      p.stale = true;
      ++stale;
    }
  };
  auto mark = [peer, &mark_one](const auto&, Dest& d) {
    if (d.first.peer == peer) {
      mark_one(d.first);
    } else if (d.more) {
      for (auto& p : *d.more) {
        if (p.peer == peer) {
          mark_one(p);
        }
      }
    }
  };
  if (family == wire::kIpv4Unicast) {
    v4_.for_each(mark);
  } else if (family == wire::kIpv6Unicast) {
    v6_.for_each(mark);
  }
}

std::vector<wire::Prefix> LocRib::sweep_stale(PeerId peer, wire::AfiSafi family) {
  if (stale_count(peer, family) == 0) {
    return {};  // every fresh session's End-of-RIB: nothing to walk for
  }
  std::vector<wire::Prefix> stale;
  for_each_path(peer, family, [&](const wire::Prefix& p, const Path& path) {
    if (path.stale) {
      stale.push_back(p);
    }
  });
  std::vector<wire::Prefix> changed;
  for (const auto& p : stale) {
    if (withdraw(p, peer)) {
      changed.push_back(p);
    }
  }
  return changed;
}

}  // namespace msee::rib
