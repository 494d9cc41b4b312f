// Azure's fixed tables the MSEEs use: regions with their BGP community suffix and geopolitical
// area (R57), peering locations and the regions near them (R53), service communities (R58), and
// a small built-in catalogue of Microsoft prefixes per community for Microsoft peering in the
// lab (R52, R55). The catalogue is illustrative, not Microsoft's live list; a file replaces it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "msee/circuit.hpp"

namespace msee {

struct Region {
  std::string_view name;          // Azure location name, "westeurope"
  std::string_view display_name;  // "West Europe"
  std::uint16_t suffix = 0;       // the xxx of 12076:50xxx / 51xxx / 52–55xxx (R57)
  std::string_view geo;           // geopolitical area for Standard SKU scope (R53)
};

// Normalises "West Europe", "west-europe", "WestEurope" to "westeurope".
std::string normalise_region(std::string_view text);
const Region* find_region(std::string_view name);  // by name or display name
const std::vector<Region>& regions();

// The regions "near" a peering location: ExpressRoute Local's scope (R53). Empty if unknown.
std::vector<std::string_view> local_regions(std::string_view peering_location);
// The geopolitical area of a peering location (Standard SKU scope), if known.
std::optional<std::string_view> peering_location_geo(std::string_view peering_location);

// MSEE: R56 — regional private-peering community 12076:50xxx for a VNet's region.
std::optional<Community> private_regional_community(std::string_view region);
// MSEE: R55 — regional Microsoft-peering community 12076:51xxx.
std::optional<Community> microsoft_regional_community(std::string_view region);

struct ServiceCommunity {
  std::string_view name;
  Community community;
  bool requires_premium = false;  // Microsoft 365 services (R77)
};
const std::vector<ServiceCommunity>& service_communities();  // MSEE: R58

// One catalogue entry: prefixes Microsoft advertises on Microsoft peering with `communities`
// (a regional community and, for a service, its service community).
struct CatalogueEntry {
  std::string service;  // "" for plain regional Azure prefixes
  std::string region;   // normalised region name, or "global"
  std::vector<Community> communities;
  std::vector<Prefix> prefixes;
};
const std::vector<CatalogueEntry>& builtin_catalogue();

}  // namespace msee
