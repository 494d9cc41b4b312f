// Inbound route policy hook of the speaker: a pure interface that a routing domain (the MSEE
// policy of a peering, msee/policy.hpp) implements to adjust or refuse what a neighbour sends,
// before the route reaches the Loc-RIB and before it is counted against a prefix limit.
#pragma once

#include <optional>
#include <string>

#include "bgp/wire/message.hpp"

namespace msee::rib {

class ImportPolicy {
 public:
  virtual ~ImportPolicy() = default;
  // Adjusts the attributes of one UPDATE in place (strip communities, private ASNs ...);
  // returns a reason when none of its routes may be accepted.
  virtual std::optional<std::string> attributes(bgp::wire::PathAttributes& attrs) const = 0;
  // Returns a reason when this one prefix may not be accepted.
  virtual std::optional<std::string> prefix(const bgp::wire::Prefix& prefix) const = 0;
};

}  // namespace msee::rib
