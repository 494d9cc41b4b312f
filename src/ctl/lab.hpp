// msee-ctl's side of the lab (ctl/lab_json.cpp): handing `lab`, `drill` and `validate-limits`
// to msee-lab, and reaching the API of a lab's MSEE namespace.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace msee::ctl {

// Execs msee-lab (beside msee-ctl, or $MSEE_LAB) with `args`; returns only on failure (2).
int exec_lab(const std::vector<std::string>& args);
// The MSEE namespace of the one lab that is up (none, or several: nothing).
std::optional<std::string> lab_netns();
// Enters network namespace `ns` (as `ip netns exec` does); false with a message on stderr.
bool enter_netns(const std::string& ns);

}  // namespace msee::ctl
