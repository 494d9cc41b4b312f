// The circuit link failover test of ARM (api-version 2025-07-01) over the emulator's drill
// (R68). Not written yet.
#include "arm/detail_json.hpp"

namespace msee::arm::detail {

ArmResponse failover_action(const Call&, const std::string&, const std::string&,
                            const std::string&, const std::string& action) {
  return error(404, "NotFound", "no action '" + action + "' on a circuit");
}

}  // namespace msee::arm::detail
