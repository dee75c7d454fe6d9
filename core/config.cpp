#include "core/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <asio/ip/address.hpp>

#include "core/origin.hpp"
#include "core/redis_url.hpp"

namespace tern {
namespace {

// One row per variable: the table is both the parser and the help text, so
// the two can never disagree.
struct Setting {
  const char* name;
  const char* default_text;  // shown in --help; nullptr = required / computed
  const char* help;
  void (*apply)(Config&, const std::string& name, const std::string& value);
};

[[noreturn]] void bad(const std::string& name, const std::string& why) {
  throw ConfigError(name + ": " + why);
}

std::uint64_t parse_uint(const std::string& name, const std::string& v, std::uint64_t min,
                         std::uint64_t max) {
  std::uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size() || v.empty())
    bad(name, "expected a whole number, got '" + v + "'");
  if (out < min || out > max)
    bad(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return out;
}

std::chrono::milliseconds parse_ms(const std::string& name, const std::string& v) {
  return std::chrono::milliseconds(parse_uint(name, v, 1, 24ull * 3600 * 1000));
}

bool parse_bool(const std::string& name, const std::string& v) {
  if (v == "1" || v == "on" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "off" || v == "false" || v == "no") return false;
  bad(name, "expected on or off, got '" + v + "'");
}

void parse_listen(Config& c, const std::string& name, const std::string& v) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) bad(name, "expected host:port, got '" + v + "'");
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  c.listen_host = host;
  c.listen_port = static_cast<std::uint16_t>(parse_uint(name, v.substr(colon + 1), 0, 65535));
}

// deploy/tern.env.example's placeholders are long enough to pass the
// length check; a server must not start with one.
void refuse_placeholder(const std::string& name, std::string_view v) {
  if (v.find("CHANGE-ME") != std::string_view::npos)
    bad(name, "is still the placeholder of tern.env.example (make one: openssl rand -base64 48)");
}

void parse_secret(std::string& out, const std::string& name, const std::string& v) {
  if (v.size() < 32) bad(name, "must be at least 32 characters");
  refuse_placeholder(name, v);
  out = v;
}

