#include "http/tls_stream.hpp"

#include <openssl/err.h>
#include <asio/error.hpp>
#include <asio/ssl/error.hpp>

#include <cerrno>
#include <new>

namespace tern::http {

TlsStream::TlsStream(SSL_CTX* context, int fd) : ssl_(SSL_new(context), SSL_free) {
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd) != 1) {
    ERR_clear_error();
    throw std::bad_alloc();
  }
  SSL_set_accept_state(ssl_.get());
}

std::error_code TlsStream::failed(int result) {
  int error = SSL_get_error(ssl_.get(), result);
  switch (error) {
    case SSL_ERROR_WANT_READ:
      want_ = Want::read;
      return asio::error::would_block;
    case SSL_ERROR_WANT_WRITE:
      want_ = Want::write;
      return asio::error::would_block;
    case SSL_ERROR_ZERO_RETURN:
      return asio::error::eof;
    case SSL_ERROR_SYSCALL: {
      // A reset, or a peer that left without close_notify (errno 0): both
      // end the connection, neither is worth more than that.
      int err = errno;
      ERR_clear_error();
      return err != 0 ? std::error_code(err, asio::error::get_system_category())
                      : std::error_code(asio::error::eof);
    }
    default: {
      unsigned long e = ERR_peek_error();
      if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_HTTP_REQUEST)
        plain_http_ = true;
      ERR_clear_error();
      return std::error_code(static_cast<int>(e ? e : 1), asio::error::get_ssl_category());
    }
  }
}

void TlsStream::handshake(std::error_code& ec) {
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_.get());
  ec = result == 1 ? std::error_code() : failed(result);
}

std::size_t TlsStream::read(char* data, std::size_t size, std::error_code& ec) {
  ERR_clear_error();
  std::size_t n = 0;
  int result = SSL_read_ex(ssl_.get(), data, size, &n);
  ec = result == 1 ? std::error_code() : failed(result);
  return n;
}

std::size_t TlsStream::write(const char* data, std::size_t size, std::error_code& ec) {
  ERR_clear_error();
  std::size_t n = 0;
  int result = SSL_write_ex(ssl_.get(), data, size, &n);
  ec = result == 1 ? std::error_code() : failed(result);
  return n;
}

void TlsStream::shutdown() {
  ERR_clear_error();
  SSL_shutdown(ssl_.get());
  ERR_clear_error();
}

std::string_view TlsStream::version() const {
  return SSL_get_version(ssl_.get());
}

std::string_view TlsStream::alpn() const {
  const unsigned char* data = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl_.get(), &data, &len);
  return data ? std::string_view(reinterpret_cast<const char*>(data), len) : std::string_view();
}

}  // namespace tern::http
