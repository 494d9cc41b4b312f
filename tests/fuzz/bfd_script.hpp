// The BFD fuzz script (shared by tests/fuzz/bfd_fuzz.cpp and tests/bfd/bad_vectors_test.cpp):
// the input is a script of operations on one passive session — receive a datagram (decoded by
// bfd::decode; an accepted packet must re-encode to a packet that decodes to the same value),
// let time pass (tick + poll_transmit), toggle AdminDown — checking the RFC 5880 invariants
// that must hold whatever a peer sends. Returns the violated invariant, if any.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "bfd/packet.hpp"
#include "bfd/session.hpp"

namespace msee::fuzz {

inline std::optional<std::string> run_bfd_script(std::span<const std::uint8_t> script) {
  using namespace msee::bfd;
  const std::uint8_t* data = script.data();
  const std::size_t size = script.size();
  SessionConfig cfg;
  cfg.jitter_seed = 1;
  Session session(cfg);
  TimePoint now{};
  std::size_t i = 0;
  while (i < size) {
    std::uint8_t op = data[i++];
    switch (op % 4) {
      case 0: {  // a datagram of up to 64 octets
        std::size_t len = i < size ? data[i++] % 65 : 0;
        len = std::min(len, size - i);
        std::span<const std::uint8_t> dgram(data + i, len);
        i += len;
        auto pkt = decode(dgram);
        if (!pkt) {
          break;
        }
        auto again = decode(encode(*pkt));
        if (!again || !(*again == *pkt)) {
          return "an accepted packet does not survive encode/decode";
        }
        (void)session.receive(*pkt, now);
        break;
      }
      case 1: {  // time passes: up to 65 s
        std::uint32_t us = 0;
        for (int k = 0; k < 3 && i < size; ++k) {
          us = (us << 8) | data[i++];
        }
        now += Micros(us % 65'000'000);
        (void)session.tick(now);
        int sent = 0;
        while (auto out = session.poll_transmit(now)) {
          if (out->my_discriminator == 0) {
            return "sent My Discriminator 0 (RFC 5880 §6.8.1)";
          }
          if (out->detect_mult == 0) {
            return "sent Detect Mult 0";
          }
          if (out->state != State::Down && out->state != State::AdminDown &&
              out->your_discriminator == 0) {
            return "Your Discriminator 0 in state Init/Up (RFC 5880 §6.8.6)";
          }
          if (++sent > 4) {
            return "poll_transmit keeps returning packets";
          }
        }
        break;
      }
      case 2:
        (void)session.set_admin_down(i < size && (data[i++] & 1) != 0, now);
        break;
      default:
        break;
    }
    if (session.state() == State::Up && session.remote_discriminator() == 0) {
      return "Up without a remote discriminator";
    }
  }
  return std::nullopt;
}

}  // namespace msee::fuzz
