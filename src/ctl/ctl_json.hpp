// msee-ctl's JSON type: nlohmann's ordered_json, so that what the API answers is printed in
// the API's field order. Only *_json.cpp / *_json.hpp files include this header.
#pragma once

#include <nlohmann/json.hpp>

namespace msee::ctl {

using json = nlohmann::ordered_json;

}  // namespace msee::ctl
