// The index of our own routes by prefix and by neighbour (local_targets.hpp).
#include "rib/local_targets.hpp"

#include <algorithm>

#include "rib/prefix_table.hpp"

namespace msee::rib {

namespace wire = bgp::wire;

namespace {
std::size_t slot(const wire::Prefix& p) { return p.addr.is_v4() ? 0 : 1; }
}  // namespace

std::size_t PrefixHash::operator()(const wire::Prefix& p) const {
  return static_cast<std::size_t>(p.addr.is_v4() ? Key4::from(p).hash() : Key6::from(p).hash());
}

std::uint32_t LocalTargets::group_for(std::vector<PeerId> peers) {
  std::sort(peers.begin(), peers.end());
  peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
  if (peers.empty()) {
    return 0;
  }
  auto [it, added] = group_ids_.try_emplace(peers, static_cast<std::uint32_t>(groups_.size()));
  if (added) {
    for (auto peer : peers) {
      groups_of_[peer].push_back(it->second);
    }
    groups_.push_back(Group{std::move(peers), {}});
  }
  return it->second;
}

void LocalTargets::set(const wire::Prefix& prefix, std::vector<PeerId> peers) {
  erase(prefix);
  auto g = group_for(std::move(peers));
  auto& list = groups_[g].prefixes[slot(prefix)];
  where_.emplace(prefix, Where{g, static_cast<std::uint32_t>(list.size())});
  list.push_back(prefix);
}

void LocalTargets::add(const wire::Prefix& prefix, std::vector<PeerId> peers) {
  auto it = where_.find(prefix);
  if (it != where_.end()) {
    if (peers.empty()) {
      return;
    }
    const auto& had = groups_[it->second.group].peers;
    peers.insert(peers.end(), had.begin(), had.end());
  }
  set(prefix, std::move(peers));
}

void LocalTargets::erase(const wire::Prefix& prefix) {
  auto it = where_.find(prefix);
  if (it == where_.end()) {
    return;
  }
  auto [g, i] = it->second;
  where_.erase(it);
  // The last prefix of the list takes the freed place: O(1), so a reload that withdraws a
  // whole generated block is linear. Dumps keep the config's order until such a reload.
  auto& list = groups_[g].prefixes[slot(prefix)];
  if (i + 1 != list.size()) {
    list[i] = list.back();
    where_[list[i]].index = i;
  }
  list.pop_back();
}

bool LocalTargets::allows(const wire::Prefix& prefix, PeerId peer) const {
  auto it = where_.find(prefix);
  if (it == where_.end()) {
    return true;
  }
  const auto& peers = groups_[it->second.group].peers;
  return peers.empty() || std::binary_search(peers.begin(), peers.end(), peer);
}

void LocalTargets::for_each_for(PeerId peer, wire::Afi afi,
                                const std::function<void(const wire::Prefix&)>& fn) const {
  auto s = afi == wire::Afi::Ipv4 ? 0 : 1;
  for (const auto& p : groups_[0].prefixes[s]) {
    fn(p);
  }
  auto it = groups_of_.find(peer);
  if (it == groups_of_.end()) {
    return;
  }
  for (auto g : it->second) {
    for (const auto& p : groups_[g].prefixes[s]) {
      fn(p);
    }
  }
}

}  // namespace msee::rib
