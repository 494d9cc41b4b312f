// Access tokens (token.hpp): the JWT's JSON header and claims, RS256 signatures (pki.hpp).
#include <nlohmann/json.hpp>

#include "arm/token.hpp"

namespace msee::arm {

using json = nlohmann::ordered_json;

namespace {

std::int64_t epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string trim_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') {
    s.remove_suffix(1);
  }
  return std::string(s);
}

}  // namespace

std::string audience_of_scope(std::string_view scope) {
  // MSAL may send several scopes ("X/.default offline_access"): the resource is the first.
  scope = scope.substr(0, scope.find(' '));
  // As Azure AD maps them: "X//.default" (az: the resource "X/" + "/.default") -> "X/",
  // "X/.default" -> "X". The audience check ignores a trailing '/' anyway.
  constexpr std::string_view kDefault = "/.default";
  if (scope.ends_with(kDefault)) {
    scope.remove_suffix(kDefault.size());
  }
  return std::string(scope);
}

std::string issue_token(const Pki& pki, const TokenClaims& c) {
  json header{{"typ", "JWT"}, {"alg", "RS256"}, {"kid", pki.key_id()}};
  json claims{{"aud", c.audience},
              {"iss", c.issuer},
              {"iat", epoch(c.issued)},
              {"nbf", epoch(c.issued)},
              {"exp", epoch(c.expires)},
              {"appid", c.client_id},
              {"appidacr", "1"},
              {"idtyp", "app"},
              {"oid", c.client_id},
              {"sub", c.client_id},
              {"tid", c.tenant_id},
              {"ver", "1.0"}};
  auto signing_input = base64url(header.dump()) + "." + base64url(claims.dump());
  return signing_input + "." + base64url(pki.sign(signing_input));
}

std::optional<TokenRejection> check_token(const Pki& pki, std::string_view authorization,
                                          std::string_view audience,
                                          std::chrono::system_clock::time_point now) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.empty()) {
    return TokenRejection{"AuthenticationFailed",
                          "Authentication failed. The 'Authorization' header is missing."};
  }
  if (authorization.size() <= kScheme.size() ||
      authorization.substr(0, kScheme.size()) != kScheme) {
    return TokenRejection{"AuthenticationFailed",
                          "Authentication failed. The 'Authorization' header is not "
                          "'Bearer <access token>'."};
  }
  auto token = authorization.substr(kScheme.size());
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  const TokenRejection malformed{"InvalidAuthenticationToken",
                                 "The access token is invalid: not a signed JWT."};
  if (dot2 == std::string_view::npos) {
    return malformed;
  }
  auto header = base64url_decode(token.substr(0, dot1));
  auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) {
    return malformed;
  }
  auto h = json::parse(*header, nullptr, false);
  auto p = json::parse(*payload, nullptr, false);
  if (!h.is_object() || !p.is_object()) {
    return malformed;
  }
  if (h.value("alg", "") != "RS256") {
    return TokenRejection{"InvalidAuthenticationToken",
                          "The access token is invalid: alg must be RS256."};
  }
  if (!pki.verify(token.substr(0, dot2), *signature)) {
    return TokenRejection{"InvalidAuthenticationToken",
                          "The access token is invalid: its signature does not verify with "
                          "this emulator's token signing key."};
  }
  if (!p.contains("exp") || !p["exp"].is_number_integer()) {
    return TokenRejection{"InvalidAuthenticationToken", "The access token has no 'exp' claim."};
  }
  auto exp = p["exp"].get<std::int64_t>();
  if (exp <= epoch(now)) {
    return TokenRejection{"ExpiredAuthenticationToken",
                          "The access token expiry UTC time '" + std::to_string(exp) +
                              "' is earlier than current UTC time '" +
                              std::to_string(epoch(now)) + "'."};
  }
  if (p.contains("nbf") && p["nbf"].is_number_integer() &&
      p["nbf"].get<std::int64_t>() > epoch(now) + 300) {
    return TokenRejection{"InvalidAuthenticationToken", "The access token is not valid yet."};
  }
  auto aud = p.contains("aud") && p["aud"].is_string() ? p["aud"].get<std::string>() : "";
  if (trim_slash(aud) != trim_slash(audience)) {
    return TokenRejection{"InvalidAuthenticationTokenAudience",
                          "The access token has been obtained for wrong audience or resource '" +
                              aud + "'. It should exactly match with one of the allowed "
                              "audiences '" + std::string(audience) + "'."};
  }
  return std::nullopt;
}

}  // namespace msee::arm
