// Compact prefix keys and an open-addressing hash table keyed by them: the storage under the
// Loc-RIB. An IPv4 prefix is one 64-bit word, an IPv6 prefix 24 octets; slots hold key and value
// inline (no node per route), so a table of N routes costs about (key + value) / load octets per
// route. Linear probing with backward-shift deletion (no tombstones).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "bgp/wire/types.hpp"

namespace msee::rib {

struct Key4 {
  std::uint64_t v = 0;  // address << 8 | length, +1 so that 0 means "empty slot"
  bool operator==(const Key4&) const = default;
  static Key4 from(const bgp::wire::Prefix& p) {
    return Key4{((std::uint64_t{p.addr.v4_value()} << 8) | p.length) + 1};
  }
  bgp::wire::Prefix prefix() const {
    auto raw = v - 1;
    return bgp::wire::Prefix{bgp::wire::IpAddress::v4(static_cast<std::uint32_t>(raw >> 8)),
                             static_cast<std::uint8_t>(raw & 0xFF)};
  }
  bool empty() const { return v == 0; }
  std::uint64_t hash() const {
    // splitmix64 finaliser: sequential prefixes spread over the table.
    std::uint64_t x = v;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
  }
};

struct Key6 {
  std::uint64_t hi = 0, lo = 0;
  std::uint8_t length = 0;
  bool used = false;
  bool operator==(const Key6&) const = default;
  static Key6 from(const bgp::wire::Prefix& p) {
    Key6 k;
    std::memcpy(&k.hi, p.addr.bytes.data(), 8);
    std::memcpy(&k.lo, p.addr.bytes.data() + 8, 8);
    k.length = p.length;
    k.used = true;
    return k;
  }
  bgp::wire::Prefix prefix() const {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &hi, 8);
    std::memcpy(b.data() + 8, &lo, 8);
    return bgp::wire::Prefix{bgp::wire::IpAddress::v6(b), length};
  }
  bool empty() const { return !used; }
  std::uint64_t hash() const {
    std::uint64_t x = hi * 0x9E3779B97F4A7C15ULL ^ (lo + length) * 0xC2B2AE3D27D4EB4FULL;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 32;
    return x;
  }
};

// Open-addressing map Key → Value. Key must have empty(), hash(), ==; a default Key is empty.
// Max load 0.8; grows by doubling. References are invalidated by insert and erase.
template <class Key, class Value>
class PrefixTable {
 public:
  struct Slot {
    Key key;
    Value value;
  };

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }

  Value* find(const Key& k) {
    if (slots_.empty()) {
      return nullptr;
    }
    for (std::size_t i = index(k);; i = (i + 1) & mask_) {
      if (slots_[i].key.empty()) {
        return nullptr;
      }
      if (slots_[i].key == k) {
        return &slots_[i].value;
      }
    }
  }
  const Value* find(const Key& k) const { return const_cast<PrefixTable*>(this)->find(k); }

  // Hint that k will be looked up soon: start loading its home slot into the cache. Batch
  // inserts issue this a few keys ahead, so the random accesses of a large table overlap
  // instead of stalling one after another.
  void prefetch(const Key& k) const {
    if (!slots_.empty()) {
      __builtin_prefetch(&slots_[index(k)], 1, 1);
    }
  }

  // Returns the value for k, default-constructed (and `inserted` true) if it was absent.
  Value& upsert(const Key& k, bool& inserted) {
    if ((size_ + 1) * 5 > slots_.size() * 4) {
      grow();
    }
    for (std::size_t i = index(k);; i = (i + 1) & mask_) {
      if (slots_[i].key.empty()) {
        slots_[i].key = k;
        slots_[i].value = Value{};
        ++size_;
        inserted = true;
        return slots_[i].value;
      }
      if (slots_[i].key == k) {
        inserted = false;
        return slots_[i].value;
      }
    }
  }

  bool erase(const Key& k) {
    if (slots_.empty()) {
      return false;
    }
    std::size_t i = index(k);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].key.empty()) {
        return false;
      }
      if (slots_[i].key == k) {
        break;
      }
    }
    // Backward-shift deletion: move later members of the probe run into the hole.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].key.empty()) {
        break;
      }
      std::size_t home = index(slots_[j].key);
      // Can slot j move to the hole? Only if its home is not in (hole, j] cyclically.
      bool between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!between) {
        slots_[hole] = std::move(slots_[j]);
        hole = j;
      }
    }
    slots_[hole].key = Key{};
    slots_[hole].value = Value{};
    --size_;
    return true;
  }

  template <class Fn>
  void for_each(Fn&& fn) {
    for (auto& s : slots_) {
      if (!s.key.empty()) {
        fn(s.key, s.value);
      }
    }
  }
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& s : slots_) {
      if (!s.key.empty()) {
        fn(s.key, s.value);
      }
    }
  }

  void clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
    mask_ = 0;
  }
  std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  std::size_t index(const Key& k) const { return static_cast<std::size_t>(k.hash()) & mask_; }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    std::size_t cap = old.empty() ? 64 : old.size() * 2;
    slots_ = std::vector<Slot>(cap);
    mask_ = cap - 1;
    size_ = 0;
    for (auto& s : old) {
      if (!s.key.empty()) {
        bool ins = false;
        upsert(s.key, ins) = std::move(s.value);
      }
    }
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

}  // namespace msee::rib
