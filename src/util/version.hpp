// msee-emu's version: the one place it is written (CMakeLists.txt reads it from here for
// project(); `msee-emu --version` and /metrics' msee_build_info print it).
#pragma once

#include <string_view>

namespace msee::util {

inline constexpr std::string_view kVersion = "0.1.0";

}  // namespace msee::util
