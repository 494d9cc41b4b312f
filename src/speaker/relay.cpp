// Route watches (the data plane, Global Reach relays) and Global Reach across protocol threads
// (MSEE: R74): one neighbour's paths copied out of its own Speaker as values, and applied on
// another Speaker to a remote neighbour of the same name (NeighborConfig::remote), whose paths
// then enter the importing tables exactly as a session's would (link_tables, tables.cpp).
#include <algorithm>

#include "speaker/speaker.hpp"

namespace msee::speaker {

namespace wire = bgp::wire;

std::size_t Speaker::add_route_watch(RouteWatch w) {
  auto handle = next_watch_++;
  watches_.emplace_back(handle, std::move(w));
  return handle;
}

void Speaker::remove_route_watch(std::size_t handle) {
  watches_.erase(std::remove_if(watches_.begin(), watches_.end(),
                                [&](const auto& hw) { return hw.first == handle; }),
                 watches_.end());
}

bool Speaker::source_up(rib::PeerId id) const {
  if (id == 0 || id > states_.size()) {
    return false;
  }
  const auto& ps = states_[id - 1];
  return ps.config->remote ? ps.remote_up : ps.peer->state() == bgp::fsm::State::Established;
}

std::optional<Speaker::RelayedPaths> Speaker::relay_paths(
    std::string_view name, const std::vector<wire::Prefix>* only) const {
  const auto* ps = state_named(name);
  if (ps == nullptr) {
    return std::nullopt;
  }
  RelayedPaths out;
  out.up = source_up(ps->id);
  out.info = ps->info;
  const auto& rib = home(*ps);
  if (only == nullptr) {
    out.reset = true;
    for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
      rib.for_each_path(ps->id, family, [&](const wire::Prefix& p, const rib::Path& path) {
        out.paths.emplace_back(p, attrs_.get(path.attr));
      });
    }
    return out;
  }
  out.paths.reserve(only->size());
  for (const auto& p : *only) {
    std::optional<wire::PathAttributes> attrs;
    for (const auto& path : rib.paths(p)) {
      if (path.peer == ps->id) {
        attrs = attrs_.get(path.attr);
        break;
      }
    }
    out.paths.emplace_back(p, std::move(attrs));
  }
  return out;
}

bool Speaker::apply_relayed(std::string_view name, const RelayedPaths& in) {
  auto* ps = state_named(name);
  if (ps == nullptr || !ps->config->remote) {
    return false;
  }
  if (in.reset) {
    for (auto t : ps->tables) {
      for (const auto& p : tables_[t].rib->remove_peer(ps->id)) {
        changed(t, p);
      }
    }
  }
  // Before its paths: the decision reads it (as on_established does for a session).
  set_peer_info(*ps, in.info);
  for (const auto& [p, attrs] : in.paths) {
    // Interned once; each table holding the path takes its own reference (as apply_import).
    rib::AttrId id = rib::kNoAttr;
    if (attrs) {
      id = attrs_.intern(*attrs);
      for (std::size_t i = 1; i < ps->tables.size(); ++i) {
        attrs_.ref(id);
      }
    }
    for (auto t : ps->tables) {
      bool best_changed = attrs ? tables_[t].rib->update(p, ps->id, id)
                                : tables_[t].rib->withdraw(p, ps->id);
      if (best_changed) {
        changed(t, p);
      }
      watch_path(t, p);
    }
  }
  bool was_up = ps->remote_up;
  ps->remote_up = in.up;
  if (in.reset || was_up != in.up) {
    watch_peer(ps->id);  // the data plane re-reads the source (many paths at once, or state)
  }
  return true;
}

}  // namespace msee::speaker
