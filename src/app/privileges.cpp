// Least privilege: setgid/setuid with PR_SET_KEEPCAPS, then capset to the kept set
// (privileges.hpp). Raw capset(2) rather than libcap: two capabilities, one call.
#include "app/privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace msee::app {

namespace {

std::string failed(const char* what) {
  return fmt::format("{}: {}", what, std::strerror(errno));
}

}  // namespace

std::string drop_privileges(const PrivilegeDrop& drop) {
  const passwd* pw = getpwnam(drop.user.c_str());
  if (pw == nullptr) {
    return fmt::format("--user {}: no such user", drop.user);
  }
  if (getuid() != 0 && geteuid() != 0) {
    return getuid() == pw->pw_uid ? std::string()
                                  : fmt::format("--user {}: not running as root", drop.user);
  }
  // Keep the permitted capabilities across setuid; the effective set is rebuilt below.
  if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) {
    return failed("prctl(PR_SET_KEEPCAPS)");
  }
  if (setgroups(0, nullptr) != 0) {
    return failed("setgroups");
  }
  if (setgid(pw->pw_gid) != 0) {
    return failed("setgid");
  }
  if (setuid(pw->pw_uid) != 0) {
    return failed("setuid");
  }
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[2]{};
  std::uint32_t keep = drop.net_admin ? 1U << CAP_NET_ADMIN : 0U;
  data[0].effective = data[0].permitted = keep;  // both below 32: the first word
  if (syscall(SYS_capset, &header, data) != 0) {
    return failed("capset");
  }
  if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) != 0) {
    return failed("prctl");
  }
  // Root must not come back: setuid(0) has to fail now.
  if (setuid(0) == 0) {
    return "setuid(0) still succeeds after the drop";
  }
  return {};
}

}  // namespace msee::app
