// The link failover test model (R68, Q7): names, start rule, redundancy and success figures.
#include "msee/failover.hpp"

#include <algorithm>
#include <set>

#include "util/text.hpp"

namespace msee {

std::string_view to_string(FailoverCategory c) {
  return c == FailoverCategory::BgpDisconnect ? "BgpDisconnect" : "ASPathPrepend";
}

std::string_view to_string(FailoverStatus s) {
  switch (s) {
    case FailoverStatus::NotStarted: return "NotStarted";
    case FailoverStatus::Starting: return "Starting";
    case FailoverStatus::Running: return "Running";
    case FailoverStatus::StartFailed: return "StartFailed";
    case FailoverStatus::Stopping: return "Stopping";
    case FailoverStatus::Completed: return "Completed";
    case FailoverStatus::StopFailed: return "StopFailed";
    case FailoverStatus::Invalid: return "Invalid";
    case FailoverStatus::Expired: return "Expired";
  }
  return "?";
}

std::optional<FailoverCategory> failover_category(std::string_view s) {
  auto l = util::lower(s);
  if (l == "bgpdisconnect") {
    return FailoverCategory::BgpDisconnect;
  }
  if (l == "aspathprepend") {
    return FailoverCategory::ASPathPrepend;
  }
  return std::nullopt;
}

std::optional<LinkPath> link_type(std::string_view s) {
  auto l = util::lower(s);
  if (l == "primary") {
    return LinkPath::Primary;
  }
  if (l == "secondary") {
    return LinkPath::Secondary;
  }
  return std::nullopt;
}

RouteRedundancy route_redundancy(const FailoverSnapshot& s) {
  std::set<bgp::wire::Prefix> p(s.primary_routes.begin(), s.primary_routes.end());
  std::set<bgp::wire::Prefix> q(s.secondary_routes.begin(), s.secondary_routes.end());
  RouteRedundancy r;
  for (const auto& x : p) {
    if (q.count(x) != 0) {
      ++r.redundant;
    } else {
      ++r.non_redundant;
      if (r.non_redundant_prefixes.size() < 100) {
        r.non_redundant_prefixes.push_back(x);
      }
    }
  }
  for (const auto& x : q) {
    if (p.count(x) == 0) {
      ++r.non_redundant;
      if (r.non_redundant_prefixes.size() < 100) {
        r.non_redundant_prefixes.push_back(x);
      }
    }
  }
  std::sort(r.non_redundant_prefixes.begin(), r.non_redundant_prefixes.end());
  return r;
}

std::optional<std::string> may_start(const std::vector<FailoverTest>& tests,
                                     const std::string& circuit) {
  for (const auto& t : tests) {
    if (t.circuit == circuit &&
        (t.status == FailoverStatus::Starting || t.status == FailoverStatus::Running ||
         t.status == FailoverStatus::Stopping)) {
      return "a " + std::string(to_string(t.category)) + " test is already " +
             std::string(to_string(t.status)) + " on the " +
             (t.link == LinkPath::Primary ? "Primary" : "Secondary") + " link of '" + circuit +
             "': stop it first (never both links at once)";
    }
  }
  return std::nullopt;
}

bool was_simulation_successful(const FailoverTest& t) {
  if (!t.during) {
    return false;
  }
  bool tested_down = true;
  bool other_up = false;
  for (const auto& s : t.during->sessions) {
    if (s.path == t.link) {
      tested_down = tested_down && !s.established;
    } else {
      other_up = other_up || s.established;
    }
  }
  return other_up && (t.category == FailoverCategory::ASPathPrepend || tested_down);
}

}  // namespace msee
