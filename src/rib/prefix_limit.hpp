// Maximum-prefix limit of one session and address family (the `maximum-prefix N P restart R`
// of Cisco/FRR, BIRD's `import limit`): a pure tracker that is told the current count after
// every change and says when the warning threshold is crossed and when the limit is exceeded;
// plus the RFC 4486 §4 NOTIFICATION data the speaker sends on the way out.
#pragma once

#include <cstdint>
#include <vector>

#include "bgp/wire/types.hpp"

namespace msee::rib {

struct PrefixLimitConfig {
  std::uint32_t limit = 0;            // 0 = no limit
  std::uint8_t warning_percent = 80;  // 0 = no warning
};

enum class LimitEvent {
  None,
  Warning,       // count reached warning_percent of the limit (once per upward crossing)
  WarningCleared,  // count fell back below the warning threshold
  Exceeded,      // count > limit: exactly `limit` prefixes is still accepted
};

class PrefixLimit {
 public:
  PrefixLimit() = default;
  explicit PrefixLimit(PrefixLimitConfig config) : config_(config) {}

  const PrefixLimitConfig& config() const { return config_; }
  bool enabled() const { return config_.limit > 0; }
  std::uint32_t warning_threshold() const;
  // Reports the transition caused by moving to `count` prefixes. Exceeded is reported on
  // every call while over the limit; the caller tears the session down on the first.
  LimitEvent update(std::uint64_t count);
  void reset() { warned_ = false; }

 private:
  PrefixLimitConfig config_;
  bool warned_ = false;
};

// RFC 4486 §4: Cease subcode 1 data = AFI (2 octets), SAFI (1), upper bound (4).
std::vector<std::uint8_t> max_prefix_cease_data(bgp::wire::AfiSafi family, std::uint32_t limit);

}  // namespace msee::rib
