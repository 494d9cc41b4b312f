// msee-ctl's HTTP client (ctl/http_client.cpp): the API's base URL, percent-encoding of path
// and query parts, and one request/reply over Beast. Knows nothing of JSON or commands.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace msee::ctl {

struct Url {
  std::string host;
  std::string port;
  std::string base;  // path prefix, usually empty
};

// http://HOST[:PORT][/BASE] or http://[V6]:PORT[/BASE] (port 80 when omitted); nullopt when
// `url` is not of that form.
std::optional<Url> parse_url(const std::string& url);

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string encode(const std::string& s);

enum class Method { get, post, patch };

struct Reply {
  unsigned status = 0;
  std::string body;
};

// One request; nullopt (with a message on stderr) if msee-emu cannot be reached. `timeout`
// covers long polls.
std::optional<Reply> request(const Url& url, Method method, const std::string& target,
                             const std::string& token, const std::string& body = "",
                             std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace msee::ctl
