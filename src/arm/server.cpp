// The ARM endpoint's HTTPS server (Boost.Beast over Asio SSL, Debian's OpenSSL): the listener,
// a coroutine per connection (TLS handshake, keep-alive, 64 KiB request limit, read and write
// timeouts, a cap on connections held), and the state directory's default. Requests go to
// detail::route (router.cpp). No JSON here.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <unistd.h>

#include <cstdlib>

#include "arm/arm.hpp"
#include "arm/handlers.hpp"
#include "util/log.hpp"

namespace msee::arm {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

namespace {

constexpr std::uint64_t kRequestLimit = 64 * 1024;
constexpr auto kIoTimeout = std::chrono::seconds(15);  // handshake, each request, each answer
constexpr std::size_t kMaxConnections = 256;  // beyond: new connections are closed at once

}  // namespace

std::string default_state_dir() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x == '/') {
    return std::string(x) + "/msee-emu";
  }
  if (::geteuid() == 0) {
    return "/var/lib/msee-emu";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home == '/' ? home : "/tmp") + "/.local/state/msee-emu";
}

// Concurrency contract: everything here runs on the control io_context thread, like the REST
// API's server; each request is routed with the protocol threads parked
// (Emulator::exclusive); connection coroutines interleave only at their co_awaits.
struct ArmServer::Impl {
  Impl(asio::io_context& i, emulator::Emulator& e, api::ApiConfig a, ArmConfig c)
      : io(i), state{e, std::move(a), std::move(c), std::nullopt, {}, std::chrono::steady_clock::now()} {}
  asio::io_context& io;
  detail::State state;
  ssl::context tls{ssl::context::tls_server};
  asio::ip::tcp::acceptor acceptor{io};
  std::size_t live = 0;

  asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
    ++live;
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
    beast::get_lowest_layer(stream).expires_after(kIoTimeout);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server,
                                                 asio::as_tuple(asio::use_awaitable));
    if (!hec) {
      co_await serve_requests(stream);
    } else {
      log::debug("ARM: TLS handshake failed: {}", hec.message());
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
    --live;
  }

  asio::awaitable<void> serve_requests(beast::ssl_stream<beast::tcp_stream>& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kRequestLimit);
      beast::get_lowest_layer(stream).expires_after(kIoTimeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser,
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
          co_await answer(stream, 11, false,
                          detail::error(413, "RequestTooLarge", "request over 64 KiB"));
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                   ec != beast::error::timeout && ec != ssl::error::stream_truncated &&
                   ec != asio::error::connection_reset) {
          co_await answer(stream, 11, false, detail::error(400, "InvalidRequest", ec.message()));
        }
        co_return;
      }
      auto& req = parser.get();
      ArmRequest ar{std::string(req.method_string()),
                    std::string(req.target()),
                    std::string(req[http::field::host]),
                    std::string(req[http::field::authorization]),
                    std::string(req[http::field::content_type]),
                    req.body(),
                    std::string(req["x-msee-lro"])};
      ArmResponse res;
      try {
        res = state.emu.exclusive([&] { return detail::route(state, ar); });
      } catch (const std::exception& e) {  // a bug, answered rather than a dropped connection
        log::error("ARM: {} {}: {}", ar.method, ar.target, e.what());
        res = detail::error(500, "InternalServerError", e.what());
      }
      log::debug("ARM: {} {} -> {}", ar.method, ar.target, res.status);
      if (!co_await answer(stream, req.version(), req.keep_alive(), std::move(res)) ||
          !req.keep_alive()) {
        co_return;
      }
    }
  }

  // Writes one answer; false when the connection is gone.
  asio::awaitable<bool> answer(beast::ssl_stream<beast::tcp_stream>& stream, unsigned version,
                               bool keep_alive, ArmResponse r) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "msee-emu");
    res.set(http::field::content_type, r.content_type);
    res.set("x-ms-request-id", random_hex(8));
    for (const auto& [k, v] : r.headers) {
      res.set(k, v);
    }
    res.keep_alive(keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(kIoTimeout);
    auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        continue;
      }
      if (live >= kMaxConnections) {
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
};

ArmServer::ArmServer(asio::io_context& io, emulator::Emulator& emulator, api::ApiConfig api,
                     ArmConfig config)
    : impl_(std::make_unique<Impl>(io, emulator, std::move(api), std::move(config))) {}

ArmServer::~ArmServer() = default;

ArmResponse ArmServer::handle(const ArmRequest& request) {
  return detail::route(impl_->state, request);
}

bool ArmServer::start() {
  auto& cfg = impl_->state.config;
  auto pki = Pki::open(cfg.state_dir, cfg.address);
  if (!pki) {
    log::error("ARM: {}", pki.error());
    return false;
  }
  impl_->state.pki = std::move(*pki);
  const auto& k = *impl_->state.pki;
  boost::system::error_code ec;
  auto& tls = impl_->tls;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  tls.use_certificate_chain(asio::buffer(k.server_chain_pem()), ec);
  if (!ec) {
    tls.use_private_key(asio::buffer(k.server_key_pem()), ssl::context::pem, ec);
  }
  if (ec) {
    log::error("ARM: TLS setup: {}", ec.message());
    return false;
  }
  auto addr = asio::ip::make_address(cfg.address, ec);
  if (ec) {
    log::error("ARM: '{}' is not an IP address", cfg.address);
    return false;
  }
  asio::ip::tcp::endpoint ep(addr, cfg.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) {
    acc.set_option(asio::socket_base::reuse_address(true), ec);
    acc.bind(ep, ec);
  }
  if (!ec) {
    acc.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    log::error("ARM: cannot listen on [{}]:{}: {}", cfg.address, cfg.port, ec.message());
    return false;
  }
  auto host = addr.is_v6() ? "[" + cfg.address + "]" : cfg.address;
  log::info("ARM endpoint on https://{}:{} (authority https://{}:{}/adfs, CA {}, service "
            "principal '{}' with the secret in {}/client-secret)",
            host, cfg.port, host, cfg.port, k.ca_file(), cfg.client_id, cfg.state_dir);
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  return true;
}

void ArmServer::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace msee::arm
