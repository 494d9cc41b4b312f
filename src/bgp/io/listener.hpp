// A passive TCP endpoint for BGP (one per configured listen address). It accepts connections and
// hands each to a dispatch function that matches the remote address to a configured neighbour.
// MD5 keys for the neighbours reachable through this listener are installed on the listening
// socket (Linux copies them to accepted sockets).
//
// Concurrency contract: not thread-safe; all calls on the io_context thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <string>

#include "bgp/io/socket_options.hpp"

namespace msee::bgp::io {

class Listener {
 public:
  using Dispatch = std::function<void(tcp::socket)>;
  Listener(boost::asio::io_context& io, tcp::endpoint endpoint, Dispatch dispatch);

  // Binds and listens; the error says why not (address not local, port in use, no permission).
  boost::system::error_code open();
  boost::system::error_code set_md5(const wire::IpAddress& peer, std::string_view key);
  boost::system::error_code set_gtsm();
  void start();  // spawns the accept loop
  void close();
  const tcp::endpoint& endpoint() const { return endpoint_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::io_context& io_;
  tcp::endpoint endpoint_;
  tcp::acceptor acceptor_;
  Dispatch dispatch_;
};

}  // namespace msee::bgp::io
