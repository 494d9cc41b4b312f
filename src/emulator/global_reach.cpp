// Global Reach across protocol threads (MSEE: R74, issue #15). Linked circuits normally share
// a shard (assign_shards), and the importing table reads the linked circuit's paths inside one
// Speaker. When they do not — a link added by a reload, or a Global Reach group too big for
// one thread — the shard owning the linked session relays its paths by message: a route watch
// marks what changed, a flush posted once per batch copies those paths as values
// (Speaker::relay_paths) and posts them to each importing shard, which applies them to its
// remote neighbour of the same name (Speaker::apply_relayed; every private-peering session of
// another shard is one, router_config_for). A session going down, coming up or losing many
// paths at once sends a full copy. Messages between two shards run in the order they were
// posted (one io_context each), so a full copy is never overtaken by an older change.
#include <boost/asio/post.hpp>

#include <algorithm>
#include <set>

#include "emulator/emulator.hpp"
#include "util/log.hpp"

namespace msee::emulator {

// At construction (the shards' io_contexts not yet running) and in reload() (shards parked).
void Emulator::set_up_relays() {
  std::map<std::string, const msee::SessionPlan*> by_name;
  for (const auto& s : plan_.sessions) {
    by_name[s.name] = &s;
  }
  // source session -> the shards importing it from elsewhere
  std::map<std::string, std::set<std::size_t>> wanted;
  for (const auto& s : plan_.sessions) {
    for (const auto& from : s.export_from) {
      auto it = by_name.find(from);
      if (it == by_name.end()) {
        continue;
      }
      auto importer = shard_of_[s.circuit_index];
      if (importer != shard_of_[it->second->circuit_index]) {
        wanted[from].insert(importer);
      }
    }
  }
  for (std::size_t k = 0; k < shards_.size(); ++k) {
    auto& sh = *shards_[k];
    std::vector<Shard::Relay> fresh;
    for (const auto& [name, to] : wanted) {
      if (shard_of_[by_name[name]->circuit_index] != k) {
        continue;
      }
      const auto* peer = sh.speaker->find_peer(name);
      if (peer == nullptr) {
        continue;
      }
      Shard::Relay r;
      r.name = name;
      r.id = sh.speaker->peer_id(*peer);
      r.home = sh.speaker->table_of(*peer);
      r.to.assign(to.begin(), to.end());
      fresh.push_back(std::move(r));  // full: every importer gets a whole copy first
    }
    // An importer no longer linked: its copy goes (the unlink itself already took the paths
    // out of the importing table; this empties the remote neighbour too).
    for (const auto& old : sh.relays) {
      for (auto d : old.to) {
        bool kept = std::any_of(fresh.begin(), fresh.end(), [&](const Shard::Relay& r) {
          return r.name == old.name && std::find(r.to.begin(), r.to.end(), d) != r.to.end();
        });
        if (!kept) {
          auto* dst = shards_[d].get();
          speaker::Speaker::RelayedPaths none;
          none.reset = true;
          boost::asio::post(*dst->io, [dst, name = old.name, none] {
            dst->speaker->apply_relayed(name, none);
          });
        }
      }
    }
    sh.relays = std::move(fresh);
    for (const auto& r : sh.relays) {
      log::info("Global Reach: {}'s routes relayed from protocol thread {} to {} other(s)",
                r.name, k, r.to.size());
    }
    if (sh.relays.empty()) {
      if (sh.relay_watch != 0) {
        sh.speaker->remove_route_watch(sh.relay_watch);
        sh.relay_watch = 0;
      }
      continue;
    }
    if (sh.relay_watch == 0) {
      auto* shp = &sh;
      sh.relay_watch = sh.speaker->add_route_watch(speaker::Speaker::RouteWatch{
          [this, k, shp](speaker::TableId t, const bgp::wire::Prefix& p) {
            bool any = false;
            for (auto& r : shp->relays) {
              if (r.home == t && !r.full) {
                r.dirty.push_back(p);
                any = true;
              }
            }
            if (any) {
              relay_changed(k);
            }
          },
          [this, k, shp](rib::PeerId id) {
            for (auto& r : shp->relays) {
              if (r.id == id) {
                r.full = true;
                r.dirty.clear();
                relay_changed(k);
              }
            }
          }});
    }
    relay_changed(k);
  }
}

// On shard k's thread (or with it parked): one flush per batch of changes.
void Emulator::relay_changed(std::size_t k) {
  auto& sh = *shards_[k];
  if (sh.relay_posted) {
    return;
  }
  sh.relay_posted = true;
  boost::asio::post(*sh.io, [this, k] { flush_relays(k); });
}

void Emulator::flush_relays(std::size_t k) {
  auto& sh = *shards_[k];
  sh.relay_posted = false;
  for (auto& r : sh.relays) {
    if (!r.full && r.dirty.empty()) {
      continue;
    }
    std::sort(r.dirty.begin(), r.dirty.end());
    r.dirty.erase(std::unique(r.dirty.begin(), r.dirty.end()), r.dirty.end());
    auto paths = sh.speaker->relay_paths(r.name, r.full ? nullptr : &r.dirty);
    r.full = false;
    r.dirty.clear();
    if (!paths) {
      continue;
    }
    auto shared = std::make_shared<const speaker::Speaker::RelayedPaths>(std::move(*paths));
    for (auto d : r.to) {
      auto* dst = shards_[d].get();
      boost::asio::post(*dst->io, [dst, name = r.name, shared] {
        dst->speaker->apply_relayed(name, *shared);
      });
    }
  }
}

}  // namespace msee::emulator
