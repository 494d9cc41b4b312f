// msee-ctl: the command-line client of the msee-emu REST API, named and shaped after
// `az network express-route` (ctl/commands_json.cpp has the commands). This file owns the
// command line: handing msee-lab's commands over, the global and per-command options, the
// API's namespace, and dispatch through the command table.
// Exit codes: 0 ok, 1 the API answered with an error, 2 usage, 3 cannot reach the API.
#include "ctl/commands.hpp"
#include "ctl/lab.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace msee::ctl {
namespace {

// Global options that take a value (skipped while looking for msee-lab's commands).
constexpr std::array<std::string_view, 5> kGlobalValueOptions = {"-o", "--output", "--api",
                                                                 "--token", "--netns"};
// Flags; -f is --follow.
constexpr std::array<std::string_view, 5> kFlags = {"--received", "--advertised", "--follow",
                                                    "-f", "--established"};
// Options that take a value, global or a command's.
constexpr std::array<std::string_view, 26> kValueOptions = {
    "--api", "--token", "-o", "--output", "--netns",  // global
    "--circuit", "--name", "-n", "--peering-name", "--path", "--family", "-g",
    "--resource-group", "--circuit-name", "--state", "--ip-version", "--limit", "--last",
    "--link-type", "--category", "--duration", "--prepends", "--bgp-state", "--before", "--type",
    "--peer"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& list, const std::string& a) {
  return std::find(list.begin(), list.end(), a) != list.end();
}

const char* env(const char* name) { return std::getenv(name); }

int run(const std::vector<std::string>& args) {
  // `lab`, `drill` and `validate-limits` are msee-lab's, with their own options.
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (one_of(kGlobalValueOptions, a)) {
      ++i;  // a global option's value
      continue;
    }
    if (is_lab_command(a)) {
      return exec_lab(args);
    }
    if (a.empty() || a[0] != '-') {
      break;
    }
  }
  bool api_given = env("MSEE_API") != nullptr;
  std::optional<std::string> netns;
  std::string api = env("MSEE_API") != nullptr ? env("MSEE_API") : "http://127.0.0.1:8179";
  Invocation inv;
  inv.token = env("MSEE_API_TOKEN") != nullptr ? env("MSEE_API_TOKEN") : "";
  inv.output = isatty(STDOUT_FILENO) != 0 ? "table" : "json";
  std::vector<std::string> words;  // the command and its sub-command ("peering update")
  std::string name;                // --name / -n as given (a circuit, or a peering for `peering`)
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << help_text();
      return 0;
    }
    if (one_of(kFlags, a)) {
      inv.opts[a == "-f" ? "--follow" : a] = "1";
      continue;
    }
    if (one_of(kValueOptions, a)) {
      if (i + 1 >= args.size()) {
        return usage(a + " needs a value");
      }
      const auto& v = args[++i];
      if (a == "--api") {
        api = v;
        api_given = true;
      } else if (a == "--netns") {
        netns = v;
      } else if (a == "--token") {
        inv.token = v;
      } else if (a == "-o" || a == "--output") {
        inv.output = v;
      } else if (a == "--name" || a == "-n") {
        name = v;  // az spells the circuit --name / -n (the peering, in `peering` commands)
      } else if (a == "--circuit-name") {
        inv.opts["--circuit"] = v;
      } else if (a != "-g" && a != "--resource-group") {  // accepted for az muscle memory
        inv.opts[a] = v;
      }
      continue;
    }
    if (!a.empty() && a[0] == '-') {
      return usage("unknown option '" + a + "'");
    }
    words.push_back(a);
  }
  if (!words.empty()) {
    inv.command = words[0];
    if (is_group(inv.command) && words.size() == 2) {
      inv.command += " " + words[1];
    } else if (words.size() > 1) {
      return usage("one command at a time ('" + words[0] + "' and '" + words[1] + "')");
    }
  }
  if (!name.empty()) {
    inv.opts[inv.command.starts_with("peering") ? "--peering-name" : "--circuit"] = name;
  }
  if (inv.command.empty()) {
    std::cout << help_text();
    return 2;
  }
  if (inv.output != "json" && inv.output != "table") {
    return usage("-o must be json or table");
  }
  if (!netns && !api_given) {
    netns = lab_netns();
  }
  if (netns && !enter_netns(*netns)) {
    return 3;
  }
  auto url = parse_url(api);
  if (!url) {
    return usage("--api must be http://HOST:PORT, not '" + api + "'");
  }
  inv.url = *url;
  const Command* command = find_command(inv.command);
  if (command == nullptr) {
    return usage("unknown command '" + inv.command + "'");
  }
  return command->run(inv);
}

}  // namespace
}  // namespace msee::ctl

int main(int argc, char** argv) {
  return msee::ctl::run(std::vector<std::string>(argv + 1, argv + argc));
}
