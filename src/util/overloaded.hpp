// Overloaded: the std::visit helper that builds one visitor out of several lambdas, so that a
// visit names every alternative of a variant (without a catch-all, adding an alternative fails
// to compile until each visit handles it). Header-only, std only.
#pragma once

namespace msee::util {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace msee::util
