// msee-emu entry point: config loading, signals, the control io_context thread (API, ARM,
// signals) and the emulator's protocol threads
// (docs/architecture.md). Options: options.cpp; reading and reloading the config: load.cpp.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <thread>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "api/api.hpp"
#include "arm/arm.hpp"
#include "app/load.hpp"
#include "app/options.hpp"
#include "app/privileges.hpp"
#include "emulator/emulator.hpp"
#include "msee/config/config.hpp"
#include "speaker/event_log.hpp"
#include "speaker/fib_sync.hpp"
#include "speaker/router_config.hpp"
#include "speaker/speaker.hpp"
#include "util/log.hpp"

namespace {
constexpr std::uint32_t kMainTable = 254;  // RT_TABLE_MAIN

// Every session, listener, API client and BFD socket is a descriptor: take the hard limit
// (Debian's default soft limit of 1,024 is below what 500 circuits or a connection flood need).
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &lim);
  }
}
}  // namespace

int main(int argc, char** argv) {
  using namespace msee;
  using namespace msee::app;
  auto parsed = parse_options(argc, argv);
  if (const int* code = std::get_if<int>(&parsed)) {
    return *code;
  }
  const auto& opt = std::get<Options>(parsed);
  auto api_or = api_config(opt);
  if (const auto* why = std::get_if<std::string>(&api_or)) {
    return usage_error(*why);
  }
  auto api = std::get<api::ApiConfig>(std::move(api_or));
  auto arm_or = arm_config(opt);
  if (const auto* why = std::get_if<std::string>(&arm_or)) {
    return usage_error(*why);
  }
  auto arm = std::get<std::optional<arm::ArmConfig>>(std::move(arm_or));

  std::string text;
  if (auto t = read_file(opt.config)) {
    text = std::move(*t);
  } else {
    std::cerr << "msee-emu: cannot open " << opt.config << "\n";
    return 2;
  }
  auto report = [&](const std::vector<util::ConfigError>& errors) {
    for (const auto& e : errors) {
      std::cerr << opt.config << ": " << e.path << ": " << e.reason << "\n";
    }
    std::cerr << "msee-emu: " << errors.size() << " error(s) in " << opt.config
              << "; nothing started\n";
    return 2;
  };

  std::optional<speaker::RouterConfig> router;
  std::optional<msee::EmulatorConfig> circuits;
  bool circuits_dataplane = false;  // the emulator programs routes: CAP_NET_ADMIN stays
  std::vector<msee::CatalogueEntry> catalogue = msee::builtin_catalogue();
  if (config::detect_config_kind(text) == config::ConfigKind::Router) {
    auto cfg = speaker::parse_router_config(text);
    if (!cfg) {
      return report(cfg.error());
    }
    router = std::move(*cfg);
    if (opt.plan_only) {
      std::cerr << opt.config << ": --plan needs a circuit config (this is a router config)\n";
      return 2;
    }
    if (arm && !opt.check_only) {
      std::cerr << opt.config << ": --arm needs a circuit config (this is a router config)\n";
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
    if (opt.dataplane) {
      auto& d = circuits->emulator.dataplane;
      d.enabled = true;
      d.allow_initial_namespace = d.allow_initial_namespace || opt.dataplane_host;
      if (circuits->emulator.addressing == msee::Addressing::Loopback) {
        std::cerr << "msee-emu: --dataplane: loopback addressing has no data plane (the "
                     "sessions run on 127.x addresses, not on links)\n";
        return 2;
      }
    }
    circuits_dataplane = circuits->emulator.dataplane.enabled;
    if (opt.plan_only) {
      std::cout << config::plan_to_json(*circuits, msee::make_plan(*circuits, catalogue));
      return 0;
    }
    if (opt.check_only) {
      auto plan = msee::make_plan(*circuits, catalogue);
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
  raise_fd_limit();

  speaker::EventLog events;
  if (!opt.events.empty() && !events.open(opt.events)) {
    std::cerr << "msee-emu: cannot open event log " << opt.events << "\n";
    return 1;
  }

  boost::asio::io_context io(1);
  int exit_code = 0;
  {
    std::unique_ptr<speaker::Speaker> speaker;
    std::unique_ptr<speaker::FibSync> router_fib;  // declared after: destroyed before speaker
    std::unique_ptr<emulator::Emulator> emulator;
    std::unique_ptr<api::ApiServer> api_server;
    std::unique_ptr<arm::ArmServer> arm_server;
    std::function<void()> refresh;
    speaker::Speaker* the_speaker = nullptr;
    std::function<void(const std::string&, std::function<void()>)> shutdown;
    if (router) {
      auto neighbors = router->neighbors;  // the data plane finds each one's link
      speaker = std::make_unique<speaker::Speaker>(io, std::move(*router), events);
      if (!speaker->start()) {
        return 1;
      }
      if (opt.dataplane) {  // the builtin CE installs its best routes, as zebra would
        auto started = speaker::start_router_fib(io, *speaker, neighbors, kMainTable,
                                                 opt.dataplane_host);
        if (!started) {
          log::error("data plane: {}", started.error());
          return 1;
        }
        router_fib = std::move(*started);
      }
      refresh = [&] { speaker->request_refresh_all(); };
      the_speaker = speaker.get();
      shutdown = [&](const std::string& m, std::function<void()> d) {
        if (router_fib) {
          router_fib->stop();  // the routes go before the sessions say goodbye
        }
        speaker->shutdown(m, std::move(d));
      };
    } else {
      // The circuits on their protocol threads (started below, once privileges are dropped);
      // this thread keeps the API, the ARM endpoint, the signals and the emulator's timers.
      unsigned threads = opt.threads != 0 ? opt.threads
                                          : std::max(1u, std::thread::hardware_concurrency());
      emulator = std::make_unique<emulator::Emulator>(io, std::move(*circuits), std::move(catalogue),
                                                 events, threads);
      if (!emulator->start()) {
        return 1;
      }
      // SIGHUP / POST /v1/reload: re-read the file and apply the difference.
      api.reload = [&] {
        return emulator->exclusive([&] { return reload_circuits(opt.config, *emulator, events); });
      };
      if (opt.api != "off") {
        api_server = std::make_unique<api::ApiServer>(io, *emulator, api);
        if (!api_server->start()) {
          return 1;
        }
      }
      if (arm) {
        // ARM's PUT peering: the running config with the change, applied like a reload.
        arm->apply = [&](msee::EmulatorConfig c) {
          return apply_circuits(std::move(c), *emulator, events, "ARM PUT");
        };
        arm_server = std::make_unique<arm::ArmServer>(io, *emulator, api, std::move(*arm));
        if (!arm_server->start()) {
          return 1;
        }
      }
      refresh = [&] { emulator->request_refresh_all(); };
      shutdown = [&](const std::string& m, std::function<void()> d) {
        emulator->shutdown(m, std::move(d));
      };
    }
    if (!opt.mrt.empty()) {
      std::string err;
      if (!(the_speaker ? the_speaker->record_mrt(opt.mrt, opt.mrt_rotate, err)
                        : emulator->record_mrt(opt.mrt, opt.mrt_rotate, err))) {
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
        if (the_speaker) {
          if (auto d = the_speaker->dump_table_mrt(opt.table_dump)) {
            log::info("MRT table dump: {} prefixes, {} paths in {}", d->prefixes, d->entries,
                      d->path);
          } else {
            log::error("MRT table dump failed: {}", d.error());
          }
        } else if (auto ds = emulator->dump_tables_mrt(opt.table_dump)) {
          for (const auto& d : *ds) {
            log::info("MRT table dump: {} prefixes, {} paths in {}", d.prefixes, d.entries,
                      d.path);
          }
        } else {
          log::error("MRT table dump failed: {}", ds.error());
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
      if (arm_server) {
        arm_server->stop();
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
    if (!opt.user.empty()) {
      // Everything that needs root is open now (listeners, API, rtnetlink, MRT file).
      bool net_admin = opt.dataplane || (circuits_dataplane);
      if (auto why = drop_privileges({opt.user, net_admin}); !why.empty()) {
        log::error("{}", why);
        return 1;
      }
      log::info("running as {} {}", opt.user,
                net_admin ? "with CAP_NET_ADMIN (the data plane)" : "without capabilities");
    }
    if (emulator) {
      emulator->start_threads();  // after the privileges: threads inherit the capabilities
    }
    io.run();
    log::info("stopped");
  }
  return exit_code;
}
