// msee-ctl's HTTP client: parsing --api's URL, percent-encoding, and one HTTP/1.1 request to
// msee-emu's REST API over Beast (with the bearer token, a JSON body when there is one).
#include "ctl/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <cstdio>
#include <iostream>

namespace msee::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<Url> parse_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return std::nullopt;
  }
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  Url u;
  u.base = slash == std::string::npos ? "" : rest.substr(slash);
  if (!u.base.empty() && u.base.back() == '/') {
    u.base.pop_back();
  }
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:8179
    auto close = hostport.find(']');
    if (close == std::string::npos) {
      return std::nullopt;
    }
    u.host = hostport.substr(1, close - 1);
    u.port = close + 1 < hostport.size() && hostport[close + 1] == ':' ? hostport.substr(close + 2)
                                                                         : "80";
  } else {
    auto colon = hostport.rfind(':');
    u.host = hostport.substr(0, colon);
    u.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty()) {
    return std::nullopt;
  }
  return u;
}

std::string encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

namespace {

http::verb verb(Method method) {
  switch (method) {
    case Method::post:
      return http::verb::post;
    case Method::patch:
      return http::verb::patch;
    case Method::get:
      break;
  }
  return http::verb::get;
}

}  // namespace

std::optional<Reply> request(const Url& url, Method method, const std::string& target,
                             const std::string& token, const std::string& body,
                             std::chrono::seconds timeout) {
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(resolver.resolve(url.host, url.port));
    http::request<http::string_body> req{verb(method), url.base + target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "msee-ctl");
    if (!token.empty()) {
      req.set(http::field::authorization, "Bearer " + token);
    }
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return Reply{res.result_int(), res.body()};
  } catch (const boost::system::system_error& e) {
    std::cerr << "msee-ctl: cannot reach msee-emu at http://" << url.host << ":" << url.port
              << ": " << e.code().message()
              << "\n(is msee-emu running with an emulator config? see --api)\n";
    return std::nullopt;
  }
}

}  // namespace msee::ctl
