// msee-ctl's command table (ctl/commands_json.cpp): every command with its lines of the --help
// text and its handler; the command line as main parsed it; usage errors (exit 2).
#pragma once

#include "ctl/http_client.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace msee::ctl {

// What a handler gets: the command, its options and the global ones, parsed by main.
struct Invocation {
  std::string command;  // "show", or a command with its sub-command ("peering update")
  // Options by their canonical spelling (--circuit for --circuit-name and --name, ...) with
  // their values; flags (--received, --advertised, --follow) have "1".
  std::map<std::string, std::string> opts;
  std::string output;  // json | table
  std::string token;   // bearer token, or empty
  Url url;

  // The value of option `o`, if it was given and is not empty.
  std::optional<std::string> need(const char* o) const;
  // Whether flag `o` was given.
  bool flag(const char* o) const;
};

// Where a command's lines sit in --help.
enum class Section { az, beyond_az, lab };

struct Command {
  std::string_view name;  // "list", "peering update" (a command and its sub-command)
  Section section;
  // Its lines of --help as they print, after a leading newline; empty for an alias.
  std::string_view help;
  // The handler's exit code: 0 ok, 1 the API answered with an error, 2 usage, 3 unreachable.
  // nullptr for msee-lab's commands, which main hands over whole before parsing options.
  int (*run)(const Invocation&);
};

// The command that runs `name` (a handler, not msee-lab's), or nullptr.
const Command* find_command(std::string_view name);
// `word` starts two-word commands ("peering", "failover-test", "link").
bool is_group(std::string_view word);
// `word` is one of msee-lab's commands (`lab`, `drill`, `validate-limits`).
bool is_lab_command(std::string_view word);
// The whole --help text.
const std::string& help_text();
// Prints "msee-ctl: MSG" and the pointer to --help on stderr; returns 2.
int usage(const std::string& msg);
// `health [--established]` (ctl/health_json.cpp).
int health(const Invocation& inv);

}  // namespace msee::ctl
