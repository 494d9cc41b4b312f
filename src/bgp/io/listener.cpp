// Listener implementation: bind, listen, accept loop.
#include "bgp/io/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <netinet/in.h>

#include "util/log.hpp"

namespace msee::bgp::io {

namespace asio = boost::asio;

Listener::Listener(asio::io_context& io, tcp::endpoint endpoint, Dispatch dispatch)
    : io_(io), endpoint_(std::move(endpoint)), acceptor_(io), dispatch_(std::move(dispatch)) {}

boost::system::error_code Listener::open() {
  boost::system::error_code ec;
  acceptor_.open(endpoint_.protocol(), ec);
  if (ec) {
    return ec;
  }
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (endpoint_.address().is_v6()) {
    // One listener per address family, as configured: never accept v4-mapped peers here.
    acceptor_.set_option(asio::ip::v6_only(true), ec);
  }
  acceptor_.bind(endpoint_, ec);
  return ec;
}

boost::system::error_code Listener::set_md5(const wire::IpAddress& peer, std::string_view key) {
  return set_md5_key(acceptor_, peer, key);
}

boost::system::error_code Listener::set_gtsm() {
  return set_min_ttl(acceptor_, endpoint_.address().is_v6(), 254);
}

boost::system::error_code Listener::start() {
  boost::system::error_code ec;
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
  }
  return ec;
}

void Listener::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> Listener::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      co_return;
    }
    if (ec) {
      // EMFILE and friends: log and keep accepting after the error clears.
      log::warn("listener {}: accept failed: {}", endpoint_.address().to_string(), ec.message());
      continue;
    }
    dispatch_(std::move(socket));
  }
}

}  // namespace msee::bgp::io
