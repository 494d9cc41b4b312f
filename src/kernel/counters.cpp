// Interface byte and packet counters from /sys/class/net/NAME/statistics, the source of the
// emulated circuit statistics (R85), and the sysfs reading they share with links.cpp. Every
// public entry point returns a value, never throws.
#include "kernel/links.hpp"

#include <net/if.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <exception>

#include "kernel/helpers.hpp"

namespace msee::kernel {

namespace detail {

bool valid_ifname(std::string_view n) {
  if (n.empty() || n.size() >= IFNAMSIZ || n == "." || n == "..") {
    return false;
  }
  return std::none_of(n.begin(), n.end(), [](char c) {
    return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\0';
  });
}

std::optional<std::string> read_sys_line(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) {
    return std::nullopt;
  }
  std::array<char, 128> buf{};
  const bool ok = std::fgets(buf.data(), static_cast<int>(buf.size()), f) != nullptr;
  std::fclose(f);
  if (!ok) {
    return std::nullopt;
  }
  std::string s(buf.data());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

}  // namespace detail

namespace {

using detail::read_sys_line;
using detail::valid_ifname;

std::optional<std::uint64_t> read_sys_u64(const std::string& path) {
  auto line = read_sys_line(path);
  if (!line || line->empty()) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  const char* end = line->data() + line->size();
  auto [p, ec] = std::from_chars(line->data(), end, v);
  if (ec != std::errc{} || p != end) {
    return std::nullopt;
  }
  return v;
}

std::optional<Counters> counters_impl(const std::string& ifname) {
  if (!valid_ifname(ifname)) {
    return std::nullopt;
  }
  const std::string dir = "/sys/class/net/" + ifname + "/statistics/";
  auto rx_bytes = read_sys_u64(dir + "rx_bytes");
  auto tx_bytes = read_sys_u64(dir + "tx_bytes");
  auto rx_packets = read_sys_u64(dir + "rx_packets");
  auto tx_packets = read_sys_u64(dir + "tx_packets");
  if (!rx_bytes || !tx_bytes || !rx_packets || !tx_packets) {
    return std::nullopt;
  }
  return Counters{*rx_bytes, *tx_bytes, *rx_packets, *tx_packets};
}

}  // namespace

// The public entry point only adds the no-throw guarantee: the sole thing that can throw below
// it is allocation, and an HTTP handler is better off with "unavailable" than a crash.

std::optional<Counters> counters(const std::string& ifname) {
  try {
    return counters_impl(ifname);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace msee::kernel
