// Configuration from environment variables, with an optional .env file
// underneath them. Every setting has a default and a line of help; a value that
// does not parse, or a required one that is missing, is a ConfigError naming the
// variable, so start-up stops with one clear line instead of running
// half-configured.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/jwt.hpp"
#include "core/redis_url.hpp"

namespace tern {

enum class SessionStoreKind { redis, postgres, memory };
enum class MetricsAccess { local, on, off };

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  unsigned threads = 1;  // event-loop threads
  unsigned workers = 1;  // processes in cluster mode

  std::string database_url;
  RedisUrl redis;               // REDIS_URL, parsed
  unsigned db_connections = 2;  // per event-loop thread
  std::chrono::milliseconds db_statement_timeout{5'000};
  SessionStoreKind session_store = SessionStoreKind::redis;
  std::string session_secret;
  std::chrono::seconds session_idle{86400};
  std::chrono::seconds session_lifetime{7 * 86400};
  unsigned login_max_failures = 5;  // per account; 4x that per client address
  std::chrono::seconds login_window{900};
  unsigned join_max_per_address = 10;  // accounts created per client address and window
  std::chrono::seconds join_window{3600};
  unsigned hash_jobs_per_address = 2;        // password hashes in flight per client address
  unsigned sessions_per_user = 20;           // live sessions; a login beyond ends the oldest
  std::vector<std::string> trusted_proxies;  // peers whose X-Forwarded-For is believed
  std::string jwt_secret;
  // The token API (API.md, "Token API").
  std::vector<JwtKey> jwt_keys;  // newest first: TERN_JWT_KEYS, else {"k1", jwt_secret}
  std::chrono::seconds jwt_ttl{900};
  std::chrono::seconds jwt_leeway{5};
  std::chrono::seconds refresh_ttl{14 * 86400};
  long long rate_free = 60;  // /v2 requests per minute per domain owner
  long long rate_premium = 1000;
  std::chrono::seconds rate_fail_open{60};  // Redis down: /v2 unlimited this long, then 503
  std::string upload_dir;
  std::string web_root;
  std::string public_origin;
  // TERN_PUBLIC_ORIGIN was not set: public_origin is derived from
  // TERN_LISTEN, and the CSRF check also accepts the origin the request's
  // own Host names (a developer opening localhost instead of 127.0.0.1).
  bool public_origin_derived = false;

  std::size_t max_upload_bytes = 5 << 20;
  std::uint64_t max_image_pixels = 40'000'000;  // width × height of one page (bombs → 415)
  unsigned max_image_pages = 100;               // frames of a gif or webp
  std::size_t max_header_bytes = 16 << 10;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_connections = 10000;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::size_t max_connections_per_address = 256;
  std::chrono::milliseconds drain_timeout{10'000};

  unsigned pool_threads = 1;  // the CPU pool: hashing, images
  std::size_t pool_queue = 1024;
  unsigned io_threads = 2;  // the I/O pool: file reads and writes, log output
  std::size_t io_queue = 4096;

  bool access_log = true;
  // GET /metrics: from loopback clients only (the default; the client
  // address as trusted proxies report it), from anyone, or not at all.
  MetricsAccess metrics = MetricsAccess::local;
  std::string log_level = "info";
  bool log_json = false;  // TERN_LOG_FORMAT=json

  // TLS: both set, or neither (plain HTTP, as behind a TLS-ending proxy).
  std::string tls_cert;                           // PEM certificate chain, leaf first
  std::string tls_key;                            // PEM private key
  std::chrono::seconds hsts_max_age{31'536'000};  // over TLS; 0: no header
  bool tls() const { return !tls_cert.empty(); }
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Looks a variable up; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Builds the configuration; throws ConfigError on the first bad or missing value.
Config load_config(const EnvLookup& env);

// The process environment layered over the variables of `dotenv_path` (if the
// file exists). Variables already in the environment win, as with dotenv.
EnvLookup process_env(const std::string& dotenv_path = ".env");

// Parses KEY=VALUE lines (comments, blank lines, `export`, quotes allowed).
std::map<std::string, std::string> parse_dotenv(std::string_view text);

// The `tern --help` text: every variable with its default and meaning.
std::string config_help();

}  // namespace tern
