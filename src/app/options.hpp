// msee-emu's command line: the options, their --help text, and the parser. Pure: argv in, an
// Options value or the exit the process must take (with its message already printed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/api.hpp"
#include "arm/arm.hpp"

namespace msee::app {

struct Options {
  std::string config;
  bool check_only = false;
  bool plan_only = false;
  std::string events;
  std::string shutdown_message = "msee-emu shutting down";
  std::string api = "127.0.0.1:8179";
  std::string api_token;
  std::string mrt;
  std::uint32_t mrt_rotate = 0;
  std::string table_dump = "msee-rib.%Y%m%d.%H%M%S.mrt";
  bool dataplane = false;       // --dataplane: program the namespace's routing tables
  bool dataplane_host = false;  // --dataplane-host: also in the host's initial namespace
  std::string user;             // --user: run as this user once sockets are open
  std::string arm = "off";      // --arm ADDR:PORT: the ARM-shaped HTTPS endpoint (issue #17)
  std::string state_dir;        // --state-dir: its CA, keys and client secret
  std::string arm_client_id = "msee-emu";
  std::string arm_audience = "https://management.core.windows.net/";
  std::string arm_lro = "async";
  unsigned threads = 0;         // --threads N: protocol threads of a circuit config; 0 = cores
};

// Either the options to run with, or an exit code (--help, --version: 0; usage errors: 2,
// after printing the message to stderr).
using ParsedOptions = std::variant<Options, int>;
ParsedOptions parse_options(int argc, const char* const* argv);

// Prints "msee-emu: <msg>" and the --help hint to stderr; returns exit code 2.
int usage_error(std::string_view msg);

// --api ADDR:PORT | off into the API server's config (address, port, token, table dump path);
// a usage message when malformed.
std::variant<api::ApiConfig, std::string> api_config(const Options& opt);

// --arm ADDR:PORT, --state-dir, --arm-client-id, --arm-audience, --arm-lro into the ARM
// endpoint's config; nullopt when --arm is off; a usage message when malformed.
std::variant<std::optional<arm::ArmConfig>, std::string> arm_config(const Options& opt);

}  // namespace msee::app
