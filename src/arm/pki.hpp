// The ARM endpoint's keys and certificates, over OpenSSL (no JSON, no Asio): a CA kept in the
// state directory (clients trust it through REQUESTS_CA_BUNDLE), a server certificate it signs
// at every start for the bound address, localhost, 127.0.0.1 and ::1, the RSA key that signs
// access tokens (RS256, RFC 7518 §3.3) and the service principal's client secret. Keys are
// written 0600; a file already there is reused, so tokens and the CA survive restarts.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace msee::arm {

// base64url without padding (RFC 4648 §5), as JWTs use it.
std::string base64url(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
// `n` random bytes from OpenSSL's CSPRNG, as lower-case hex.
std::string random_hex(std::size_t n);

class Pki {
 public:
  // Loads or creates everything under `dir` (created 0700 if missing). `bind_address` goes
  // into the server certificate's subjectAltName.
  static Result<Pki, std::string> open(const std::string& dir, const std::string& bind_address);
  Pki(Pki&&) noexcept;
  Pki& operator=(Pki&&) noexcept;
  ~Pki();

  const std::string& ca_file() const { return ca_file_; }          // <dir>/ca.pem
  const std::string& server_chain_pem() const { return chain_pem_; }  // server + CA
  const std::string& server_key_pem() const { return server_key_pem_; }
  const std::string& client_secret() const { return client_secret_; }
  const std::string& key_id() const { return key_id_; }  // the JWT header's "kid"

  // RS256 over `data` with the token signing key; empty on an OpenSSL failure.
  std::string sign(std::string_view data) const;
  bool verify(std::string_view data, std::string_view signature) const;
  // The signing key's public modulus and exponent, base64url (a JWK's "n" and "e").
  std::string jwk_n() const;
  std::string jwk_e() const;

 private:
  Pki();
  struct Keys;
  std::unique_ptr<Keys> keys_;
  std::string ca_file_, chain_pem_, server_key_pem_, client_secret_, key_id_;
};

}  // namespace msee::arm
