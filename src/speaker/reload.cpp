// Speaker::reconfigure: a configuration reload applied as a difference, so that sessions and
// routes the change does not concern are left alone (issue #5: SIGHUP / POST /v1/reload).
#include <boost/asio/post.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "speaker/speaker.hpp"
#include "util/log.hpp"

namespace msee::speaker {

namespace wire = bgp::wire;

namespace {
bool same_limit(const rib::PrefixLimitConfig& a, const rib::PrefixLimitConfig& b) {
  return a.limit == b.limit && a.warning_percent == b.warning_percent;
}

// The parameters a running session was opened with: changing any of them needs a new session.
bool session_parameters_differ(const NeighborConfig& a, const NeighborConfig& b) {
  return a.address != b.address || a.port != b.port || a.local_address != b.local_address ||
         a.peer_asn != b.peer_asn || a.passive != b.passive || a.hold_time != b.hold_time ||
         a.min_hold_time != b.min_hold_time || a.md5_password != b.md5_password ||
         a.ttl_security != b.ttl_security || a.ttl != b.ttl || a.router_id != b.router_id ||
         a.capabilities.families != b.capabilities.families ||
         a.capabilities.route_refresh != b.capabilities.route_refresh ||
         a.capabilities.four_octet_as != b.capabilities.four_octet_as;
}
}  // namespace

std::vector<std::string> Speaker::reconfigure(RouterConfig config,
                                              const std::set<std::string>& refresh) {
  std::vector<std::string> changes;
  bool relink = false;  // some exportFrom changed: which tables import whom (tables.cpp)
  for (auto& ps : states_) {
    const NeighborConfig* fresh = nullptr;
    for (const auto& nb : config.neighbors) {
      if (nb.name == ps.config->name) {
        fresh = &nb;
      }
    }
    if (fresh == nullptr) {
      continue;  // the caller guarantees the same neighbours
    }
    // ps.config points into config_.neighbors: assign in place, the address stays valid.
    auto& cur = const_cast<NeighborConfig&>(*ps.config);
    if (cur.remote) {
      continue;  // no session and no export of its own: nothing to apply
    }
    const auto& name = cur.name;
    if (fresh->table != cur.table) {
      // Its routes live in that table for the life of the process (the emulator names tables
      // after the circuit and peering, which a same-named neighbour keeps).
      changes.push_back(name + ": table stays '" + cur.table + "' until a restart");
      const_cast<NeighborConfig*>(fresh)->table = cur.table;
    }
    if (session_parameters_differ(cur, *fresh)) {
      changes.push_back(name + ": session parameters changed: restarted (Cease/Other "
                               "Configuration Change)");
      bool md5_changed = cur.md5_password != fresh->md5_password;
      cur = *fresh;
      ps.admin_down = cur.admin_down;
      ps.peer->stop(wire::NotificationMessage::cease(wire::CeaseSubcode::OtherConfigurationChange,
                                                     "configuration changed"));
      if (md5_changed) {
        for (auto& l : listeners_) {
          (void)l->set_md5(cur.address, cur.md5_password);
        }
      }
      // After the posted stop has run (FIFO on the one protocol thread).
      boost::asio::post(io_, [this, &ps] {
        ps.peer->reconfigure(peer_config(*ps.config), transport_config(*ps.config));
        ps.limit_v4 = rib::PrefixLimit(ps.config->max_prefix_v4);
        ps.limit_v6 = rib::PrefixLimit(ps.config->max_prefix_v6);
        if (!ps.admin_down) {
          ps.peer->start();
        }
      });
      continue;
    }
    bool limits = !same_limit(cur.max_prefix_v4, fresh->max_prefix_v4) ||
                  !same_limit(cur.max_prefix_v6, fresh->max_prefix_v6) ||
                  cur.max_prefix_restart_s != fresh->max_prefix_restart_s ||
                  cur.max_prefix_count_rejected != fresh->max_prefix_count_rejected;
    bool exports = cur.export_from != fresh->export_from ||
                   cur.remove_private_as != fresh->remove_private_as ||
                   cur.export_routes != fresh->export_routes || cur.next_hop != fresh->next_hop ||
                   cur.next_hop6 != fresh->next_hop6;
    bool admin = cur.admin_down != fresh->admin_down;
    bool policy = refresh.count(name) != 0 || cur.allow_as_in != fresh->allow_as_in;
    auto before_export_from = cur.export_from;
    cur = *fresh;
    if (limits) {
      // MSEE: R36, R37 — the new limit counts the routes held now (lowering it below the
      // count ends the session like any crossing).
      ps.limit_v4 = rib::PrefixLimit(cur.max_prefix_v4);
      ps.limit_v6 = rib::PrefixLimit(cur.max_prefix_v6);
      changes.push_back(fmt::format("{}: route limit now {} / {} (IPv4 / IPv6)", name,
                                    cur.max_prefix_v4.limit, cur.max_prefix_v6.limit));
      if (ps.peer->negotiated() != nullptr) {
        check_limits(ps, true, true);
      }
    }
    if (exports) {
      ps.export_from.clear();
      for (const auto& from : cur.export_from) {
        for (const auto& other : states_) {
          if (other.config->name == from) {
            ps.export_from.insert(other.id);
          }
        }
      }
      relink = relink || cur.export_from != before_export_from;
      requeue_all(ps);
      changes.push_back(name + ": export rules changed: its routes re-evaluated");
    }
    if (admin) {
      set_admin_down(name, cur.admin_down,
                     cur.admin_down ? "disabled by a configuration reload"
                                    : "enabled by a configuration reload");
      changes.push_back(name + (cur.admin_down ? ": administratively down" : ": enabled"));
    } else if (policy) {
      const auto* n = ps.peer->negotiated();
      if (n != nullptr && n->route_refresh) {
        // RFC 2918: have the peer send its routes again, to pass the new import policy.
        for (auto family : n->families) {
          ps.peer->send(wire::RouteRefreshMessage{family, wire::RouteRefreshSubtype::Normal});
        }
        changes.push_back(name + ": import policy changed: ROUTE-REFRESH sent");
      } else {
        changes.push_back(name + ": import policy changed (applies to routes it sends from now)");
      }
    }
  }

  if (relink) {
    link_tables();
  }

  // Local routes by difference.
  struct Local {
    const wire::PathAttributes* attrs = nullptr;
    std::vector<std::string> to;
  };
  auto index = [](const RouterConfig& rc) {
    std::map<wire::Prefix, Local> out;
    for (const auto& ann : rc.announce) {
      for (const auto& p : ann.prefixes) {
        auto& l = out[p];
        l.attrs = &ann.attributes;
        l.to.insert(l.to.end(), ann.to.begin(), ann.to.end());
      }
    }
    for (auto& [p, l] : out) {
      std::sort(l.to.begin(), l.to.end());
      l.to.erase(std::unique(l.to.begin(), l.to.end()), l.to.end());
    }
    return out;
  };
  auto before = index(config_);
  auto after = index(config);
  std::size_t added = 0, replaced = 0, withdrawn = 0;
  for (const auto& [p, l] : before) {
    auto it = after.find(p);
    if (it == after.end() || it->second.to != l.to) {
      // Gone, or going to other neighbours (maybe other tables): out of its tables first.
      local_.erase(p);
      set_local(p, local_tables(l.to), nullptr);
      withdrawn += it == after.end() ? 1 : 0;
    }
  }
  for (const auto& [p, l] : after) {
    auto it = before.find(p);
    if (it != before.end() && *it->second.attrs == *l.attrs && it->second.to == l.to) {
      continue;
    }
    (it == before.end() ? added : replaced)++;
    local_.set(p, peer_ids(l.to));
    set_local(p, local_tables(l.to), l.attrs);
  }
  if (added + replaced + withdrawn > 0) {
    changes.push_back(fmt::format("local routes: {} added, {} changed, {} withdrawn", added,
                                  replaced, withdrawn));
  }
  config_.announce = std::move(config.announce);
  config_.log_routes = config.log_routes;
  return changes;
}

}  // namespace msee::speaker
