// Access tokens of the ARM endpoint: JWTs (RFC 7519) signed RS256 with the state directory's
// key, issued by the token endpoint for the configured service principal and checked on every
// ARM request: signature, expiry and audience, as ARM checks Azure AD's tokens. A failed check
// carries ARM's own error code (InvalidAuthenticationToken, ExpiredAuthenticationToken,
// InvalidAuthenticationTokenAudience, AuthenticationFailed for a missing header).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "arm/pki.hpp"

namespace msee::arm {

struct TokenClaims {
  std::string issuer;     // iss: the authority, https://host/adfs
  std::string audience;   // aud: the resource asked for
  std::string client_id;  // appid, sub, oid
  std::string tenant_id;  // tid
  std::chrono::system_clock::time_point issued;
  std::chrono::system_clock::time_point expires;
};

// A compact JWS: header.payload.signature (token_json.cpp).
std::string issue_token(const Pki& pki, const TokenClaims& claims);

struct TokenRejection {
  std::string code;     // ARM's error code
  std::string message;
};
// Checks an `Authorization` header value ("Bearer <jwt>") against the key, `now` and the
// expected audience (trailing '/' ignored); nullopt when the token is good.
std::optional<TokenRejection> check_token(const Pki& pki, std::string_view authorization,
                                          std::string_view audience,
                                          std::chrono::system_clock::time_point now);

// The resource of a v2 `scope` form field: "https://management.core.windows.net//.default"
// -> "https://management.core.windows.net/" (the first scope, "/.default" removed); a v1
// `resource` is taken as it is.
std::string audience_of_scope(std::string_view scope);

}  // namespace msee::arm
