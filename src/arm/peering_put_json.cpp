// PUT .../expressRouteCircuits/{c}/peerings/{p}: the REST spec's peering resource applied to
// the running emulator by difference, as a reload applies an edited file (the config file is
// not rewritten; a restart returns to it). The writable properties are read: state (R66, R67),
// peerASN, the /30s (R9), vlanId, sharedKey (R26; az's masked "********" and null keep the
// key), routeFilter (R52), the Microsoft peering's advertised prefixes, customer ASN and
// registry (R7, R41), and the IPv6 half (R10, R13). Read-only ones (provisioningState, etag,
// azureASN, ports, ...) are ignored, as ARM ignores them. The result is validated against
// Azure's rules before anything changes; what a reload cannot do without a restart (new
// sessions, moved addresses) is refused with the reason.
#include "arm/detail_json.hpp"
#include "msee/validate.hpp"
#include "util/text.hpp"

namespace msee::arm::detail {

namespace {

using msee::Prefix;

struct Bad {
  std::string message;
};

std::optional<msee::PeeringType> peering_type(std::string_view name) {
  for (auto t : {msee::PeeringType::AzurePrivatePeering, msee::PeeringType::MicrosoftPeering,
                 msee::PeeringType::AzurePublicPeering}) {
    if (util::lower(msee::to_string(t)) == util::lower(name)) {
      return t;
    }
  }
  return std::nullopt;
}

std::optional<Bad> read_state(const json& v, const std::string& at, msee::PeeringState& out) {
  if (!v.is_string() || (v != "Enabled" && v != "Disabled")) {
    return Bad{at + " must be \"Enabled\" or \"Disabled\""};
  }
  out = v == "Enabled" ? msee::PeeringState::Enabled : msee::PeeringState::Disabled;
  return std::nullopt;
}

std::optional<Bad> read_prefix(const json& v, const std::string& at, Prefix& out) {
  auto p = v.is_string() ? Prefix::parse(v.get<std::string>()) : std::nullopt;
  if (!p) {
    return Bad{at + " must be a prefix such as \"192.168.15.16/30\""};
  }
  out = *p;
  return std::nullopt;
}

std::optional<Bad> read_asn(const json& v, const std::string& at, msee::Asn& out) {
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 0xffffffffULL) {
    return Bad{at + " must be an AS number (1..4294967295)"};
  }
  out = static_cast<msee::Asn>(v.get<std::uint64_t>());
  return std::nullopt;
}

// microsoftPeeringConfig: advertisedPublicPrefixes, customerASN, routingRegistryName.
std::optional<Bad> read_microsoft(const json& m, const std::string& at,
                                  msee::MicrosoftPeeringConfig& out) {
  if (!m.is_object()) {
    return Bad{at + " must be an object"};
  }
  if (m.contains("advertisedPublicPrefixes") && !m["advertisedPublicPrefixes"].is_null()) {
    const auto& list = m["advertisedPublicPrefixes"];
    if (!list.is_array()) {
      return Bad{at + "/advertisedPublicPrefixes must be an array of prefixes"};
    }
    out.advertised_public_prefixes.clear();
    for (std::size_t i = 0; i < list.size(); ++i) {
      Prefix p;
      if (auto bad = read_prefix(list[i], at + "/advertisedPublicPrefixes/" + std::to_string(i), p)) {
        return bad;
      }
      out.advertised_public_prefixes.push_back(p);
    }
  }
  if (m.contains("customerASN") && !m["customerASN"].is_null()) {
    if (auto bad = read_asn(m["customerASN"], at + "/customerASN", out.customer_asn)) {
      return bad;
    }
  }
  if (m.contains("routingRegistryName") && m["routingRegistryName"].is_string()) {
    out.routing_registry_name = m["routingRegistryName"].get<std::string>();
  }
  return std::nullopt;
}

// "/subscriptions/.../routeFilters/NAME" -> NAME; null -> none.
std::optional<Bad> read_filter(const json& v, const std::string& at, std::string& out) {
  if (v.is_null()) {
    out.clear();
    return std::nullopt;
  }
  if (!v.is_object() || !v.contains("id") || !v["id"].is_string()) {
    return Bad{at + " must be null or {\"id\": \".../routeFilters/NAME\"}"};
  }
  auto id = v["id"].get<std::string>();
  out = id.substr(id.rfind('/') + 1);
  return std::nullopt;
}

// The writable properties of `props` onto `p`.
std::optional<Bad> read_peering(const json& props, msee::Peering& p) {
  const std::string at = "/properties";
  std::optional<Bad> bad;
  for (const auto& [key, v] : props.items()) {
    if (key == "state") {
      bad = read_state(v, at + "/state", p.state);
    } else if (key == "peerASN") {
      bad = read_asn(v, at + "/peerASN", p.peer_asn);
    } else if (key == "primaryPeerAddressPrefix" || key == "secondaryPeerAddressPrefix") {
      Prefix x;
      bad = read_prefix(v, at + "/" + key, x);
      (key == "primaryPeerAddressPrefix" ? p.primary_peer_address_prefix
                                         : p.secondary_peer_address_prefix) = x;
    } else if (key == "vlanId") {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 4094) {
        bad = Bad{at + "/vlanId must be 1..4094"};
      } else {
        p.vlan_id = static_cast<std::uint32_t>(v.get<std::uint64_t>());
      }
    } else if (key == "sharedKey") {
      // az shows a key as "********" and sends it back so: that, and null, keep the key.
      if (v.is_string() && v != "********") {
        p.shared_key = v.get<std::string>();
      } else if (!v.is_null() && !v.is_string()) {
        bad = Bad{at + "/sharedKey must be a string"};
      }
    } else if (key == "routeFilter") {
      bad = read_filter(v, at + "/routeFilter", p.route_filter);
    } else if (key == "microsoftPeeringConfig" && !v.is_null()) {
      if (!p.microsoft_peering_config) {
        p.microsoft_peering_config.emplace();
      }
      bad = read_microsoft(v, at + "/microsoftPeeringConfig", *p.microsoft_peering_config);
    } else if (key == "ipv6PeeringConfig" && !v.is_null()) {
      if (!v.is_object()) {
        bad = Bad{at + "/ipv6PeeringConfig must be an object"};
      } else if (!p.ipv6_peering_config) {
        bad = Bad{at + "/ipv6PeeringConfig: msee-emu adds an IPv6 peering only from its config "
                       "file (new sessions need a restart)"};
      } else {
        auto& six = *p.ipv6_peering_config;
        const auto at6 = at + "/ipv6PeeringConfig";
        for (const auto& [k6, v6] : v.items()) {
          if (k6 == "state") {
            bad = read_state(v6, at6 + "/state", six.state);
          } else if (k6 == "primaryPeerAddressPrefix") {
            bad = read_prefix(v6, at6 + "/" + k6, six.primary_peer_address_prefix);
          } else if (k6 == "secondaryPeerAddressPrefix") {
            bad = read_prefix(v6, at6 + "/" + k6, six.secondary_peer_address_prefix);
          } else if (k6 == "routeFilter") {
            bad = read_filter(v6, at6 + "/routeFilter", six.route_filter);
          } else if (k6 == "microsoftPeeringConfig" && !v6.is_null()) {
            if (!six.microsoft_peering_config) {
              six.microsoft_peering_config.emplace();
            }
            bad = read_microsoft(v6, at6 + "/microsoftPeeringConfig", *six.microsoft_peering_config);
          }
          if (bad) {
            break;
          }
        }
      }
    }
    if (bad) {
      return bad;
    }
  }
  return std::nullopt;
}

}  // namespace

