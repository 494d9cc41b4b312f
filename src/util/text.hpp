// Text helpers shared by the modules (header-only, std only): ASCII case folding for the names
// Azure accepts in any case ("primary", "IPv6", "aspathprepend").
#pragma once

#include <string>
#include <string_view>

namespace msee::util {

// ASCII lower case. Bytes outside A-Z are kept as they are: no locale, so the same answer on
// every host (what std::tolower does in the "C" locale, which msee-emu never changes).
inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace msee::util
