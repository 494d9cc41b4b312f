// One problem found in a configuration file (router or circuit config): where, as a JSON
// Pointer ("/circuits/0/peerings/1/peerASN"), and why. Parsers collect every one instead of
// stopping at the first, so a user fixes a file in one pass.
#pragma once

#include <string>

namespace msee::util {

struct ConfigError {
  std::string path;
  std::string reason;
};

}  // namespace msee::util