void parse_url(std::string& out, const std::string& name, const std::string& v,
               std::initializer_list<std::string_view> schemes) {
  for (auto s : schemes)
    if (v.starts_with(s)) {
      out = v;
      return;
    }
  bad(name, "unsupported URL '" + v + "'");
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"TERN_LISTEN", "127.0.0.1:8080", "address and port to listen on", parse_listen},
      {"TERN_THREADS", "number of cores", "event-loop threads, each with its own io_context",
       [](Config& c, const std::string& n, const std::string& v) {
         c.threads = static_cast<unsigned>(parse_uint(n, v, 1, 256));
       }},
      {"TERN_WORKERS", "1", "processes in cluster mode (a supervisor restarts them)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.workers = static_cast<unsigned>(parse_uint(n, v, 1, 256));
       }},
      {"DATABASE_URL", "postgresql://127.0.0.1:5432/tern", "PostgreSQL connection URL",
       [](Config& c, const std::string& n, const std::string& v) {
         parse_url(c.database_url, n, v, {"postgres://", "postgresql://"});
       }},
      {"REDIS_URL", "redis://127.0.0.1:6379/0", "Redis URL (redis://[:password@]host:port/db)",
       [](Config& c, const std::string& n, const std::string& v) {
         try {
           c.redis = RedisUrl::parse(v);
         } catch (const std::invalid_argument& e) {
           bad(n, e.what());
         }
       }},
      {"TERN_SESSION_STORE", "redis", "where sessions live: redis | postgres | memory",
       [](Config& c, const std::string& n, const std::string& v) {
         if (v == "redis")
           c.session_store = SessionStoreKind::redis;
         else if (v == "postgres")
           c.session_store = SessionStoreKind::postgres;
         else if (v == "memory")
           c.session_store = SessionStoreKind::memory;
         else
           bad(n, "expected redis, postgres or memory, got '" + v + "'");
       }},
      {"TERN_SESSION_IDLE_S", "86400", "a session unused this long (seconds) expires",
       [](Config& c, const std::string& n, const std::string& v) {
         c.session_idle = std::chrono::seconds(parse_uint(n, v, 1, 365ull * 86400));
       }},
      {"TERN_SESSION_LIFETIME_S", "604800", "a session expires this long after login, used or not",
       [](Config& c, const std::string& n, const std::string& v) {
         c.session_lifetime = std::chrono::seconds(parse_uint(n, v, 1, 365ull * 86400));
       }},
      {"TERN_LOGIN_MAX_FAILURES", "5", "failed logins per email (and 4x per address) before 429",
       [](Config& c, const std::string& n, const std::string& v) {
         c.login_max_failures = static_cast<unsigned>(parse_uint(n, v, 1, 1000));
       }},
      {"TERN_LOGIN_WINDOW_S", "900", "how long failed logins are counted (seconds)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.login_window = std::chrono::seconds(parse_uint(n, v, 1, 86400));
       }},
      {"TERN_SESSION_SECRET", nullptr, "required: HMAC key for session cookies (>= 32 chars)",
       [](Config& c, const std::string& n, const std::string& v) {
         parse_secret(c.session_secret, n, v);
       }},
      {"TERN_JWT_SECRET", nullptr,
       "required unless TERN_JWT_KEYS is set: HMAC key for JWTs (>= 32 chars), kid k1",
       [](Config& c, const std::string& n, const std::string& v) {
         parse_secret(c.jwt_secret, n, v);
       }},
      {"TERN_JWT_KEYS", "",
       "JWT keys as kid:secret,kid:secret (newest first, it signs; all verify)",
       [](Config& c, const std::string& n, const std::string& v) {
         if (v.empty()) return;
         auto keys = parse_jwt_keys(v);
         if (!keys) bad(n, "expected kid:secret,... with kids of [A-Za-z0-9._-]{1,64}");
         for (const auto& k : *keys)
           if (k.secret.size() < 32) bad(n, "the secret of kid " + k.kid + " is under 32 chars");
         for (const auto& k : *keys)
           refuse_placeholder(n, k.secret);
         c.jwt_keys = std::move(*keys);
       }},
      {"TERN_JWT_TTL_S", "900", "lifetime of an access token (seconds)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.jwt_ttl = std::chrono::seconds(parse_uint(n, v, 1, 86400));
       }},
      {"TERN_JWT_LEEWAY_S", "5", "clock skew allowed when checking exp, nbf and iat (seconds)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.jwt_leeway = std::chrono::seconds(parse_uint(n, v, 0, 300));
       }},
      {"TERN_REFRESH_TTL_S", "1209600", "lifetime of a refresh token (seconds)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.refresh_ttl = std::chrono::seconds(parse_uint(n, v, 60, 365ull * 86400));
       }},
      {"TERN_RATE_FREE", "60", "/v2 requests per minute for a free domain's owner",
       [](Config& c, const std::string& n, const std::string& v) {
         c.rate_free = static_cast<long long>(parse_uint(n, v, 1, 1'000'000));
       }},
      {"TERN_RATE_PREMIUM", "1000", "/v2 requests per minute for a premium domain's owner",
       [](Config& c, const std::string& n, const std::string& v) {
         c.rate_premium = static_cast<long long>(parse_uint(n, v, 1, 1'000'000));
       }},
      {"TERN_RATE_FAIL_OPEN_S", "60",
       "Redis down: /v2 is not rate limited for this long, then answers 503 (0: at once)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.rate_fail_open = std::chrono::seconds(parse_uint(n, v, 0, 86400));
       }},
      {"TERN_UPLOAD_DIR", "var/uploads", "where uploaded images and thumbnails are stored",
       [](Config& c, const std::string&, const std::string& v) { c.upload_dir = v; }},
      {"TERN_WEB_ROOT", "web", "folder of the static web client",
       [](Config& c, const std::string&, const std::string& v) { c.web_root = v; }},
      {"TERN_PUBLIC_ORIGIN", "http://<TERN_LISTEN>", "the server's own origin (CSRF checks)",
       [](Config& c, const std::string& n, const std::string& v) {
         auto origin = normalize_origin(v);
         if (!origin) bad(n, "expected an origin like https://example.com[:port], got '" + v + "'");
         c.public_origin = *origin;
       }},
      {"TERN_MAX_UPLOAD_BYTES", "5242880", "largest accepted image upload",
       [](Config& c, const std::string& n, const std::string& v) {
         c.max_upload_bytes = parse_uint(n, v, 1024, 1ull << 30);
       }},
      {"TERN_MAX_IMAGE_PIXELS", "40000000",
       "largest image accepted, in pixels per page (width x height; more -> 415)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.max_image_pixels = parse_uint(n, v, 1, 1ull << 34);
       }},
      {"TERN_MAX_IMAGE_PAGES", "100", "most frames of an animated image (more -> 415)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.max_image_pages = static_cast<unsigned>(parse_uint(n, v, 1, 10000));
       }},
      {"TERN_MAX_HEADER_BYTES", "16384", "largest request head (request line + headers) -> 431",
       [](Config& c, const std::string& n, const std::string& v) {
         c.max_header_bytes = parse_uint(n, v, 1024, 1 << 20);
       }},
      {"TERN_MAX_BODY_BYTES", "1048576", "default largest request body per route -> 413",
       [](Config& c, const std::string& n, const std::string& v) {
         c.max_body_bytes = parse_uint(n, v, 0, 1ull << 30);
       }},
      {"TERN_MAX_CONNECTIONS", "10000", "open connections per process; more are refused",
       [](Config& c, const std::string& n, const std::string& v) {
         c.max_connections = parse_uint(n, v, 1, 1'000'000);
       }},
      {"TERN_HEADER_TIMEOUT_MS", "10000", "time a client has to send a request head",
       [](Config& c, const std::string& n, const std::string& v) {
         c.header_timeout = parse_ms(n, v);
       }},
      {"TERN_IDLE_TIMEOUT_MS", "60000", "idle keep-alive connections are closed after this",
       [](Config& c, const std::string& n, const std::string& v) {
         c.idle_timeout = parse_ms(n, v);
       }},
      {"TERN_BODY_TIMEOUT_MS", "60000",
       "time a client has to send a request body, from the end of its head",
       [](Config& c, const std::string& n, const std::string& v) {
         c.body_timeout = parse_ms(n, v);
       }},
      {"TERN_MAX_CONNECTIONS_PER_ADDRESS", "256",
       "open connections per client address (IPv6: per /64); more are refused",
       [](Config& c, const std::string& n, const std::string& v) {
         c.max_connections_per_address = parse_uint(n, v, 1, 1'000'000);
       }},
      {"TERN_TRUSTED_PROXIES", "(none)",
       "comma-separated proxy addresses whose X-Forwarded-For names the client",
       [](Config& c, const std::string& n, const std::string& v) {
         c.trusted_proxies.clear();
         std::size_t pos = 0;
         while (pos <= v.size()) {
           auto comma = v.find(',', pos);
           std::string one =
               trim(std::string_view(v).substr(pos, comma == v.npos ? v.npos : comma - pos));
           pos = comma == v.npos ? v.size() + 1 : comma + 1;
           if (one.empty()) continue;
           std::error_code ec;
           auto a = asio::ip::make_address(one, ec);
           if (ec) bad(n, "expected IP addresses, got '" + one + "'");
           // As http::canonical_address spells them: a mapped IPv4 as IPv4.
           if (a.is_v6() && a.to_v6().is_v4_mapped())
             a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
           c.trusted_proxies.push_back(a.to_string());
         }
       }},
      {"TERN_JOIN_MAX_PER_ADDRESS", "10",
       "valid join requests per client address per join window -> 429",
       [](Config& c, const std::string& n, const std::string& v) {
         c.join_max_per_address = static_cast<unsigned>(parse_uint(n, v, 1, 1'000'000));
       }},
      {"TERN_JOIN_WINDOW_S", "3600", "the join limit's window",
       [](Config& c, const std::string& n, const std::string& v) {
         c.join_window = std::chrono::seconds(parse_uint(n, v, 1, 30 * 86400));
       }},
      {"TERN_HASH_JOBS_PER_ADDRESS", "2", "password hashes in flight per client address -> 429",
       [](Config& c, const std::string& n, const std::string& v) {
         c.hash_jobs_per_address = static_cast<unsigned>(parse_uint(n, v, 1, 1024));
       }},
      {"TERN_SESSIONS_PER_USER", "20", "live sessions per user; a login beyond ends the oldest",
       [](Config& c, const std::string& n, const std::string& v) {
         c.sessions_per_user = static_cast<unsigned>(parse_uint(n, v, 1, 10'000));
       }},
      {"TERN_DRAIN_TIMEOUT_MS", "10000", "on SIGTERM, how long in-flight requests may finish",
       [](Config& c, const std::string& n, const std::string& v) {
         c.drain_timeout = parse_ms(n, v);
       }},
      {"TERN_DB_CONNECTIONS", "2", "PostgreSQL connections per event-loop thread (pipelined)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.db_connections = static_cast<unsigned>(parse_uint(n, v, 1, 64));
       }},
      {"TERN_DB_STATEMENT_TIMEOUT_MS", "5000", "PostgreSQL statement_timeout for every query",
       [](Config& c, const std::string& n, const std::string& v) {
         c.db_statement_timeout = std::chrono::milliseconds(parse_uint(n, v, 10, 600'000));
       }},
      {"TERN_POOL_THREADS", "number of cores", "CPU worker pool threads (hashing, images)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.pool_threads = static_cast<unsigned>(parse_uint(n, v, 1, 256));
       }},
      {"TERN_POOL_QUEUE", "1024", "worker pool queue bound; a full queue answers 503",
       [](Config& c, const std::string& n, const std::string& v) {
         c.pool_queue = parse_uint(n, v, 1, 1'000'000);
       }},
      {"TERN_IO_THREADS", "2", "I/O pool threads (uploads, static files, log output)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.io_threads = static_cast<unsigned>(parse_uint(n, v, 1, 256));
       }},
      {"TERN_IO_QUEUE", "4096", "I/O pool queue bound; a full queue answers 503",
       [](Config& c, const std::string& n, const std::string& v) {
         c.io_queue = parse_uint(n, v, 1, 1'000'000);
       }},
      {"TERN_ACCESS_LOG", "on", "one log line per request: on | off",
       [](Config& c, const std::string& n, const std::string& v) {
         c.access_log = parse_bool(n, v);
       }},
      {"TERN_METRICS", "local",
       "who may GET /metrics: local (clients on loopback) | on (anyone) | off (nobody)",
       [](Config& c, const std::string& n, const std::string& v) {
         if (v == "local")
           c.metrics = MetricsAccess::local;
         else if (v == "on")
           c.metrics = MetricsAccess::on;
         else if (v == "off")
           c.metrics = MetricsAccess::off;
         else
           bad(n, "expected local, on or off, got '" + v + "'");
       }},
      {"TERN_LOG_FORMAT", "text", "log lines as text, or one JSON object each: text | json",
       [](Config& c, const std::string& n, const std::string& v) {
         if (v != "text" && v != "json") bad(n, "expected text or json, got '" + v + "'");
         c.log_json = v == "json";
       }},
      {"TERN_TLS_CERT", "(none)",
       "PEM certificate chain: serve HTTPS (with TERN_TLS_KEY; SIGHUP reloads both)",
       [](Config& c, const std::string&, const std::string& v) { c.tls_cert = v; }},
      {"TERN_TLS_KEY", "(none)", "PEM private key of TERN_TLS_CERT",
       [](Config& c, const std::string&, const std::string& v) { c.tls_key = v; }},
      {"TERN_HSTS_MAX_AGE", "31536000",
       "over TLS, Strict-Transport-Security max-age in seconds (0: not sent)",
       [](Config& c, const std::string& n, const std::string& v) {
         c.hsts_max_age = std::chrono::seconds(parse_uint(n, v, 0, 2 * 31'536'000));
       }},
      {"TERN_LOG_LEVEL", "info", "debug | info | warn | error",
       [](Config& c, const std::string& n, const std::string& v) {
         if (v != "debug" && v != "info" && v != "warn" && v != "error")
           bad(n, "expected debug, info, warn or error, got '" + v + "'");
         c.log_level = v;
       }},
  };
  return table;
}

}  // namespace

