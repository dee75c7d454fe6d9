#include "db/pg_connection.hpp"

#include <libpq-fe.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>

#include "core/backoff.hpp"
#include "core/log.hpp"

namespace tern::db {

namespace {

using Wait = asio::posix::descriptor_base::wait_type;

// libpq's message, on one line (it wraps hints onto indented lines).
std::string last_error(const pg_conn* conn) {
  std::string m;
  for (const char* p = conn ? PQerrorMessage(conn) : "out of memory"; *p; ++p) {
    bool space = *p == '\n' || *p == '\t' || *p == ' ';
    if (!space)
      m += *p;
    else if (!m.empty() && m.back() != ' ')
      m += ' ';
  }
  while (!m.empty() && m.back() == ' ')
    m.pop_back();
  return m;
}

void ignore_notice(void*, const char*) {}

}  // namespace

void PgConnection::Finish::operator()(pg_conn* c) const {
  PQfinish(c);
}

PgConnection::PgConnection(asio::any_io_executor executor, const PgOptions& options)
    : executor_(executor),
      options_(options),
      statement_timeout_option_("-c statement_timeout=" +
                                std::to_string(options.statement_timeout.count())),
      socket_(executor),
      backoff_timer_(executor) {}

PgConnection::~PgConnection() {
  if (socket_.is_open()) socket_.release();
}

asio::awaitable<void> PgConnection::run() {
  Backoff backoff(options_.backoff_min, options_.backoff_max);
  while (state_ != State::closed) {
    try {
      if (co_await connect()) {
        backoff.reset();
        if (outage_logged_) log::info("postgres: connected again");
        outage_logged_ = false;
        co_await serve();
      }
    } catch (const std::exception& e) {
      // Out of memory in the middle of a result, most likely: drop the
      // connection (failing what is in flight) rather than leave it wedged.
      if (!abort_) abort_.emplace(PgError::Kind::connection_lost, e.what());
    }
    // One line per outage, not one per retry.
    if (abort_ && !outage_logged_ && state_ != State::closed) {
      log::warn(std::string("postgres: ") + (ready() ? "connection lost: " : "cannot connect: ") +
                abort_->what());
      outage_logged_ = true;
    }
    tear_down();
    if (state_ == State::closed) break;
    backoff_timer_.expires_after(backoff.next());
    std::error_code ec;
    co_await backoff_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void PgConnection::close() {
  if (state_ == State::closed) return;
  abort(PgError::Kind::unavailable, "database pool closed");
  state_ = State::closed;
  backoff_timer_.cancel();
}

void PgConnection::abort(PgError::Kind kind, std::string reason) {
  if (!abort_) abort_.emplace(kind, std::move(reason));
  std::error_code ec;
  socket_.cancel(ec);
}

// (Re)registers libpq's current socket with the reactor. While connecting,
// libpq may close its socket and open another inside one PQconnectPoll (next
// address, SSL or GSS fallback), often under the same fd number, which epoll
// has meanwhile forgotten: so register afresh every time, never by comparing
// fds.
bool PgConnection::watch_socket() {
  int fd = PQsocket(conn_.get());
  if (socket_.is_open()) socket_.release();
  if (fd < 0) return false;
  std::error_code ec;
  socket_.assign(fd, ec);
  return !ec;
}

asio::awaitable<bool> PgConnection::connect() {
  abort_.reset();
  state_ = State::connecting;
  connect_deadline_ = Clock::now() + options_.connect_timeout;
  // expand_dbname=1: the URL in "dbname" is expanded, and the keywords after
  // it add to it. Host names are resolved inside libpq; use an address (or
  // /etc/hosts names) in DATABASE_URL so that resolution never waits on DNS.
  const char* keys[] = {"dbname", "options", "application_name", nullptr};
  const char* values[] = {options_.url.c_str(), statement_timeout_option_.c_str(), "tern", nullptr};
  conn_.reset(PQconnectStartParams(keys, values, 1));
  if (!conn_ || PQstatus(conn_.get()) == CONNECTION_BAD) {
    abort_.emplace(PgError::Kind::unavailable, last_error(conn_.get()));
    co_return false;
  }
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED || !watch_socket()) {
      abort_.emplace(PgError::Kind::unavailable, last_error(conn_.get()));
      co_return false;
    }
    std::error_code ec;
    co_await socket_.async_wait(poll == PGRES_POLLING_READING ? Wait::wait_read : Wait::wait_write,
                                asio::redirect_error(asio::use_awaitable, ec));
    if (abort_) co_return false;
    poll = PQconnectPoll(conn_.get());
  }
  if (!watch_socket() || PQsetnonblocking(conn_.get(), 1) != 0 ||
      PQenterPipelineMode(conn_.get()) != 1) {
    abort_.emplace(PgError::Kind::unavailable, last_error(conn_.get()));
    co_return false;
  }
  PQsetNoticeProcessor(conn_.get(), ignore_notice, nullptr);
  ++connects_;
  state_ = State::ready;
  if (on_change_) on_change_();
  co_return true;
}

asio::awaitable<void> PgConnection::serve() {
  // Always reading, even when idle: that is how a server going away (EOF, or
  // an admin-shutdown error) is noticed before the next query needs it.
  while (!abort_) {
    std::error_code ec;
    co_await socket_.async_wait(Wait::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    if (abort_) break;
    if (ec || PQconsumeInput(conn_.get()) == 0) {
      abort_.emplace(PgError::Kind::connection_lost, ec ? ec.message() : last_error(conn_.get()));
      break;
    }
    if (!drain_results()) break;
  }
}

// Takes every result libpq has fully parsed, never calling PQgetResult while
// PQisBusy (it would block). Per query: its result(s), then NULL; per sync
// point, PGRES_PIPELINE_SYNC, which completes the front waiter.
bool PgConnection::drain_results() {
  while (!pending_.empty() && PQisBusy(conn_.get()) == 0) {
    Pending& p = pending_.front();
    PGresult* r = PQgetResult(conn_.get());
    if (r == nullptr) {
      if (p.finished == p.queries) {
        abort_.emplace(PgError::Kind::connection_lost, "pipeline out of step");
        return false;
      }
      ++p.finished;
      continue;
    }
    bool is_prepare = p.preparing != nullptr && p.finished == 0;
    switch (PQresultStatus(r)) {
      case PGRES_PIPELINE_SYNC:
        PQclear(r);
        complete_front();
        if (abort_) return false;
        continue;
      case PGRES_PIPELINE_ABORTED:
        if (!p.outcome.error)
          p.outcome.error.emplace(PgError::Kind::other, "query skipped after an earlier error");
        break;
      case PGRES_FATAL_ERROR:
      case PGRES_BAD_RESPONSE:
      case PGRES_NONFATAL_ERROR:
        if (!p.outcome.error) p.outcome.error = PgError::from_result(r);
        if (is_prepare) prepared_[p.preparing->id()] = false;
        break;
      default:
        if (!is_prepare) {
          p.outcome.result = PgResult(r);
          continue;  // ownership moved
        }
        break;
    }
    PQclear(r);
  }
  return true;
}

void PgConnection::complete_front() {
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  // The deadline measures progress: the next query's clock starts when the
  // server turns to it, not when it was queued behind slow ones.
  if (!pending_.empty()) pending_.front().sent = std::max(pending_.front().sent, Clock::now());
  if (p.done) {
    p.done.complete(std::move(p.outcome));
  } else if (p.outcome.error) {
    abort_.emplace(PgError::Kind::connection_lost,
                   std::string("session command failed: ") + p.outcome.error->what());
  }
}

void PgConnection::send(const Statement& statement, const Params& params,
                        Completion<PgOutcome> done) {
  if (state_ != State::ready || abort_) {
    done.complete({{}, PgError(PgError::Kind::unavailable, "database connection not ready")});
    return;
  }
  pg_conn* c = conn_.get();
  if (prepared_.size() <= statement.id()) prepared_.resize(statement.id() + 1);
  bool prepare = !prepared_[statement.id()];
  bool ok = true;
  if (prepare) {
    ok = PQsendPrepare(c, statement.name().c_str(), statement.sql().c_str(), 0, nullptr) == 1;
    prepared_[statement.id()] = true;
  }
  Params::View v = params.view();
  ok = ok && PQsendQueryPrepared(c, statement.name().c_str(), params.size(), v.values.data(),
                                 v.lengths.data(), nullptr, 0) == 1;
  ok = ok && PQpipelineSync(c) == 1;
  if (!ok) {
    // libpq refuses only when the connection is already unusable.
    abort(PgError::Kind::connection_lost, last_error(c));
    done.complete({{}, *abort_});
    return;
  }
  after_send(
      {std::move(done), prepare ? 2 : 1, 0, prepare ? &statement : nullptr, Clock::now(), {}});
}

void PgConnection::send(const std::string& sql, const Params& params, Completion<PgOutcome> done) {
  if (state_ != State::ready || abort_) {
    done.complete({{}, PgError(PgError::Kind::unavailable, "database connection not ready")});
    return;
  }
  pg_conn* c = conn_.get();
  Params::View v = params.view();
  bool ok = PQsendQueryParams(c, sql.c_str(), params.size(), nullptr, v.values.data(),
                              v.lengths.data(), nullptr, 0) == 1 &&
            PQpipelineSync(c) == 1;
  if (!ok) {
    abort(PgError::Kind::connection_lost, last_error(c));
    done.complete({{}, *abort_});
    return;
  }
  after_send({std::move(done), 1, 0, nullptr, Clock::now(), {}});
}

asio::awaitable<PgOutcome> PgConnection::exchange(const Statement* statement,
                                                  const std::string& sql, const Params& params) {
  return async_completion<PgOutcome>([this, statement, &sql, &params](Completion<PgOutcome> done) {
    if (statement)
      send(*statement, params, std::move(done));
    else
      send(sql, params, std::move(done));
  });
}

void PgConnection::send_detached(const char* sql) {
  if (state_ != State::ready || abort_) return;
  pg_conn* c = conn_.get();
  if (PQsendQueryParams(c, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
      PQpipelineSync(c) != 1) {
    abort(PgError::Kind::connection_lost, last_error(c));
    return;
  }
  after_send({{}, 1, 0, nullptr, Clock::now(), {}});
}

void PgConnection::after_send(Pending pending) {
  pending_.push_back(std::move(pending));
  // PQpipelineSync has already tried to write; anything left over waits for
  // the socket to become writable.
  int r = PQflush(conn_.get());
  if (r < 0) {
    abort(PgError::Kind::connection_lost, last_error(conn_.get()));
    return;
  }
  take_buffered_results();
  if (r == 1) {
    if (!flushing_) {
      flushing_ = true;
      asio::co_spawn(executor_, flush_when_writable(generation_), asio::detached);
    }
  }
}

asio::awaitable<void> PgConnection::flush_when_writable(std::uint64_t generation) {
  while (generation == generation_ && state_ == State::ready && !abort_) {
    std::error_code ec;
    co_await socket_.async_wait(Wait::wait_write, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || generation != generation_ || abort_) break;
    int r = PQflush(conn_.get());
    if (r < 0) abort(PgError::Kind::connection_lost, last_error(conn_.get()));
    take_buffered_results();
    if (r != 1) break;
  }
  if (generation == generation_) flushing_ = false;
}

// libpq reads input by itself while it sends (when its buffer fills, and when
// a write would block, so that a server blocked on its own write cannot
// deadlock us). Complete results may then sit in libpq's buffer, with nothing
// on the socket to wake serve() until the next reply: take them now.
void PgConnection::take_buffered_results() {
  if (!abort_ && !drain_results()) {
    std::error_code ec;
    socket_.cancel(ec);  // serve() wakes up and sees abort_
  }
}

void PgConnection::check_deadlines(Clock::time_point now) {
  if (state_ == State::connecting && now > connect_deadline_) {
    abort(PgError::Kind::unavailable, "connect timed out");
  } else if (state_ == State::ready && !pending_.empty() &&
             now - pending_.front().sent > options_.query_timeout) {
    // The server stopped answering (hung, or the network is gone): the
    // statement_timeout would have ended a merely slow query long ago.
    abort(PgError::Kind::timeout, "no answer from the database within the query timeout");
  }
}

void PgConnection::tear_down() {
  if (state_ != State::closed) state_ = State::down;
  ++generation_;
  flushing_ = false;
  reserved = false;
  prepared_.clear();
  if (socket_.is_open()) {
    std::error_code ec;
    socket_.cancel(ec);
    socket_.release();
  }
  conn_.reset();
  PgError why = abort_ ? *abort_ : PgError(PgError::Kind::connection_lost, "connection lost");
  bool first = true;
  for (Pending& p : pending_) {
    // The oldest query is the one a deadline was about; the others were
    // merely queued behind it on the same connection.
    PgError e = first || why.kind() != PgError::Kind::timeout
                    ? why
                    : PgError(PgError::Kind::connection_lost, why.what());
    first = false;
    if (p.done) p.done.complete({{}, std::move(e)});
  }
  pending_.clear();
  if (on_change_) on_change_();
}

}  // namespace tern::db
