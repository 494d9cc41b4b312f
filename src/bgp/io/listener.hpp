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

  // Binds (no listen yet); the error says why not (address not local, port in use, no
  // permission). Binding early finds those errors before any work is done, and privileged
  // ports are bound before --user drops root.
  boost::system::error_code open();
  boost::system::error_code set_md5(const wire::IpAddress& peer, std::string_view key);
  boost::system::error_code set_gtsm();
  // Listens and spawns the accept loop. Separate from open() so that the kernel accepts no
  // connection while the speaker is still loading (a million generated routes take seconds):
  // a peer that connects early is refused and retries, rather than sitting on an accepted
  // connection nobody answers until its OPEN times out.
  boost::system::error_code start();
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
