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

std::optional<LimitAction> verify_limit(PrefixLimit& limit, bgp::wire::AfiSafi family,
                                        std::uint64_t count) {
  if (!limit.enabled()) {
    return std::nullopt;
  }
  LimitAction a;
  a.family = family;
  a.count = count;
  a.limit = limit.config().limit;
  a.warning_percent = limit.config().warning_percent;
  switch (limit.update(count)) {
    case LimitEvent::None:
      return std::nullopt;
    case LimitEvent::Warning:
      a.kind = LimitAction::Kind::Warn;
      return a;
    case LimitEvent::WarningCleared:
      a.kind = LimitAction::Kind::WarnCleared;
      return a;
    case LimitEvent::Exceeded:
      // MSEE: R37, Q1 — over the limit: Cease/Maximum Number of Prefixes Reached with the
      // RFC 4486 data; the session stays down for the restart time.
      a.kind = LimitAction::Kind::Restart;
      a.notification = bgp::wire::NotificationMessage{
          static_cast<std::uint8_t>(bgp::wire::ErrorCode::Cease),
          static_cast<std::uint8_t>(bgp::wire::CeaseSubcode::MaximumNumberOfPrefixesReached),
          max_prefix_cease_data(family, a.limit)};
      return a;
  }
  return std::nullopt;
}

std::vector<std::uint8_t> max_prefix_cease_data(bgp::wire::AfiSafi family, std::uint32_t limit) {
  auto afi = static_cast<std::uint16_t>(family.afi);
  return {static_cast<std::uint8_t>(afi >> 8),    static_cast<std::uint8_t>(afi),
          static_cast<std::uint8_t>(family.safi), static_cast<std::uint8_t>(limit >> 24),
          static_cast<std::uint8_t>(limit >> 16), static_cast<std::uint8_t>(limit >> 8),
          static_cast<std::uint8_t>(limit)};
}

}  // namespace msee::rib
