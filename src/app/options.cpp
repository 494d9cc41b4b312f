// msee-emu's command line (options.hpp): the --help text and the option parser.
#include "app/options.hpp"

#include <iostream>

#include "util/log.hpp"
#include "util/version.hpp"

namespace msee::app {
namespace {

using util::kVersion;

constexpr std::string_view kHelp = R"(msee-emu — BGP-4 speaker and Azure ExpressRoute MSEE emulator

Usage:
  msee-emu --config FILE [options]   run the speaker on FILE
  msee-emu --check FILE              validate FILE only; print every error and exit
  msee-emu --plan FILE               validate FILE and print, as JSON, the MSEE sessions
                                     (addresses, VLAN, ASNs, MD5 key, BFD, limits) and the
                                     prefixes they advertise (what msee-ctl lab up builds on)
  msee-emu --help | --version

Options:
  --config FILE            configuration (JSON): ExpressRoute circuits (native, az CLI output
                           or ARM JSON; docs/circuit-config.md) or a plain router
                           (docs/config.md); examples in config/
  --check FILE             validate and exit: 0 valid, 2 invalid (every error with its JSON
                           path and the Azure rule it breaks)
  --events FILE            append a JSON-lines event log (sessions, routes, errors) to FILE
  --log-level LEVEL        debug | info | warn | error (default info)
  --log-format FORMAT      text | json (default text), written to stderr
  --shutdown-message TEXT  RFC 9003 text sent with Cease/Administrative Shutdown on exit
                           (default "msee-emu shutting down")
  --api ADDR:PORT | off    REST API of an emulator config (default 127.0.0.1:8179): Azure's
                           route tables and summary, circuits, sessions, /metrics (msee-ctl)
  --api-token TOKEN        bearer token the API requires; mandatory when ADDR is not loopback
  --mrt FILE               record every session's messages and state changes in MRT
                           (RFC 6396 BGP4MP_ET, microsecond timestamps) to FILE; strftime
                           fields (%Y%m%d.%H%M) name rotated files (bgpdump -m FILE reads it)
  --mrt-rotate SECONDS     start a new MRT file every SECONDS (default 0: never)
  --dataplane              program this network namespace's routing tables with the CE's
                           routes, a table per circuit and peering (the lab turns it on;
                           config: "emulator": {"dataplane": true}); with a router config,
                           its best routes into the main table (the lab's builtin CE);
                           refused in the host's own namespace and with loopback addressing
  --dataplane-host         --dataplane, also in the host's own namespace (a dedicated box
                           whose MSEE links are real interfaces)
  --threads N              protocol threads of a circuit config (default: the number of
                           cores): the circuits are spread over them, Global Reach pairs
                           together; the API and ARM endpoints run on a thread of their own
  --user USER              once listeners, the API and the data plane are open, run as USER
                           (and its group) without capabilities, or with CAP_NET_ADMIN alone
                           when the data plane is on (routes change at run time)
  --arm ADDR:PORT | off    the ARM-shaped HTTPS endpoint for Azure's own clients (az CLI,
                           the Python SDK; docs/azure-clients.md), with its token issuer
                           at https://ADDR:PORT/adfs; default off (e.g. 127.0.0.1:8443)
  --state-dir DIR          where the ARM endpoint keeps its CA (ca.pem), keys and the
                           service principal's secret (client-secret); default
                           $XDG_STATE_HOME/msee-emu, /var/lib/msee-emu as root, else
                           ~/.local/state/msee-emu
  --arm-client-id ID       the service principal the token endpoint knows (default msee-emu)
  --arm-audience URL       the token audience ARM accepts (default
                           https://management.core.windows.net/)
  --arm-lro async | sync   long-running POSTs and PUTs: 202 + Location polled, as Azure
                           (default), or 200 at once; a request's x-msee-lro header wins
  --table-dump FILE        where SIGUSR2 / POST /v1/mrt/tableDump write a TABLE_DUMP_V2 of the
                           RIB (default msee-rib.%Y%m%d.%H%M%S.mrt, strftime fields in UTC)

Signals:
  SIGTERM, SIGINT  send Cease/Administrative Shutdown to every peer, then exit 0
  SIGUSR1          send ROUTE-REFRESH for every negotiated family to every peer
  SIGUSR2          write a TABLE_DUMP_V2 snapshot of the RIB (see --table-dump)
  SIGHUP           re-read the circuit config and apply the difference: unaffected sessions
                   stay up (msee-ctl reload does the same and prints the changes)

Exit codes: 0 ok, 1 runtime error (e.g. cannot listen), 2 usage or config error.
)";

}  // namespace

int usage_error(std::string_view msg) {
  std::cerr << "msee-emu: " << msg << "\n(see msee-emu --help)\n";
  return 2;
}