Config load_config(const EnvLookup& env) {
  Config c;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  c.threads = cores;
  c.pool_threads = cores;
  c.database_url = "postgresql://127.0.0.1:5432/tern";
  c.redis = RedisUrl::parse("redis://127.0.0.1:6379/0");
  c.upload_dir = "var/uploads";
  c.web_root = "web";
  for (const auto& s : settings()) {
    auto value = env(s.name);
    if (!value) {
      bool keys_instead = std::string_view(s.name) == "TERN_JWT_SECRET" && env("TERN_JWT_KEYS");
      if (!s.default_text && !keys_instead)
        bad(s.name, "is required but not set (see tern --help)");
      continue;
    }
    s.apply(c, s.name, *value);
  }
  if (c.jwt_keys.empty()) {
    if (c.jwt_secret.empty()) bad("TERN_JWT_SECRET", "is required but not set (see tern --help)");
    c.jwt_keys.push_back({"k1", c.jwt_secret});
  }
  if (c.tls_cert.empty() != c.tls_key.empty())
    bad(c.tls_cert.empty() ? "TERN_TLS_CERT" : "TERN_TLS_KEY",
        "is required when " + std::string(c.tls_cert.empty() ? "TERN_TLS_KEY" : "TERN_TLS_CERT") +
            " is set");
  // Over TLS the browser's origin is https://: the CSRF check and the
  // cookies' Secure attribute follow the public origin.
  const std::string scheme = c.tls() ? "https://" : "http://";
  if (c.tls() && !c.public_origin.empty() && !c.public_origin.starts_with("https://"))
    bad("TERN_PUBLIC_ORIGIN",
        "must be https:// when TERN_TLS_CERT is set, got '" + c.public_origin + "'");
  if (c.public_origin.empty()) {
    c.public_origin_derived = true;
    bool v6 = c.listen_host.find(':') != std::string::npos;
    std::string host = v6 ? "[" + c.listen_host + "]" : c.listen_host;
    c.public_origin = normalize_origin(scheme + host + ":" + std::to_string(c.listen_port))
                          .value_or(scheme + host + ":" + std::to_string(c.listen_port));
  }
  return c;
}

