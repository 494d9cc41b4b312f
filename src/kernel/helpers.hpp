// Small helpers shared by the files of the kernel module (links.cpp, neighbours.cpp,
// counters.cpp); not part of its API (links.hpp). Each one is defined next to its main user,
// as named below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bgp/wire/types.hpp"

namespace msee::kernel::detail {

// "aa:bb:cc:dd:ee:ff": `n` bytes in lower-case hex, colon-separated (links.cpp).
std::string hex_colon(const std::uint8_t* p, std::size_t n);

// A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; the kernel stores them as IPv4
// (links.cpp).
bgp::wire::IpAddress unmap_v4(const bgp::wire::IpAddress& a);

// A name that is safe to splice into a /sys path: the kernel's own dev_valid_name() rules
// (no '/', ':', whitespace; not "." or ".."; shorter than IFNAMSIZ), so "../.." cannot escape
// (counters.cpp).
bool valid_ifname(std::string_view n);

// First line of a small sysfs attribute, without its newline; nullopt if it cannot be read
// (counters.cpp).
std::optional<std::string> read_sys_line(const std::string& path);

}  // namespace msee::kernel::detail
