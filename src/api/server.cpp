// The REST API's Beast HTTP/1.1 server (after Beast's advanced_server_flex_awaitable: the
// server apart from request handling): the listener, one coroutine per connection with
// keep-alive, the 64 KiB request limit (413) and malformed requests (400), and the long poll
// of GET /v1/events. Every request goes to handle_api_request (router.cpp). No JSON here.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <list>

#include "api/api.hpp"
#include "api/handlers.hpp"
#include "util/log.hpp"

namespace msee::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::uint64_t kRequestLimit = 64 * 1024;  // bytes of body; Beast limits the header
// A connection has this long to deliver a whole request (headers and body), idle keep-alive
// wait included, and to take its answer: slow or silent clients (slowloris) are closed and
// cost nothing after that. The long poll's own wait is not counted.
constexpr auto kReadTimeout = std::chrono::seconds(15);
constexpr auto kWriteTimeout = std::chrono::seconds(15);
// Connections held at once (each is a descriptor). At the cap a new connection evicts the
// oldest one that is not in the middle of a request's answer (idle keep-alive or a request
// still arriving), so a flood of idle or slow clients never locks a normal client out.
constexpr std::size_t kMaxConnections = 1024;

// The `wait` of a GET /v1/events request (0 for anything else), at most 60 seconds.
std::chrono::seconds long_poll_wait(const ApiRequest& r) {
  if (r.method != "GET" || !r.target.starts_with("/v1/events?")) {
    return std::chrono::seconds(0);
  }
  auto t = detail::parse_target(r.target);
  if (!t || t->query.count("wait") == 0) {
    return std::chrono::seconds(0);
  }
  auto n = detail::parse_count(t->query.at("wait"));
  return std::chrono::seconds(n ? std::min<std::uint64_t>(60, *n) : 0);
}

// An error answer to a request Beast could not parse (HTTP/1.1, the connection then closes).
http::response<http::string_body> parse_failure(const ApiResponse& e) {
  http::response<http::string_body> res{static_cast<http::status>(e.status), 11};
  res.set(http::field::content_type, "application/json");
  res.body() = e.body;
  res.prepare_payload();
  return res;
}

}  // namespace

// Concurrency contract: everything here runs on the control io_context thread, apart from the
// protocol threads; each request is answered with them parked (Emulator::exclusive), from
// the status board (sessions, summary, /metrics: no protocol thread is asked), or by a short
// visit to one (a route table's walk, Emulator::on_shards), so the HTTP work never runs on a
// protocol thread. Connection coroutines interleave only at their co_awaits.
struct ApiServer::Impl {
  Impl(asio::io_context& i, emulator::Emulator& e, ApiConfig c)
      : io(i), emulator(e), config(std::move(c)) {}
  asio::io_context& io;
  emulator::Emulator& emulator;
  ApiConfig config;
  asio::ip::tcp::acceptor acceptor{io};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // Where deferred answers (route tables of up to 10,000 rows, ApiResponse::render) are
  // written: made at the first one, so its threads start after the privileges are dropped;
  // two, so one big table does not hold up another, and this thread goes on answering the
  // small requests meanwhile.
  std::unique_ptr<asio::thread_pool> render_pool;
  // A coroutine function, not a lambda: a lambda coroutine's captures live in the lambda
  // object, gone once co_spawn has started it; parameters live in the coroutine's frame.
  static asio::awaitable<std::string> rendered(std::function<std::string()> render) {
    co_return render();
  }

  struct Held {
    beast::tcp_stream* stream;
    bool answering = false;  // a request was read and its answer is not written yet
    bool evicted = false;
  };
  std::list<Held> held;  // oldest first
  std::size_t live = 0;  // held and not evicted
  std::chrono::steady_clock::time_point last_eviction_log{};

  // Makes room for one more connection (see kMaxConnections).
  void evict_if_full() {
    if (live < kMaxConnections) {
      return;
    }
    for (auto& h : held) {
      if (!h.answering && !h.evicted) {
        h.evicted = true;
        --live;
        boost::system::error_code ignored;
        h.stream->socket().close(ignored);  // its serve() ends and forgets it
        auto now = std::chrono::steady_clock::now();
        if (now - last_eviction_log > std::chrono::seconds(1)) {
          last_eviction_log = now;
          log::warn("API: {} connections held; closing the oldest idle ones", kMaxConnections);
        }
        return;
      }
    }
  }

  asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    auto self = held.insert(held.end(), Held{&stream});
    ++live;
    co_await serve_requests(stream, *self);
    if (!self->evicted) {
      --live;
    }
    held.erase(self);
  }

  asio::awaitable<void> serve_requests(beast::tcp_stream& stream, Held& me) {
    beast::flat_buffer buffer;
    for (;;) {
      me.answering = false;
      http::request_parser<http::string_body> parser;
      parser.body_limit(kRequestLimit);
      stream.expires_after(kReadTimeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser,
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) {
        stream.expires_after(kWriteTimeout);
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
          auto res = parse_failure(detail::error(413, "RequestTooLarge", "request over 64 KiB"));
          co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        } else if (ec == beast::error::timeout) {
          // Nothing or not a whole request within kReadTimeout: close without an answer
          // when nothing came (an idle keep-alive), with 408 when a request was under way.
          if (n > 0 || buffer.size() > 0) {
            auto res = parse_failure(detail::error(408, "RequestTimeout",
                                                   "the request did not arrive within 15 s"));
            co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
          }
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                   ec != asio::error::connection_reset) {
          auto res = parse_failure(detail::error(400, "InvalidRequest", ec.message()));
          co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        }
        break;
      }
      me.answering = true;
      auto& req = parser.get();
      ApiRequest ar{std::string(req.method_string()), std::string(req.target()),
                    std::string(req[http::field::authorization]), req.body()};
      // handle_api_request parks the protocol threads (or visits them one by one) as the
      // route needs: see Route::parked in router.cpp.
      auto answer = handle_api_request(emulator, config, ar, started, true);
      if (answer.render) {
        if (!render_pool) {
          render_pool = std::make_unique<asio::thread_pool>(2);
        }
        answer.body = co_await asio::co_spawn(*render_pool, rendered(std::move(answer.render)),
                                              asio::use_awaitable);
      }
      // Long poll (`msee-ctl events --follow`): GET /v1/events?after=N&wait=S answers as soon
      // as an event after N exists, or after S seconds (at most 60) with none.
      if (auto wait = long_poll_wait(ar); wait.count() > 0 && answer.status == 200 &&
                                          answer.body.starts_with("{\"value\":[]")) {
        stream.expires_never();
        asio::steady_timer timer(io);
        auto deadline = std::chrono::steady_clock::now() + wait;
        auto after = emulator.events().last_seq();
        while (std::chrono::steady_clock::now() < deadline &&
               emulator.events().last_seq() == after) {
          timer.expires_after(std::chrono::milliseconds(100));
          co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        answer = handle_api_request(emulator, config, ar, started);
      }
      http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                            req.version()};
      res.set(http::field::server, "msee-emu");
      res.set(http::field::content_type, answer.content_type);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(answer.body);
      res.prepare_payload();
      stream.expires_after(kWriteTimeout);
      auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      if (wec || !res.keep_alive()) {
        break;
      }
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }


  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted) {
          co_return;
        }
        continue;
      }
      evict_if_full();
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
};

ApiServer::ApiServer(asio::io_context& io, emulator::Emulator& emulator, ApiConfig config)
    : impl_(std::make_unique<Impl>(io, emulator, std::move(config))) {}

ApiServer::~ApiServer() = default;

bool ApiServer::start() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(impl_->config.address, ec);
  if (ec) {
    log::error("API: '{}' is not an IP address", impl_->config.address);
    return false;
  }
  if (!addr.is_loopback() && impl_->config.token.empty()) {
    log::error("API: binding {} (not loopback) needs a bearer token (--api-token)",
               impl_->config.address);
    return false;
  }
  asio::ip::tcp::endpoint ep(addr, impl_->config.port);
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
    log::error("API: cannot listen on [{}]:{}: {}", impl_->config.address, impl_->config.port,
               ec.message());
    return false;
  }
  log::info("API on http://{}:{}/v1 (metrics at /metrics){}", impl_->config.address,
            impl_->config.port, impl_->config.token.empty() ? "" : ", bearer token required");
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  return true;
}

void ApiServer::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace msee::api
