// Text helpers shared by the modules (header-only, std only): ASCII case folding for the names
// Azure accepts in any case ("primary", "IPv6", "aspathprepend"), and JSON string escaping.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// Levenshtein distance with adjacent transpositions, ignoring ASCII case: how far a typo is.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto la = lower(a);
  auto lb = lower(b);
  std::vector<std::vector<std::size_t>> d(la.size() + 1, std::vector<std::size_t>(lb.size() + 1));
  for (std::size_t i = 0; i <= la.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= lb.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= la.size(); ++i) {
    for (std::size_t j = 1; j <= lb.size(); ++j) {
      std::size_t cost = la[i - 1] == lb[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && la[i - 1] == lb[j - 2] && la[i - 2] == lb[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[la.size()][lb.size()];
}

// The candidate a typo most likely meant ("peerASM" -> "peerASN", "vlanID" -> "vlanId"): the
// closest within 2 edits (1 for names of 4 characters or fewer), or "" when none is close.
inline std::string closest(std::string_view typo, const std::vector<const char*>& candidates) {
  std::string best;
  std::size_t best_d = typo.size() <= 4 ? 2 : 3;
  for (const char* c : candidates) {
    auto dist = edit_distance(typo, c);
    if (dist < best_d) {
      best_d = dist;
      best = c;
    }
  }
  return best;
}

// A count with thousands separators, as people write them in logs: 3200 -> "3,200".
inline std::string grouped(std::uint64_t n) {
  auto digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

// Appends `s` escaped for the inside of a JSON string, the way nlohmann::json's dump() writes
// it (\" \\ \b \f \n \r \t, other control bytes as \u00XX); bytes from 0x80 on are copied
// as they are (callers that may hold invalid UTF-8 check first).
inline void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
          out += kHex[static_cast<unsigned char>(c) & 0xf];
        } else {
          out += c;
        }
    }
  }
}

}  // namespace msee::util
