// The REST API's JSON-free helpers: the request target (%-decoding, path segments, query),
// decimal counts, ages, and finding the session a per-MSEE view asks for (Azure's `--path
// primary|secondary` of R82-R84).
#include "api/handlers.hpp"

#include <exception>

#include "util/text.hpp"

namespace msee::api::detail {

namespace wire = bgp::wire;

namespace {

// '+' is a space (HTML forms); a '%' without two characters after it is kept as it is.
std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

}  // namespace

std::optional<Target> parse_target(std::string_view t) {
  Target out;
  auto q = t.find('?');
  auto path = t.substr(0, q);
  try {
    std::size_t i = 0;
    while (i < path.size()) {
      auto j = path.find('/', i);
      auto seg = path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
      if (!seg.empty()) {
        out.segments.push_back(url_decode(seg));
      }
      if (j == std::string_view::npos) {
        break;
      }
      i = j + 1;
    }
    if (q != std::string_view::npos) {
      auto qs = t.substr(q + 1);
      std::size_t k = 0;
      while (k < qs.size()) {
        auto amp = qs.find('&', k);
        auto kv = qs.substr(k, amp == std::string_view::npos ? std::string_view::npos : amp - k);
        auto eq = kv.find('=');
        out.query[url_decode(kv.substr(0, eq))] =
            eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
        if (amp == std::string_view::npos) {
          break;
        }
        k = amp + 1;
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;  // a bad %-escape
  }
  return out;
}

std::optional<std::uint64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 18) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::chrono::seconds since(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) {
    return std::chrono::seconds(0);
  }
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t);
}

std::variant<const msee::SessionPlan*, ApiResponse> find_session(const emulator::Emulator& emu,
                                                                const std::string& circuit,
                                                                const std::string& peering,
                                                                const Target& t) {
  if (emu.config().circuit(circuit) == nullptr) {
    return error(404, "NotFound", "no circuit named '" + circuit + "'");
  }
  auto path_it = t.query.find("path");
  if (path_it == t.query.end()) {
    return error(400, "MissingParameter", "the 'path' parameter is required: primary or secondary");
  }
  // az accepts --path in any case ("Primary", R82).
  auto path = util::lower(path_it->second);
  if (path != "primary" && path != "secondary") {
    return error(400, "InvalidParameter", "path must be primary or secondary, not '" +
                                              path_it->second + "'");
  }
  auto family = t.query.count("family") != 0 ? util::lower(t.query.at("family")) : "ipv4";
  if (family != "ipv4" && family != "ipv6") {
    return error(400, "InvalidParameter", "family must be ipv4 or ipv6");
  }
  bool peering_known = false;
  for (const auto& s : emu.plan().sessions) {
    if (s.circuit != circuit || msee::to_string(s.peering_type) != peering) {
      continue;
    }
    peering_known = true;
    if (msee::to_string(s.path) == path &&
        (s.afi == wire::Afi::Ipv4) == (family == "ipv4")) {
      return &s;
    }
  }
  if (!peering_known) {
    return error(404, "NotFound", "circuit '" + circuit + "' has no peering '" + peering +
                                      "' (AzurePrivatePeering, MicrosoftPeering)");
  }
  return error(404, "NotFound", "peering '" + peering + "' has no " + family + " sessions");
}

const std::string& Call::param(std::string_view name) const {
  static const std::string kNone;
  for (const auto& [key, value] : params) {
    if (key == name) {
      return value;
    }
  }
  return kNone;
}

}  // namespace msee::api::detail
