// AttrStore implementation: a hash of every field, collisions resolved by full comparison.
#include "rib/attr_store.hpp"

#include <cassert>

namespace msee::rib {

namespace wire = bgp::wire;

namespace {
inline void mix(std::uint64_t& h, std::uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
}
}  // namespace

AttrStore::AttrStore() { entries_.emplace_back(); }

std::uint64_t AttrStore::hash_of(const wire::PathAttributes& a) {
  std::uint64_t h = 0x12345;
  mix(h, a.origin ? static_cast<std::uint64_t>(*a.origin) + 1 : 0);
  if (a.as_path) {
    for (const auto& seg : a.as_path->segments) {
      mix(h, static_cast<std::uint64_t>(seg.type));
      for (auto asn : seg.asns) {
        mix(h, asn);
      }
    }
  }
  if (a.next_hop) {
    for (auto b : a.next_hop->bytes) {
      mix(h, b);
    }
  }
  mix(h, a.med ? *a.med + 1ULL : 0);
  mix(h, a.local_pref ? *a.local_pref + 1ULL : 0);
  mix(h, a.atomic_aggregate);
  for (auto c : a.communities) {
    mix(h, c);
  }
  for (const auto& c : a.large_communities) {
    mix(h, c.global_admin);
    mix(h, c.local1);
    mix(h, c.local2);
  }
  mix(h, a.ext_communities.size());
  mix(h, a.unknown.size());
  return h;
}

AttrId AttrStore::intern(const wire::PathAttributes& attrs) {
  auto h = hash_of(attrs);
  auto [b, e] = index_.equal_range(h);
  for (auto it = b; it != e; ++it) {
    if (entries_[it->second].attrs == attrs) {
      entries_[it->second].refs++;
      return it->second;
    }
  }
  AttrId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<AttrId>(entries_.size());
    entries_.emplace_back();
  }
  entries_[id].attrs = attrs;
  entries_[id].hash = h;
  entries_[id].refs = 1;
  index_.emplace(h, id);
  ++live_;
  return id;
}

void AttrStore::unref(AttrId id) {
  auto& e = entries_[id];
  assert(e.refs > 0 && "AttrStore::unref without a reference");
  if (--e.refs > 0) {
    return;
  }
  auto [b, end] = index_.equal_range(e.hash);
  for (auto it = b; it != end; ++it) {
    if (it->second == id) {
      index_.erase(it);
      break;
    }
  }
  e.attrs = wire::PathAttributes{};
  free_.push_back(id);
  --live_;
}

}  // namespace msee::rib
