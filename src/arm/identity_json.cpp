// The token issuer and the documents Azure's clients read before any resource: an ADFS-style
// authority (MSAL reads {authority}/.well-known/openid-configuration for an authority whose
// path is /adfs, with no instance discovery at login.microsoftonline.com), the
// client-credentials token endpoint (RFC 6749 §4.4) for the one configured service principal,
// its signing keys (RFC 7517), ARM's metadata endpoint (az cloud register), and the
// subscriptions, tenants and resource groups the circuits' ARM ids name.
#include <set>

#include "api/handlers.hpp"
#include "arm/detail_json.hpp"
#include "arm/token.hpp"
#include "util/text.hpp"

namespace msee::arm::detail {

namespace {

// OAuth 2.0's error body (RFC 6749 §5.2), which MSAL reads; not ARM's.
ArmResponse oauth_error(unsigned status, std::string_view code, std::string description) {
  json j{{"error", code}, {"error_description", std::move(description)}};
  return ArmResponse{status, j.dump() + "\n", "application/json; charset=utf-8", {}};
}

// Equal in time independent of where they differ.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::string authority(const Call& c) { return c.base_url() + "/adfs"; }

std::set<std::string> subscriptions(const State& s) {
  std::set<std::string> out;
  for (const auto& c : s.emu.config().circuits) {
    out.insert(c.subscription_id);
  }
  return out;
}

json subscription_json(const State& s, const std::string& id) {
  return json{{"id", "/subscriptions/" + id},
              {"authorizationSource", "RoleBased"},
              {"managedByTenants", json::array()},
              {"subscriptionId", id},
              {"tenantId", s.config.tenant_id},
              {"displayName", "msee-emu"},
              {"state", "Enabled"},
              {"subscriptionPolicies",
               {{"locationPlacementId", "Public_2014-09-01"},
                {"quotaId", "PayAsYouGo_2014-09-01"},
                {"spendingLimit", "Off"}}}};
}

}  // namespace

ArmResponse openid_configuration(const Call& c) {
  auto a = authority(c);
  return ok(json{{"issuer", a},
                 {"authorization_endpoint", a + "/oauth2/authorize"},
                 {"token_endpoint", a + "/oauth2/token"},
                 {"jwks_uri", a + "/discovery/keys"},
                 {"response_types_supported", {"token"}},
                 {"grant_types_supported", {"client_credentials"}},
                 {"subject_types_supported", {"pairwise"}},
                 {"id_token_signing_alg_values_supported", {"RS256"}},
                 {"token_endpoint_auth_methods_supported", {"client_secret_post"}},
                 {"scopes_supported", {"openid"}}});
}

ArmResponse signing_keys(const Call& c) {
  const auto& pki = *c.state.pki;
  return ok(json{{"keys",
                  {{{"kty", "RSA"},
                    {"use", "sig"},
                    {"alg", "RS256"},
                    {"kid", pki.key_id()},
                    {"n", pki.jwk_n()},
                    {"e", pki.jwk_e()}}}}});
}

// RFC 6749 §4.4.2: grant_type=client_credentials, client_id, client_secret, and the v2 `scope`
// ("<resource>/.default", what MSAL sends) or the v1 `resource`.
ArmResponse token(const Call& c) {
  auto form = api::detail::parse_target("/?" + c.request.body);
  if (!form) {
    return oauth_error(400, "invalid_request", "the form body has a bad %-escape");
  }
  auto field = [&](const char* k) {
    auto it = form->query.find(k);
    return it == form->query.end() ? std::string() : it->second;
  };
  if (field("grant_type") != "client_credentials") {
    return oauth_error(400, "unsupported_grant_type",
                       "this emulator issues tokens for grant_type=client_credentials only, "
                       "not '" + field("grant_type") + "'");
  }
  const auto& cfg = c.state.config;
  if (field("client_id") != cfg.client_id ||
      !same_secret(field("client_secret"), c.state.pki->client_secret())) {
    return oauth_error(401, "invalid_client",
                       "unknown client_id or wrong client_secret (the service principal is '" +
                           cfg.client_id + "', its secret is in " + cfg.state_dir +
                           "/client-secret)");
  }
  auto audience = !field("scope").empty() ? audience_of_scope(field("scope")) : field("resource");
  if (audience.empty()) {
    return oauth_error(400, "invalid_request", "scope (or resource) is required");
  }
  auto now = std::chrono::system_clock::now();
  TokenClaims claims{authority(c), audience, cfg.client_id, cfg.tenant_id, now,
                     now + cfg.token_lifetime};
  auto seconds = cfg.token_lifetime.count();
  return ok(json{{"token_type", "Bearer"},
                 {"expires_in", seconds},
                 {"ext_expires_in", seconds},
                 {"resource", audience},
                 {"access_token", issue_token(*c.state.pki, claims)}});
}

// ARM's cloud metadata, the 2015-01-01 form `az cloud register --endpoint-resource-manager`
// reads (msrestazure): the login endpoint (our /adfs authority) and the token audience.
ArmResponse metadata_endpoints(const Call& c) {
  auto base = c.base_url();
  return ok(json{{"galleryEndpoint", base + "/"},
                 {"graphEndpoint", base + "/graph/"},
                 {"portalEndpoint", base + "/"},
                 {"authentication",
                  {{"loginEndpoint", base + "/adfs"},
                   {"audiences", {c.state.config.audience}},
                   {"tenant", "adfs"},
                   {"identityProvider", "ADFS"}}}});
}

ArmResponse list_subscriptions(const Call& c) {
  json value = json::array();
  for (const auto& s : subscriptions(c.state)) {
    value.push_back(subscription_json(c.state, s));
  }
  auto n = value.size();
  return ok(json{{"value", std::move(value)}, {"count", {{"type", "Total"}, {"value", n}}}});
}

ArmResponse get_subscription(const Call& c) {
  for (const auto& s : subscriptions(c.state)) {
    if (util::lower(s) == util::lower(c.segments[1])) {
      return ok(subscription_json(c.state, s));
    }
  }
  return error(404, "SubscriptionNotFound",
               "The subscription '" + c.segments[1] + "' could not be found.");
}

ArmResponse list_tenants(const Call& c) {
  const auto& t = c.state.config.tenant_id;
  return ok(json{{"value",
                  {{{"id", "/tenants/" + t},
                    {"tenantId", t},
                    {"tenantCategory", "Home"},
                    {"displayName", "msee-emu"}}}}});
}

ArmResponse get_resource_group(const Call& c) {
  const auto& sub = c.segments[1];
  const auto& rg = c.segments[3];
  if (!subscription_known(c.state, sub)) {
    return error(404, "SubscriptionNotFound", "The subscription '" + sub + "' could not be found.");
  }
  for (const auto& circuit : c.state.emu.config().circuits) {
    if (util::lower(circuit.subscription_id) == util::lower(sub) &&
        util::lower(circuit.resource_group) == util::lower(rg)) {
      return ok(json{{"id", "/subscriptions/" + circuit.subscription_id + "/resourceGroups/" +
                                circuit.resource_group},
                     {"name", circuit.resource_group},
                     {"type", "Microsoft.Resources/resourceGroups"},
                     {"location", circuit.location},
                     {"properties", {{"provisioningState", "Succeeded"}}}});
    }
  }
  return error(404, "ResourceGroupNotFound", "Resource group '" + rg + "' could not be found.");
}

}  // namespace msee::arm::detail
