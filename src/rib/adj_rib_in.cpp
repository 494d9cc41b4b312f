// Adj-RIB-In implementation (see adj_rib_in.hpp).
#include "rib/adj_rib_in.hpp"

namespace msee::rib {

namespace wire = bgp::wire;

void AdjRibIn::announce(wire::AfiSafi family, const wire::Prefix& prefix, RouteEntry entry) {
  tables_[family][prefix] = std::move(entry);
}

bool AdjRibIn::withdraw(wire::AfiSafi family, const wire::Prefix& prefix) {
  auto it = tables_.find(family);
  return it != tables_.end() && it->second.erase(prefix) > 0;
}

std::size_t AdjRibIn::size(wire::AfiSafi family) const {
  auto it = tables_.find(family);
  return it == tables_.end() ? 0 : it->second.size();
}

std::size_t AdjRibIn::size() const {
  std::size_t n = 0;
  for (const auto& [family, table] : tables_) {
    n += table.size();
  }
  return n;
}

const AdjRibIn::Table* AdjRibIn::table(wire::AfiSafi family) const {
  auto it = tables_.find(family);
  return it == tables_.end() ? nullptr : &it->second;
}

void AdjRibIn::mark_stale(wire::AfiSafi family) {
  auto it = tables_.find(family);
  if (it == tables_.end()) {
    return;
  }
  for (auto& [prefix, entry] : it->second) {
    entry.stale = true;
  }
}

std::size_t AdjRibIn::sweep_stale(wire::AfiSafi family) {
  auto it = tables_.find(family);
  if (it == tables_.end()) {
    return 0;
  }
  return std::erase_if(it->second, [](const auto& kv) { return kv.second.stale; });
}

}  // namespace msee::rib
