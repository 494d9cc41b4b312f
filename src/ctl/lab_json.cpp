// msee-ctl and the lab: `lab`, `drill` and `validate-limits` are msee-lab's (src/lab), which
// orchestrates namespaces and external routers; the other commands reach a lab's API by
// entering its MSEE namespace.
#include "ctl/lab.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

namespace msee::ctl {

// msee-lab sits beside this binary in the build ($MSEE_LAB overrides).
int exec_lab(const std::vector<std::string>& args) {
  std::string lab;
  if (const char* e = std::getenv("MSEE_LAB"); e != nullptr && *e != 0) {
    lab = e;
  } else {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    lab = (ec ? std::filesystem::path(".") : self.parent_path()) / "msee-lab";
  }
  std::vector<char*> argv;
  argv.push_back(lab.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  execv(lab.c_str(), argv.data());
  std::cerr << "msee-ctl: cannot run " << lab << " (" << std::strerror(errno)
            << "); set MSEE_LAB to msee-lab's path\n";
  return 2;
}

// The namespace of the lab `msee-ctl lab up` started: /run/msee-lab/<name>/lab.json names it
// ($MSEE_LAB_DIR replaces /run/msee-lab, as for msee-lab). Only when exactly one lab is up, so
// msee-ctl never guesses between two.
std::optional<std::string> lab_netns() {
  const char* dir = std::getenv("MSEE_LAB_DIR");
  std::error_code ec;
  std::optional<std::string> found;
  for (const auto& d : std::filesystem::directory_iterator(
           dir != nullptr && *dir != 0 ? dir : "/run/msee-lab", ec)) {
    std::ifstream in(d.path() / "lab.json");
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("erNetns") ||
        !j["erNetns"].is_string()) {
      continue;
    }
    if (found) {
      return std::nullopt;
    }
    found = j["erNetns"].get<std::string>();
  }
  return found;
}

// Enters network namespace `ns` (as `ip netns exec` does) so the API's loopback is reachable.
bool enter_netns(const std::string& ns) {
  auto path = "/run/netns/" + ns;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    std::cerr << "msee-ctl: cannot enter network namespace " << ns << ": "
              << std::strerror(errno) << (geteuid() != 0 ? " (needs root)" : "") << "\n";
    if (fd >= 0) {
      close(fd);
    }
    return false;
  }
  close(fd);
  return true;
}

}  // namespace msee::ctl