ArmResponse put_peering(const Call& c, const std::string& sub, const std::string& rg,
                        const std::string& circuit, const std::string& peering) {
  auto f = find_circuit(c.state, sub, rg, circuit);
  if (f.error) {
    return *f.error;
  }
  auto body = json::parse(c.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("properties") ||
      !body["properties"].is_object()) {
    return error(400, "InvalidRequestFormat",
                 "Cannot parse the request: the body must be a peering resource "
                 "{\"properties\": {\"state\": ..., ...}}.");
  }
  const auto& props = body["properties"];
  auto type = peering_type(peering);
  if (!type) {
    return error(400, "InvalidRequestFormat",
                 "A peering is named AzurePrivatePeering or MicrosoftPeering, not '" + peering + "'.");
  }
  if (props.contains("peeringType") && props["peeringType"] != msee::to_string(*type)) {
    return error(400, "InvalidRequestFormat",
                 "/properties/peeringType must match the peering's name '" +
                     std::string(msee::to_string(*type)) + "'.");
  }
  // The circuit's identity, copied: applying replaces the emulator's config `f` points into.
  const std::string name = f.circuit->name;
  const std::string subscription = f.circuit->subscription_id;
  const std::string location = f.circuit->location;
  auto config = c.state.emu.config();  // the running config, changed below and applied whole
  auto* target = config.circuit(name);
  msee::Peering* p = nullptr;
  for (auto& x : target->peerings) {
    p = x.peering_type == *type ? &x : p;
  }
  if (p == nullptr) {
    return error(409, "Conflict",
                 "circuit '" + name + "' has no " + std::string(msee::to_string(*type)) +
                     "; msee-emu adds peerings only from its config file (new sessions need a "
                     "restart).");
  }
  if (auto bad = read_peering(props, *p)) {
    return error(400, "InvalidRequestFormat", bad->message);
  }
  // Azure's rules first, every finding with its rule (R-rules, docs/expressroute-rules.md).
  std::string findings;
  for (const auto& x : msee::validate(config)) {
    findings += (findings.empty() ? "" : "; ") + x.message + " (" + x.rule + ")";
  }
  if (!findings.empty()) {
    return error(400, "InvalidRequestFormat", findings);
  }
  if (!c.state.config.apply) {
    return error(501, "NotImplemented", "this msee-emu cannot apply configuration changes");
  }
  auto applied = c.state.config.apply(std::move(config));
  if (!applied) {
    return error(409, "Conflict", applied.error());
  }
  auto v = v1_json(c.state, "GET",
                   "/v1/circuits/" + pct(name) + "/peerings/" +
                       pct(msee::to_string(*type)));
  if (v.error) {
    return *v.error;
  }
  auto shown = arm_peering(v.body);
  if (!c.async()) {
    return ok(shown);
  }
  // ARM: 200 with provisioningState Updating and an Azure-AsyncOperation to poll; then the
  // client GETs the peering (already changed here).
  shown["properties"]["provisioningState"] = "Updating";
  auto id = c.state.keep(Operation{200, "", {}});
  auto r = ok(shown);
  r.headers.emplace_back("Azure-AsyncOperation",
                         c.base_url() + "/subscriptions/" + subscription +
                             "/providers/Microsoft.Network/locations/" + location +
                             "/operations/" + id + "?api-version=" + c.api_version());
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace msee::arm::detail
