// msee-emu entry point: command line, config loading, signals, and the single protocol
// io_context thread (docs/architecture.md).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <fstream>
#include <memory>
#include <sstream>

#include "app/api.hpp"
#include "app/circuit_config.hpp"
#include "app/emulator.hpp"
#include "app/event_log.hpp"
#include "app/router_config.hpp"
#include "app/speaker.hpp"
#include "util/log.hpp"

namespace {

constexpr std::string_view kVersion = "0.1.0";

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
};

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A circuit config and its Microsoft-peering catalogue, or the errors (JSON path + reason).
struct LoadedCircuits {
  msee::er::EmulatorConfig config;
  std::vector<msee::er::CatalogueEntry> catalogue;
};
msee::Result<LoadedCircuits, std::vector<msee::app::ConfigError>> load_circuits(
    const std::string& text) {
  auto cfg = msee::app::parse_emulator_config(text);
  if (!cfg) {
    return msee::unexpected(cfg.error());
  }
  LoadedCircuits out{std::move(*cfg), msee::er::builtin_catalogue()};
  if (!out.config.emulator.microsoft_prefixes_file.empty()) {
    auto cat = msee::app::load_catalogue(out.config.emulator.microsoft_prefixes_file);
    if (!cat) {
      auto errors = cat.error();
      for (auto& e : errors) {
        e.path = "/emulator/microsoftPrefixesFile" + (e.path == "/" ? "" : e.path);
      }
      return msee::unexpected(errors);
    }
    out.catalogue = std::move(*cat);
  }
  return out;
}

