// Shared inputs of the circuit-config tests (circuit_config_test.cpp, circuit_azure_test.cpp):
// a valid native file to splice variants into, and one `az network express-route show` output
// as az prints it (R7).
#pragma once

#include <string>

namespace msee::test {

// A valid native file with one private peering; `peering_extra` is spliced into the peering
// object and `top_extra` into the root object.
inline std::string native(const std::string& peering_extra = "",
                          const std::string& top_extra = "") {
  return R"({)" + top_extra + R"(
    "circuits": [{
      "name": "ckt",
      "serviceKey": "00000000-0000-4000-8000-000000000001",
      "sku": {"tier": "Standard", "family": "MeteredData"},
      "serviceProviderProperties": {"serviceProviderName": "Equinix",
                                    "peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
      "peerings": [{
        "peeringType": "AzurePrivatePeering",
        "peerASN": 65001,
        "primaryPeerAddressPrefix": "192.168.100.128/30",
        "secondaryPeerAddressPrefix": "192.168.100.132/30",
        "vlanId": 100)" + peering_extra + R"(
      }]
    }]
  })";
}

// `az network express-route show` of a Standard circuit with private peering, as az prints it
// (flattened, "peerAsn", read-only fields, nulls).
inline constexpr const char* kAzShow = R"({
  "allowClassicOperations": false,
  "authorizations": [],
  "bandwidthInGbps": null,
  "circuitProvisioningState": "Enabled",
  "etag": "W/\"6f1d0c1e-0000-0000-0000-000000000000\"",
  "expressRoutePort": null,
  "gatewayManagerEtag": "",
  "globalReachEnabled": false,
  "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/ckt-az",
  "location": "westeurope",
  "name": "ckt-az",
  "peerings": [
    {
      "azureAsn": 12076,
      "connections": [],
      "etag": "W/\"6f1d0c1e-0000-0000-0000-000000000000\"",
      "gatewayManagerEtag": "",
      "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/ckt-az/peerings/AzurePrivatePeering",
      "ipv6PeeringConfig": null,
      "lastModifiedBy": "Customer",
      "microsoftPeeringConfig": null,
      "name": "AzurePrivatePeering",
      "peerAsn": 65001,
      "peeredConnections": [],
      "peeringType": "AzurePrivatePeering",
      "primaryAzurePort": "",
      "primaryPeerAddressPrefix": "192.168.100.128/30",
      "provisioningState": "Succeeded",
      "resourceGroup": "rg",
      "routeFilter": null,
      "secondaryAzurePort": "",
      "secondaryPeerAddressPrefix": "192.168.100.132/30",
      "sharedKey": null,
      "state": "Enabled",
      "stats": null,
      "type": "Microsoft.Network/expressRouteCircuits/peerings",
      "vlanId": 100
    }
  ],
  "provisioningState": "Succeeded",
  "resourceGroup": "rg",
  "serviceKey": "00000000-0000-4000-8000-0000000000aa",
  "serviceProviderNotes": null,
  "serviceProviderProperties": {
    "bandwidthInMbps": 200,
    "peeringLocation": "Amsterdam",
    "serviceProviderName": "Equinix"
  },
  "serviceProviderProvisioningState": "Provisioned",
  "sku": {"family": "MeteredData", "name": "Standard_MeteredData", "tier": "Standard"},
  "stag": 2,
  "tags": {},
  "type": "Microsoft.Network/expressRouteCircuits"
})";

}  // namespace msee::test