std::map<std::string, std::string> parse_dotenv(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    std::string line = trim(text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (!key.empty()) out[key] = value;
  }
  return out;
}

EnvLookup process_env(const std::string& dotenv_path) {
  std::map<std::string, std::string> file;
  if (std::ifstream in{dotenv_path}) {
    std::stringstream ss;
    ss << in.rdbuf();
    file = parse_dotenv(ss.str());
  }
  return [file = std::move(file)](std::string_view name) -> std::optional<std::string> {
    std::string key(name);
    if (const char* v = std::getenv(key.c_str())) return std::string(v);
    if (auto it = file.find(key); it != file.end()) return it->second;
    return std::nullopt;
  };
}

std::string config_help() {
  std::string out =
      "usage: tern [serve | migrate | --help]\n\n"
      "Configuration comes from environment variables, layered over ./.env:\n\n";
  for (const auto& s : settings()) {
    std::string line = "  ";
    line += s.name;
    // Names longer than the column get two spaces, never a cut.
    line.resize(std::max<std::size_t>(line.size() + 2, 26), ' ');
    line += s.help;
    line += "\n";
    out += line;
    out += std::string(26, ' ') + "default: " + (s.default_text ? s.default_text : "(none)") + "\n";
  }
  return out;
}

}  // namespace tern