ParsedOptions parse_options(int argc, const char* const* argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        return std::nullopt;
      }
      (void)name;
      return std::string(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      return 0;
    }
    if (a == "--version") {
      std::cout << "msee-emu " << kVersion << "\n";
      return 0;
    }
    if (a == "--dataplane" || a == "--dataplane-host") {
      opt.dataplane = true;
      opt.dataplane_host = opt.dataplane_host || a == "--dataplane-host";
      continue;
    }
    if (a == "--config" || a == "--check" || a == "--plan" || a == "--events" ||
        a == "--log-level" || a == "--log-format" || a == "--shutdown-message" || a == "--api" ||
        a == "--api-token" || a == "--mrt" || a == "--mrt-rotate" || a == "--table-dump" ||
        a == "--user" || a == "--arm" || a == "--state-dir" || a == "--arm-client-id" ||
        a == "--arm-audience" || a == "--arm-lro" || a == "--threads") {
      auto v = value(a);
      if (!v) {
        return usage_error(std::string(a) + " needs a value");
      }
      if (a == "--config") {
        opt.config = *v;
      } else if (a == "--check") {
        opt.config = *v;
        opt.check_only = true;
      } else if (a == "--plan") {
        opt.config = *v;
        opt.check_only = opt.plan_only = true;
      } else if (a == "--events") {
        opt.events = *v;
      } else if (a == "--user") {
        opt.user = *v;
      } else if (a == "--shutdown-message") {
        opt.shutdown_message = *v;
      } else if (a == "--api") {
        opt.api = *v;
      } else if (a == "--arm") {
        opt.arm = *v;
      } else if (a == "--state-dir") {
        opt.state_dir = *v;
      } else if (a == "--arm-client-id") {
        opt.arm_client_id = *v;
      } else if (a == "--arm-audience") {
        opt.arm_audience = *v;
      } else if (a == "--arm-lro") {
        if (*v != "async" && *v != "sync") {
          return usage_error("--arm-lro must be async or sync");
        }
        opt.arm_lro = *v;
      } else if (a == "--api-token") {
        opt.api_token = *v;
      } else if (a == "--mrt") {
        opt.mrt = *v;
      } else if (a == "--table-dump") {
        opt.table_dump = *v;
      } else if (a == "--threads") {
        try {
          std::size_t used = 0;
          auto n = std::stoul(*v, &used);
          if (used != v->size() || n < 1 || n > 256) {
            throw std::out_of_range("");
          }
          opt.threads = static_cast<unsigned>(n);
        } catch (const std::exception&) {
          return usage_error("--threads wants a number of threads (1 .. 256)");
        }
      } else if (a == "--mrt-rotate") {
        try {
          std::size_t used = 0;
          auto n = std::stoul(*v, &used);
          if (used != v->size() || n > 86400 * 7) {
            throw std::out_of_range("");
          }
          opt.mrt_rotate = static_cast<std::uint32_t>(n);
        } catch (const std::exception&) {
          return usage_error("--mrt-rotate wants seconds (0 .. 604800)");
        }
      } else if (a == "--log-format") {
        if (*v != "text" && *v != "json") {
          return usage_error("--log-format must be text or json");
        }
        log::set_json(*v == "json");
      } else {
        if (*v == "debug") {
          log::set_level(log::Level::Debug);
        } else if (*v == "info") {
          log::set_level(log::Level::Info);
        } else if (*v == "warn") {
          log::set_level(log::Level::Warn);
        } else if (*v == "error") {
          log::set_level(log::Level::Error);
        } else {
          return usage_error("--log-level must be debug, info, warn or error");
        }
      }
      continue;
    }
    return usage_error("unknown argument '" + std::string(a) + "'");
  }
  if (opt.config.empty()) {
    return usage_error("--config FILE or --check FILE is required");
  }
  return opt;
}

std::variant<api::ApiConfig, std::string> api_config(const Options& opt) {
  api::ApiConfig api;
  api.token = opt.api_token;
  api.table_dump = opt.table_dump;
  if (opt.api != "off") {
    auto colon = opt.api.rfind(':');
    int port = 0;
    try {
      port = colon == std::string::npos ? -1 : std::stoi(opt.api.substr(colon + 1));
    } catch (const std::exception&) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      return std::string("--api wants ADDR:PORT (e.g. 127.0.0.1:8179) or off");
    }
    api.address = opt.api.substr(0, colon);
    if (api.address.size() > 2 && api.address.front() == '[') {
      api.address = api.address.substr(1, api.address.size() - 2);
    }
    api.port = static_cast<std::uint16_t>(port);
  }
  return api;

}

std::variant<std::optional<arm::ArmConfig>, std::string> arm_config(const Options& opt) {
  if (opt.arm == "off") {
    return std::optional<arm::ArmConfig>();
  }
  arm::ArmConfig cfg;
  auto colon = opt.arm.rfind(':');
  int port = 0;
  try {
    std::size_t used = 0;
    auto text = colon == std::string::npos ? std::string() : opt.arm.substr(colon + 1);
    port = std::stoi(text, &used);
    port = used == text.size() ? port : -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 1 || port > 65535 || colon == 0) {
    return std::string("--arm wants ADDR:PORT (e.g. 127.0.0.1:8443) or off");
  }
  cfg.address = opt.arm.substr(0, colon);
  if (cfg.address.size() > 2 && cfg.address.front() == '[') {
    cfg.address = cfg.address.substr(1, cfg.address.size() - 2);
  }
  cfg.port = static_cast<std::uint16_t>(port);
  cfg.state_dir = opt.state_dir.empty() ? arm::default_state_dir() : opt.state_dir;
  if (opt.arm_client_id.empty()) {
    return std::string("--arm-client-id must not be empty");
  }
  cfg.client_id = opt.arm_client_id;
  if (!opt.arm_audience.starts_with("https://") && !opt.arm_audience.starts_with("http://")) {
    return std::string("--arm-audience wants a URL such as https://management.core.windows.net/");
  }
  cfg.audience = opt.arm_audience;
  cfg.lro = opt.arm_lro == "sync" ? arm::Lro::Sync : arm::Lro::Async;
  return std::optional<arm::ArmConfig>(std::move(cfg));
}

}  // namespace msee::app