int usage_error(std::string_view msg) {
  std::cerr << "msee-emu: " << msg << "\n(see msee-emu --help)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace msee;
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
    if (a == "--config" || a == "--check" || a == "--plan" || a == "--events" ||
        a == "--log-level" || a == "--log-format" || a == "--shutdown-message" || a == "--api" ||
        a == "--api-token" || a == "--mrt" || a == "--mrt-rotate" || a == "--table-dump") {
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
      } else if (a == "--shutdown-message") {
        opt.shutdown_message = *v;
      } else if (a == "--api") {
        opt.api = *v;
      } else if (a == "--api-token") {
        opt.api_token = *v;
      } else if (a == "--mrt") {
        opt.mrt = *v;
      } else if (a == "--table-dump") {
        opt.table_dump = *v;
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
  app::ApiConfig api;
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
      return usage_error("--api wants ADDR:PORT (e.g. 127.0.0.1:8179) or off");
    }
    api.address = opt.api.substr(0, colon);
    if (api.address.size() > 2 && api.address.front() == '[') {
      api.address = api.address.substr(1, api.address.size() - 2);
    }
    api.port = static_cast<std::uint16_t>(port);
  }

  std::string text;
  if (auto t = read_file(opt.config)) {
    text = std::move(*t);
  } else {
    std::cerr << "msee-emu: cannot open " << opt.config << "\n";
    return 2;
  }
  auto report = [&](const std::vector<app::ConfigError>& errors) {
    for (const auto& e : errors) {
      std::cerr << opt.config << ": " << e.path << ": " << e.reason << "\n";
    }
    std::cerr << "msee-emu: " << errors.size() << " error(s) in " << opt.config
              << "; nothing started\n";
    return 2;
  };

  std::optional<app::RouterConfig> router;
  std::optional<er::EmulatorConfig> circuits;
  std::vector<er::CatalogueEntry> catalogue = er::builtin_catalogue();
  if (app::detect_config_kind(text) == app::ConfigKind::Router) {
    auto cfg = app::parse_router_config(text);
    if (!cfg) {
      return report(cfg.error());
    }
    router = std::move(*cfg);
    if (opt.plan_only) {
      std::cerr << opt.config << ": --plan needs a circuit config (this is a router config)\n";
      return 2;
    }
    if (opt.check_only) {
      std::cout << opt.config << ": OK (router: " << router->neighbors.size()
                << " neighbour(s), " << router->announce.size() << " announcement(s))\n";
      return 0;
    }
  } else {
    auto loaded = load_circuits(text);
    if (!loaded) {
      return report(loaded.error());
    }
    catalogue = std::move(loaded->catalogue);
    circuits = std::move(loaded->config);
    if (opt.plan_only) {
      std::cout << app::plan_to_json(*circuits, er::make_plan(*circuits, catalogue));
      return 0;
    }
    if (opt.check_only) {
      auto plan = er::make_plan(*circuits, catalogue);
      std::cout << opt.config << ": OK (" << circuits->circuits.size() << " circuit(s), "
                << plan.sessions.size() << " MSEE session(s), " << plan.advertisements.size()
                << " advertised prefix(es))\n";
      for (const auto& note : plan.notes) {
        std::cout << "note: " << note << "\n";
      }
      return 0;
    }
  }

  // Writes to a peer that closed must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);

  app::EventLog events;
  if (!opt.events.empty() && !events.open(opt.events)) {
    std::cerr << "msee-emu: cannot open event log " << opt.events << "\n";
    return 1;
  }

  boost::asio::io_context io(1);
  int exit_code = 0;
  {
    std::unique_ptr<app::Speaker> speaker;
    std::unique_ptr<app::Emulator> emulator;
    std::unique_ptr<app::ApiServer> api_server;
    std::function<void()> refresh;
    app::Speaker* the_speaker = nullptr;
    std::function<void(const std::string&, std::function<void()>)> shutdown;
    if (router) {
      speaker = std::make_unique<app::Speaker>(io, std::move(*router), events);
      if (!speaker->start()) {
        return 1;
      }
      refresh = [&] { speaker->request_refresh_all(); };
      the_speaker = speaker.get();
      shutdown = [&](const std::string& m, std::function<void()> d) {
        speaker->shutdown(m, std::move(d));
      };
    } else {
      emulator = std::make_unique<app::Emulator>(io, std::move(*circuits), std::move(catalogue),
                                                 events);
      if (!emulator->start()) {
        return 1;
      }
      // SIGHUP / POST /v1/reload: re-read the file and apply the difference.
      api.reload = [&]() -> Result<std::vector<std::string>, std::string> {
        auto fail = [&](const std::string& why) -> Result<std::vector<std::string>, std::string> {
          log::error("reload of {}: {}", opt.config, why);
          events.admin("config-reload", opt.config, {{"result", "failed"}, {"reason", why}});
          return unexpected(why);
        };
        auto t = read_file(opt.config);
        if (!t) {
          return fail("cannot open the file");
        }
        if (app::detect_config_kind(*t) == app::ConfigKind::Router) {
          return fail("the file is no longer a circuit config");
        }
        auto loaded = load_circuits(*t);
        if (!loaded) {
          std::string why;
          for (const auto& e : loaded.error()) {
            why += (why.empty() ? "" : "; ") + e.path + ": " + e.reason;
          }
          return fail("invalid, nothing applied: " + why);
        }
        auto changes = emulator->reload(std::move(loaded->config), std::move(loaded->catalogue));
        if (!changes) {
          return fail(changes.error());
        }
        for (const auto& c : *changes) {
          log::info("reload: {}", c);
        }
        log::info("reload of {}: {} change(s) applied", opt.config, changes->size());
        events.admin("config-reload", opt.config,
                     {{"result", "applied"}, {"changes", std::to_string(changes->size())}});
        return changes;
      };
      if (opt.api != "off") {
        api_server = std::make_unique<app::ApiServer>(io, *emulator, api);
        if (!api_server->start()) {
          return 1;
        }
      }
      refresh = [&] { emulator->request_refresh_all(); };
      the_speaker = &emulator->speaker();
      shutdown = [&](const std::string& m, std::function<void()> d) {
        emulator->shutdown(m, std::move(d));
      };
    }
    if (!opt.mrt.empty()) {
      std::string err;
      if (!the_speaker->record_mrt(opt.mrt, opt.mrt_rotate, err)) {
        std::cerr << "msee-emu: --mrt: " << err << "\n";
        return 1;
      }
    }
    boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    boost::asio::signal_set refresh_signal(io, SIGUSR1);
    boost::asio::signal_set dump_signal(io, SIGUSR2);
    boost::asio::signal_set hup_signal(io, SIGHUP);
    std::function<void()> wait_hup = [&] {
      hup_signal.async_wait([&](boost::system::error_code ec, int) {
        if (ec) {
          return;
        }
        if (api.reload) {
          (void)api.reload();
        } else {
          log::warn("SIGHUP: reload applies to circuit configs; restart msee-emu for a router "
                    "config");
        }
        wait_hup();
      });
    };
    wait_hup();
    std::function<void()> wait_dump = [&] {
      dump_signal.async_wait([&](boost::system::error_code ec, int) {
        if (ec) {
          return;
        }
        if (auto d = the_speaker->dump_table_mrt(opt.table_dump)) {
          log::info("MRT table dump: {} prefixes, {} paths in {}", d->prefixes, d->entries,
                    d->path);
        } else {
          log::error("MRT table dump failed: {}", d.error());
        }
        wait_dump();
      });
    };
    wait_dump();
    std::function<void()> wait_refresh = [&] {
      refresh_signal.async_wait([&](boost::system::error_code ec, int) {
        if (ec) {
          return;
        }
        refresh();
        wait_refresh();
      });
    };
    wait_refresh();
    stop_signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec) {
        return;
      }
      log::info("signal {}: shutting down", sig);
      if (api_server) {
        api_server->stop();
      }
      shutdown(opt.shutdown_message, [&] {
        boost::system::error_code ignored;
        refresh_signal.cancel(ignored);
        dump_signal.cancel(ignored);
        hup_signal.cancel(ignored);
        stop_signals.cancel(ignored);
        // Anything still pending after the peers are closed is abandoned.
        io.stop();
      });
    });
    io.run();
    log::info("stopped");
  }
  return exit_code;
}
