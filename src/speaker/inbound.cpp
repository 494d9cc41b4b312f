// The speaker's inbound half: an UPDATE from a peer goes through import (rib/import.hpp, a
// pure decision) and the delta is applied to the Loc-RIB once here; then the peer's prefixes
// are counted against its limits (rib/prefix_limit.hpp decides, this file carries it out);
// ROUTE-REFRESH requests and markers (RFC 2918, RFC 7313).
#include <algorithm>

#include <fmt/core.h>

#include "speaker/speaker.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace msee::speaker {

namespace wire = bgp::wire;
using bgp::io::Peer;

namespace {
const std::vector<wire::AfiSafi> kFamilies{wire::kIpv4Unicast, wire::kIpv6Unicast};

wire::AfiSafi family_of(const wire::Prefix& p) {
  return p.addr.is_v4() ? wire::kIpv4Unicast : wire::kIpv6Unicast;
}
}  // namespace

void Speaker::on_update(Peer& peer, wire::UpdateMessage&& update) {
  auto& ps = state_of(peer);
  touched(ps.id);
  if (auto eor = update.end_of_rib()) {
    log::info("peer {}: End-of-RIB {} ({} routes)", peer.name(), wire::to_string(*eor),
              home(ps).count(ps.id, *eor));
    events_.end_of_rib(peer.name(), *eor);
    // RFC 4724 §4.2: End-of-RIB after a restart ends the stale period for that family.
    for (auto t : ps.tables) {
      for (const auto& p : tables_[t].rib->sweep_stale(ps.id, *eor)) {
        changed(t, p);
      }
    }
    watch_peer(ps.id);
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
  rib::ImportContext ctx;
  ctx.local_as = config_.asn;
  const auto* n = peer.negotiated();
  ctx.ebgp = n != nullptr && n->peer_as != config_.asn;
  ctx.allow_as_in = ps.config->allow_as_in;
  ctx.policy = ps.config->import_policy.get();
  apply_import(ps, rib::import_update(std::move(update), ctx));
}

void Speaker::apply_import(PeerState& ps, rib::ImportDelta&& d) {
  const auto& name = ps.peer->name();
  bool log_routes = config_.log_routes;
  auto withdraw = [&](const wire::Prefix& p) {
    for (auto t : ps.tables) {
      if (tables_[t].rib->withdraw(p, ps.id)) {
        changed(t, p);
      }
      watch_path(t, p);
    }
    ps.forget_rejected(p);
    if (log_routes) {
      events_.route(name, false, family_of(p), p, nullptr, std::nullopt);
    }
  };
  for (const auto& p : d.withdrawn) {
    withdraw(p);
  }
  if (d.treat_as_withdraw) {
    return;
  }
  // Refused by the import policy: replaces (withdraws) an earlier path, and counts against the
  // limit only when the neighbour says so (MSEE: Q1).
  bool touched_v4 = false;
  bool touched_v6 = false;
  for (const auto& r : d.rejected) {
    const auto& p = r.prefix;
    withdraw(p);
    ++ps.policy_rejected;
    if (ps.config->max_prefix_count_rejected) {
      if (ps.rejected_now.insert(p).second) {
        ++(p.addr.is_v4() ? ps.rejected_v4 : ps.rejected_v6);
      }
      (p.addr.is_v4() ? touched_v4 : touched_v6) = true;
    }
    if (ps.policy_rejected <= 10 || ps.policy_rejected % 1000 == 0) {
      log::info("peer {}: refused {}: {} ({} refused so far)", name, p.to_string(), r.reason,
                ps.policy_rejected);
      events_.route_rejected(name, p, r.reason, ps.policy_rejected);
    }
  }
  if (d.attributes_refused) {
    check_limits(ps, touched_v4, touched_v6);
    return;
  }
  if (d.loop) {
    ++ps.loops_dropped;
    if (ps.loops_dropped == 1 || ps.loops_dropped % 10000 == 0) {
      log::info("peer {}: ignoring route(s) with our AS {} in the path ({} so far, RFC 4271 "
                "§9.1.2)",
                name, config_.asn, ps.loops_dropped);
    }
    for (const auto& p : d.unfeasible) {
      withdraw(p);
    }
    return;
  }
  if (d.own_as_allowed && !d.announced.empty()) {
    // MSEE: Q13 — accepted (allowas-in), but a CE that sends Azure's routes back (path
    // "65001 12076") is a classic misconfiguration: it re-advertises what it learned from one
    // MSEE to the other. Say so once, then every 1000th time.
    ++ps.own_as_echoed;
    if (ps.own_as_echoed == 1 || ps.own_as_echoed % 1000 == 0) {
      const auto& a = d.announced.front();
      auto msg = fmt::format(
          "accepted {} with our AS {} in its AS path ({}): the neighbour is sending back routes "
          "it learned from us (a CE re-advertising Azure's routes to the other MSEE?); "
          "{} such UPDATE(s) so far",
          a.prefixes.empty() ? std::string("a route") : a.prefixes.front().to_string(),
          config_.asn, a.attributes.as_path ? a.attributes.as_path->to_string() : "",
          ps.own_as_echoed);
      log::warn("peer {}: {}", name, msg);
      events_.note(name, "own-as-in-path", msg);
    }
  }
  // One interned set per announced set; each route (in each table) holds its own reference.
  for (auto& a : d.announced) {
    auto id = attrs_.intern(a.attributes);
    for (std::size_t i = 1; i < a.prefixes.size() * ps.tables.size(); ++i) {
      attrs_.ref(id);
    }
    for (auto t : ps.tables) {
      tables_[t].rib->update_all(a.prefixes, ps.id, id,
                                 [this, t](const wire::Prefix& p) { changed(t, p); });
      if (!watches_.empty()) {
        for (const auto& p : a.prefixes) {
          watch_path(t, p);
        }
      }
    }
    if (!ps.rejected_now.empty()) {  // refused before, accepted now: counted once
      for (const auto& p : a.prefixes) {
        ps.forget_rejected(p);
      }
    }
    if (log_routes) {
      const auto& stored = attrs_.get(id);
      for (const auto& p : a.prefixes) {
        events_.route(name, true, family_of(p), p, &stored, stored.next_hop);
      }
    }
    (a.family == wire::kIpv4Unicast ? touched_v4 : touched_v6) = true;
  }
  check_limits(ps, touched_v4, touched_v6);
}

void Speaker::check_limits(PeerState& ps, bool v4, bool v6) {
  for (auto family : kFamilies) {
    if (!(family == wire::kIpv4Unicast ? v4 : v6) || ps.limit_tripped) {
      continue;
    }
    std::uint64_t count = home(ps).count(ps.id, family);
    if (ps.config->max_prefix_count_rejected) {
      count += family == wire::kIpv4Unicast ? ps.rejected_v4 : ps.rejected_v6;
    }
    auto action = rib::verify_limit(ps.limit(family), family, count);
    if (!action) {
      continue;
    }
    const auto& name = ps.peer->name();
    switch (action->kind) {
      case rib::LimitAction::Kind::Warn:
        // MSEE: R37 — "maximum-prefix N 80": a log line (and an event), nothing else.
        log::warn("peer {}: {} prefixes: {} of {} ({} %), the {} % warning threshold", name,
                  wire::to_string(family), util::grouped(count), util::grouped(action->limit),
                  count * 100 / std::max<std::uint64_t>(action->limit, 1),
                  static_cast<unsigned>(action->warning_percent));
        events_.prefix_limit(name, family, "warning", count, action->limit);
        ++ps.limit_counters.warnings;
        break;
      case rib::LimitAction::Kind::WarnCleared:
        events_.prefix_limit(name, family, "warning-cleared", count, action->limit);
        break;
      case rib::LimitAction::Kind::Restart:
        // MSEE: R37, Q1 — Cease/1 with the RFC 4486 data, Idle, no reconnect (either way)
        // until the restart time has passed.
        ps.limit_tripped = true;
        log::warn("peer {}: {} prefixes: {} exceed the limit of {}: Cease/Maximum Number of "
                  "Prefixes Reached, retry in {} s",
                  name, wire::to_string(family), util::grouped(count),
                  util::grouped(action->limit),
                  ps.config->max_prefix_restart_s);
        events_.prefix_limit(name, family, "exceeded", count, action->limit);
        ++ps.limit_counters.exceeded;
        ps.peer->automatic_stop(std::move(action->notification),
                                std::chrono::seconds(ps.config->max_prefix_restart_s));
        break;
    }
  }
}

void Speaker::on_route_refresh(Peer& peer, const wire::RouteRefreshMessage& rr) {
  events_.route_refresh(peer.name(), true, rr);
  const auto* n = peer.negotiated();
  if (n == nullptr) {
    return;
  }
  auto& ps = state_of(peer);
  touched(ps.id);
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
      ps.out.dump(home(ps), rr.afi_safi, export_rule(ps));
      ps.out.set_eorr_due(rr.afi_safi, n->enhanced_route_refresh);
      schedule_flush(ps);
      return;
    }
    case wire::RouteRefreshSubtype::BeginOfRouteRefresh:
      // RFC 7313 §4: the peer re-sends the family; routes it does not re-send are stale.
      for (auto t : ps.tables) {
        tables_[t].rib->mark_stale(ps.id, rr.afi_safi);
      }
      return;
    case wire::RouteRefreshSubtype::EndOfRouteRefresh: {
      std::size_t swept = 0;
      for (auto t : ps.tables) {
        for (const auto& p : tables_[t].rib->sweep_stale(ps.id, rr.afi_safi)) {
          changed(t, p);
          swept += t == ps.table ? 1 : 0;
        }
      }
      watch_peer(ps.id);
      log::info("peer {}: EoRR {}: {} stale routes removed", peer.name(),
                wire::to_string(rr.afi_safi), swept);
      return;
    }
  }
  // RFC 7313 §5: other subtypes are ignored.
  log::info("peer {}: ignoring ROUTE-REFRESH with unknown subtype {}", peer.name(),
            static_cast<int>(rr.subtype));
}


}  // namespace msee::speaker
