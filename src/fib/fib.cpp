// The forwarding decision and the programmed-state diff (fib.hpp).
#include "fib/fib.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace msee::fib {

std::vector<NextHop> select(std::span<const Candidate> candidates) {
  std::vector<NextHop> out;
  if (candidates.empty()) {
    return out;
  }
  // MSEE: R74 own circuit before Global Reach; R45 shortest AS path; R60 the rest is ECMP.
  auto key = [](const Candidate& c) { return std::pair{c.rank, c.as_path_length}; };
  auto best = key(*std::min_element(candidates.begin(), candidates.end(),
                                    [&](const auto& a, const auto& b) { return key(a) < key(b); }));
  for (const auto& c : candidates) {
    if (key(c) == best) {
      out.push_back(c.next_hop);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<Op> Programmed::set(std::uint32_t table, const bgp::wire::Prefix& prefix,
                                  std::vector<NextHop> next_hops) {
  auto key = std::pair{table, prefix};
  auto it = routes_.find(key);
  if (next_hops.empty()) {
    if (it == routes_.end()) {
      return std::nullopt;
    }
    routes_.erase(it);
    return Op{Op::Kind::Delete, Route{table, prefix, {}}};
  }
  if (it != routes_.end() && it->second == next_hops) {
    return std::nullopt;
  }
  Op op{Op::Kind::Replace, Route{table, prefix, next_hops}};
  if (it == routes_.end()) {
    routes_.emplace(key, std::move(next_hops));
  } else {
    it->second = std::move(next_hops);
  }
  return op;
}

std::vector<Op> Programmed::clear() {
  std::vector<Op> ops;
  ops.reserve(routes_.size());
  for (const auto& [key, hops] : routes_) {
    ops.push_back(Op{Op::Kind::Delete, Route{key.first, key.second, {}}});
  }
  routes_.clear();
  return ops;
}

std::size_t Programmed::next_hop_count() const {
  std::size_t n = 0;
  for (const auto& [key, hops] : routes_) {
    n += hops.size();
  }
  return n;
}

const std::vector<NextHop>* Programmed::find(std::uint32_t table,
                                             const bgp::wire::Prefix& prefix) const {
  auto it = routes_.find(std::pair{table, prefix});
  return it == routes_.end() ? nullptr : &it->second;
}

std::string describe(const Op& op) {
  std::string s = fmt::format("{} {} table {}", op.kind == Op::Kind::Delete ? "delete" : "replace",
                              op.route.prefix.to_string(), op.route.table);
  const char* sep = ": ";
  for (const auto& nh : op.route.next_hops) {
    s += fmt::format("{}via {} if {}", sep, nh.gateway.to_string(), nh.ifindex);
    sep = ", ";
  }
  return s;
}

}  // namespace msee::fib
