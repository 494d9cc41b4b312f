// The ARM endpoint's keys and certificates (pki.hpp), with OpenSSL 3's EVP and X509 API.
#include "arm/pki.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace msee::arm {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

std::string openssl_error(std::string_view what) {
  return std::string(what) + " failed (OpenSSL)";
}

Pkey generate_rsa() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
  EVP_PKEY* key = nullptr;
  if (ctx != nullptr && EVP_PKEY_keygen_init(ctx) > 0 &&
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) > 0) {
    EVP_PKEY_keygen(ctx, &key);
  }
  EVP_PKEY_CTX_free(ctx);
  return Pkey(key);
}

// A memory BIO's whole content.
std::string drain(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  if (!out.empty()) {
    BIO_read(bio, out.data(), static_cast<int>(out.size()));
  }
  return out;
}

std::string key_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  auto out = drain(bio);
  BIO_free(bio);
  return out;
}

std::string cert_pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  auto out = drain(bio);
  BIO_free(bio);
  return out;
}

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Written whole with mode `mode` (0600 for secrets): a reader never sees half a key.
bool write_text(const fs::path& p, const std::string& text, mode_t mode) {
  auto tmp = p.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) {
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  std::error_code ec;
  fs::rename(tmp, p, ec);
  return ok && !ec;
}

Pkey load_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return Pkey(k);
}

Cert load_cert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return Cert(c);
}

// The key in `file`, or a new one written there.
Result<Pkey, std::string> key_file(const fs::path& file) {
  if (auto pem = read_text(file)) {
    if (auto k = load_key(*pem)) {
      return k;
    }
    return unexpected(file.string() + " is not a PEM private key (delete it to regenerate)");
  }
  auto k = generate_rsa();
  if (!k) {
    return unexpected(openssl_error("RSA key generation"));
  }
  if (!write_text(file, key_pem(k.get()), 0600)) {
    return unexpected("cannot write " + file.string());
  }
  return k;
}

bool add_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (ext == nullptr) {
    return false;
  }
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `cn`, signed by `issuer` (nullptr: self-signed) with
// `issuer_key`; a CA when `san` is empty, a TLS server certificate for `san` otherwise.
Cert make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
               const std::string& san, long days) {
  Cert cert(X509_new());
  X509* x = cert.get();
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_set_version(x, 2);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), days * 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("msee-emu"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  X509V3_set_issuer_pkey(&ctx, issuer_key);
  bool ok = add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
            add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
  if (san.empty()) {
    ok = ok && add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
         add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") &&
         add_ext(x, &ctx, NID_subject_alt_name, san.c_str());
  }
  if (!ok || X509_sign(x, issuer_key, EVP_sha256()) == 0) {
    return nullptr;
  }
  return cert;
}

std::string bn_param(EVP_PKEY* key, const char* param) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &bn) != 1) {
    return "";
  }
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return base64url(bytes);
}

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) {
    out.push_back(kB64[(acc << (6 - bits)) & 0x3f]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    auto v = kB64.find(c);
    if (v == std::string_view::npos) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string random_hex(std::size_t n) {
  std::vector<unsigned char> b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  std::string out;
  for (auto c : b) {
    constexpr char kHex[] = "0123456789abcdef";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

struct Pki::Keys {
  Pkey signing;
};

Pki::Pki() : keys_(std::make_unique<Keys>()) {}
Pki::Pki(Pki&&) noexcept = default;
Pki& Pki::operator=(Pki&&) noexcept = default;
Pki::~Pki() = default;

Result<Pki, std::string> Pki::open(const std::string& dir, const std::string& bind_address) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return unexpected("cannot create the state directory " + dir + ": " + ec.message());
  }
  fs::permissions(dir, fs::perms::owner_all, ec);
  Pki pki;
  auto signing = key_file(fs::path(dir) / "token-signing-key.pem");
  auto ca_key = key_file(fs::path(dir) / "ca-key.pem");
  if (!signing) {
    return unexpected(signing.error());
  }
  if (!ca_key) {
    return unexpected(ca_key.error());
  }
  pki.keys_->signing = std::move(*signing);
  // The CA: reused while its file holds a certificate for this CA key, so a trust anchor
  // handed to clients (REQUESTS_CA_BUNDLE) stays valid across restarts.
  auto ca_path = fs::path(dir) / "ca.pem";
  Cert ca;
  if (auto pem = read_text(ca_path)) {
    ca = load_cert(*pem);
    if (ca && X509_check_private_key(ca.get(), ca_key->get()) != 1) {
      ca.reset();
    }
  }
  if (!ca) {
    ca = make_cert(ca_key->get(), "msee-emu local CA", nullptr, ca_key->get(), "", 3650);
    if (!ca || !write_text(ca_path, cert_pem(ca.get()), 0644)) {
      return unexpected("cannot create the CA certificate " + ca_path.string());
    }
  }
  // The server certificate: new at every start (the bound address may differ), same CA.
  auto server_key = generate_rsa();
  if (!server_key) {
    return unexpected(openssl_error("RSA key generation"));
  }
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  boost::system::error_code bad;
  auto addr = boost::asio::ip::make_address(bind_address, bad);
  if (!bad && !addr.is_unspecified() && bind_address != "127.0.0.1" && bind_address != "::1") {
    san += ",IP:" + bind_address;
  }
  auto server = make_cert(server_key.get(), "msee-emu ARM endpoint", ca.get(), ca_key->get(),
                          san, 825);
  if (!server) {
    return unexpected(openssl_error("the server certificate"));
  }
  pki.ca_file_ = ca_path.string();
  pki.chain_pem_ = cert_pem(server.get()) + cert_pem(ca.get());
  pki.server_key_pem_ = key_pem(server_key.get());
  write_text(fs::path(dir) / "server.pem", pki.chain_pem_, 0644);  // for curl --cacert users
  // The service principal's secret: kept, or made once.
  auto secret_path = fs::path(dir) / "client-secret";
  if (auto s = read_text(secret_path); s && !s->empty()) {
    while (!s->empty() && (s->back() == '\n' || s->back() == '\r')) {
      s->pop_back();
    }
    pki.client_secret_ = *s;
  } else {
    pki.client_secret_ = random_hex(24);
    if (!write_text(secret_path, pki.client_secret_ + "\n", 0600)) {
      return unexpected("cannot write " + secret_path.string());
    }
  }
  pki.key_id_ = pki.jwk_n().substr(0, 16);
  return pki;
}

std::string Pki::sign(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig;
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, keys_->signing.get()) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1) {
      sig.resize(len);
    } else {
      sig.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  return sig;
}

bool Pki::verify(std::string_view data, std::string_view signature) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, keys_->signing.get()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string Pki::jwk_n() const { return bn_param(keys_->signing.get(), OSSL_PKEY_PARAM_RSA_N); }
std::string Pki::jwk_e() const { return bn_param(keys_->signing.get(), OSSL_PKEY_PARAM_RSA_E); }

}  // namespace msee::arm
