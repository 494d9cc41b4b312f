// Maximum-prefix limit of one session and address family (the `maximum-prefix N P restart R`
// of Cisco/FRR, BIRD's `import limit`): a pure tracker that is told the current count after
// every change and says when the warning threshold is crossed and when the limit is exceeded;
// plus the RFC 4486 §4 NOTIFICATION data the speaker sends on the way out.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgp/wire/message.hpp"
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

// What the caller must do after a count changed, after BIRD's channel_verify_limits():
// Warn (PLA_WARN: a log line and an event), WarnCleared (an event), Restart (PLA_RESTART: send
// `notification`, drop the session and keep it down for the restart time). MSEE: R37, Q1.
struct LimitAction {
  enum class Kind { Warn, WarnCleared, Restart };
  Kind kind = Kind::Warn;
  bgp::wire::AfiSafi family;
  std::uint64_t count = 0;  // prefixes counted now
  std::uint32_t limit = 0;
  std::uint8_t warning_percent = 0;
  bgp::wire::NotificationMessage notification;  // Restart: Cease/1 with the RFC 4486 data
};
// Tells `limit` the new count of `family` and returns what to do, if anything.
std::optional<LimitAction> verify_limit(PrefixLimit& limit, bgp::wire::AfiSafi family,
                                        std::uint64_t count);

// RFC 4486 §4: Cease subcode 1 data = AFI (2 octets), SAFI (1), upper bound (4).
std::vector<std::uint8_t> max_prefix_cease_data(bgp::wire::AfiSafi family, std::uint32_t limit);

}  // namespace msee::rib
