// Prefix-limit tracker and the RFC 4486 Cease data.
#include "rib/prefix_limit.hpp"

namespace msee::rib {

std::uint32_t PrefixLimit::warning_threshold() const {
  if (config_.warning_percent == 0 || config_.limit == 0) {
    return 0;
  }
  // Rounded up so that "80 % of 4000" is 3200 and of 5 is 4.
  return static_cast<std::uint32_t>(
      (std::uint64_t{config_.limit} * config_.warning_percent + 99) / 100);
}

LimitEvent PrefixLimit::update(std::uint64_t count) {
  if (!enabled()) {
    return LimitEvent::None;
  }
  if (count > config_.limit) {
    warned_ = true;
    return LimitEvent::Exceeded;
  }
  auto threshold = warning_threshold();
  if (threshold == 0) {
    return LimitEvent::None;
  }
  if (!warned_ && count >= threshold) {
    warned_ = true;
    return LimitEvent::Warning;
  }
  if (warned_ && count < threshold) {
    warned_ = false;
    return LimitEvent::WarningCleared;
  }
  return LimitEvent::None;
}

std::vector<std::uint8_t> max_prefix_cease_data(bgp::wire::AfiSafi family, std::uint32_t limit) {
  auto afi = static_cast<std::uint16_t>(family.afi);
  return {static_cast<std::uint8_t>(afi >> 8),    static_cast<std::uint8_t>(afi),
          static_cast<std::uint8_t>(family.safi), static_cast<std::uint8_t>(limit >> 24),
          static_cast<std::uint8_t>(limit >> 16), static_cast<std::uint8_t>(limit >> 8),
          static_cast<std::uint8_t>(limit)};
}

}  // namespace msee::rib
