// Interned path attribute sets (OpenBGPD's attr/aspath cache, BIRD's rta cache): identical
// sets are stored once and referred to by a 32-bit id, with a reference count per set. The
// next hop is part of the set (NEXT_HOP for IPv4, the MP_REACH next hop otherwise).
//
// Concurrency contract: single-threaded (the protocol thread).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "bgp/wire/message.hpp"

namespace msee::rib {

using AttrId = std::uint32_t;
inline constexpr AttrId kNoAttr = 0;  // never a valid id

class AttrStore {
 public:
  AttrStore();
  // Returns the id of an identical set, or stores a new one; adds one reference.
  AttrId intern(const bgp::wire::PathAttributes& attrs);
  void ref(AttrId id) { entries_[id].refs++; }
  // Drops one reference; the set is freed when none remain.
  void unref(AttrId id);
  const bgp::wire::PathAttributes& get(AttrId id) const { return entries_[id].attrs; }
  std::size_t size() const { return live_; }

 private:
  struct Entry {
    bgp::wire::PathAttributes attrs;
    std::uint64_t hash = 0;
    std::uint32_t refs = 0;
  };
  static std::uint64_t hash_of(const bgp::wire::PathAttributes& a);
  std::vector<Entry> entries_;                            // index = AttrId; 0 unused
  std::vector<AttrId> free_;
  std::unordered_multimap<std::uint64_t, AttrId> index_;  // hash → ids
  std::size_t live_ = 0;
};

}  // namespace msee::rib
