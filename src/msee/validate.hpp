// Validation of an EmulatorConfig against Azure's rules, before anything starts: every
// finding at once, each with the JSON path of the offending field, the rule it breaks (R-rule
// of docs/expressroute-behaviour.md) and a sentence a network engineer can act on.
#pragma once

#include <string>
#include <vector>

#include "msee/circuit.hpp"

namespace msee {

struct Finding {
  std::string path;     // JSON Pointer into the config file
  std::string rule;     // "R9", "R19", "Q11" ...
  std::string message;
};

std::vector<Finding> validate(const EmulatorConfig& config);

}  // namespace msee
