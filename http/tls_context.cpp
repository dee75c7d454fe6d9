#include "http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>

namespace tern::http {
namespace {

// Mozilla's "intermediate" TLS 1.2 suites (forward secret, AEAD only); TLS
// 1.3 keeps OpenSSL's defaults, which are the same three everyone uses.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_reason() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// ALPN (RFC 7301): tern speaks HTTP/1.1 only. A client that offers ALPN
// without it (h2 alone) gets the no_application_protocol alert, as the RFC
// asks, rather than a connection both sides misread.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned in_len, void*) {
  static constexpr unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  for (unsigned i = 0; i < in_len;) {
    unsigned len = in[i];
    if (i + 1 + len > in_len) break;
    if (len == sizeof kHttp11 && std::memcmp(in + i + 1, kHttp11, len) == 0) {
      *out = in + i + 1;
      *out_len = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

std::shared_ptr<asio::ssl::context> load(const std::string& cert_file,
                                         const std::string& key_file) {
  ERR_clear_error();
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  // Connections drive OpenSSL on their non-blocking sockets (see
  // http/tls_stream.hpp): a write may stop part-way and resume later, and an
  // idle connection gives its record buffers back (tens of KiB each).
  SSL_CTX_set_mode(native, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                               SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    throw TlsError("cannot set the TLS 1.2 ciphers: " + openssl_reason());
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1)
    throw TlsError("TERN_TLS_CERT: cannot load '" + cert_file + "': " + openssl_reason());
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw TlsError("TERN_TLS_KEY: cannot load '" + key_file + "': " + openssl_reason());
  if (SSL_CTX_check_private_key(native) != 1)
    throw TlsError("TERN_TLS_KEY does not match TERN_TLS_CERT: " + openssl_reason());
  return ctx;
}

}  // namespace

TlsCertificates::TlsCertificates(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      current_(load(cert_file_, key_file_)) {}

void TlsCertificates::reload() {
  auto fresh = load(cert_file_, key_file_);  // throws, and nothing changes
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(fresh);
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<asio::ssl::context> TlsCertificates::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::string TlsCertificates::describe() const {
  auto ctx = current();
  X509* cert = SSL_CTX_get0_certificate(ctx->native_handle());
  if (!cert) return "no certificate";
  std::string out;
  char name[256];
  X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
  out += name;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    if (ASN1_TIME_print(bio, X509_get0_notAfter(cert)) == 1) {
      char* text = nullptr;
      long len = BIO_get_mem_data(bio, &text);
      out += ", expires ";
      out.append(text, static_cast<std::size_t>(len));
    }
    BIO_free(bio);
  }
  return out;
}

}  // namespace tern::http
