// The speaker's routing tables (VRFs, speaker.hpp): which table each neighbour's routes enter,
// which other tables import them (exportFrom across tables: MSEE Global Reach, R74), and our
// own routes' tables. Each table is one rib::LocRib sharing the speaker's AttrStore.
#include <algorithm>

#include "speaker/speaker.hpp"

namespace msee::speaker {

namespace wire = bgp::wire;

TableId Speaker::add_table(const std::string& name) {
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    if (tables_[t].name == name) {
      return static_cast<TableId>(t);
    }
  }
  Table t;
  t.name = name;
  t.rib = std::make_unique<rib::LocRib>(attrs_);
  tables_.push_back(std::move(t));
  return static_cast<TableId>(tables_.size() - 1);
}

std::optional<TableId> Speaker::table_named(std::string_view name) const {
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    if (tables_[t].name == name) {
      return static_cast<TableId>(t);
    }
  }
  return std::nullopt;
}

void Speaker::build_tables() {
  add_table("");  // the default table: always there, even when every neighbour names another
  for (std::size_t i = 0; i < states_.size(); ++i) {
    auto& ps = states_[i];
    ps.table = add_table(ps.config->table);
    ps.tables = {ps.table};
    tables_[ps.table].members.push_back(i);
  }
  link_tables();
}

// A neighbour exporting another table's neighbour's routes imports them into its own table:
// the route-target import of a VRF (R74: a Global Reach circuit gets only the linked circuit's
// customer routes, never a third circuit's best path for the same prefix). Run at start and
// when a reload changes exportFrom: a table no longer importing a neighbour loses its paths, a
// table importing it anew gets a copy of what its own table holds.
void Speaker::link_tables() {
  std::vector<std::vector<TableId>> want(states_.size());
  for (const auto& ps : states_) {
    want[ps.id - 1] = {ps.table};
  }
  for (const auto& ps : states_) {
    for (auto from : ps.export_from) {
      auto& w = want[from - 1];
      if (std::find(w.begin(), w.end(), ps.table) == w.end()) {
        w.push_back(ps.table);
      }
    }
  }
  auto touched = [this](TableId t, const wire::Prefix& p, bool best_changed) {
    if (best_changed) {
      changed(t, p);
    }
    watch_path(t, p);
  };
  for (auto& ps : states_) {
    auto& w = want[ps.id - 1];
    for (auto t : ps.tables) {
      if (std::find(w.begin(), w.end(), t) == w.end()) {
        for (const auto& p : tables_[t].rib->remove_peer(ps.id)) {
          touched(t, p, true);
        }
      }
    }
    for (auto t : w) {
      if (std::find(ps.tables.begin(), ps.tables.end(), t) != ps.tables.end()) {
        continue;
      }
      auto& dst = *tables_[t].rib;
      dst.set_peer(ps.id, ps.info);  // before its paths: the decision reads it
      for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
        home(ps).for_each_path(ps.id, family, [&](const wire::Prefix& p, const rib::Path& path) {
          attrs_.ref(path.attr);  // the copy holds its own reference
          touched(t, p, dst.update(p, ps.id, path.attr));
        });
      }
    }
    ps.tables = std::move(w);
  }
}

void Speaker::set_peer_info(PeerState& ps, const rib::PeerInfo& info) {
  ps.info = info;
  for (auto t : ps.tables) {
    tables_[t].rib->set_peer(ps.id, info);
  }
}

std::vector<TableId> Speaker::local_tables(const std::vector<std::string>& to) const {
  std::vector<TableId> out;
  if (to.empty()) {
    for (std::size_t t = 0; t < tables_.size(); ++t) {
      out.push_back(static_cast<TableId>(t));
    }
    return out;
  }
  for (const auto& name : to) {
    if (const auto* ps = state_named(name)) {
      if (std::find(out.begin(), out.end(), ps->table) == out.end()) {
        out.push_back(ps->table);
      }
    }
  }
  return out;
}

std::vector<rib::PeerId> Speaker::peer_ids(const std::vector<std::string>& names) const {
  std::vector<rib::PeerId> out;
  for (const auto& name : names) {
    if (const auto* ps = state_named(name)) {
      out.push_back(ps->id);
    }
  }
  return out;
}

void Speaker::set_local(const wire::Prefix& p, const std::vector<TableId>& tables,
                        const wire::PathAttributes* attrs) {
  for (auto t : tables) {
    auto& rib = *tables_[t].rib;
    bool best_changed = attrs != nullptr ? rib.update(p, rib::kLocalPeer, attrs_.intern(*attrs))
                                         : rib.withdraw(p, rib::kLocalPeer);
    if (best_changed) {
      changed(t, p, true);
    }
    watch_path(t, p);
  }
}

}  // namespace msee::speaker
