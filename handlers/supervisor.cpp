#include "handlers/supervisor.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include "core/log.hpp"

namespace tern::handlers {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Slot {
  pid_t pid = 0;  // 0: not running
  Clock::time_point started{};
  Clock::time_point restart_at{};  // when pid == 0 and not stopping
  std::chrono::milliseconds backoff{100};
};

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

}  // namespace

int supervise(unsigned workers, const std::function<int()>& work) {
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGCHLD);
  sigprocmask(SIG_BLOCK, &signals, &previous);
  pid_t supervisor = getpid();

  std::vector<Slot> slots(workers);
  auto spawn = [&](std::size_t i) {
    pid_t pid = fork();
    if (pid == 0) {
      // The worker: normal signal handling, and it goes when we go.
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != supervisor) _exit(1);  // we died before prctl took
      _exit(work());
    }
    if (pid < 0) {
      log::error(std::string("cannot fork a worker: ") + std::strerror(errno));
      slots[i].restart_at = Clock::now() + slots[i].backoff;
      return;
    }
    slots[i].pid = pid;
    slots[i].started = Clock::now();
  };
  for (std::size_t i = 0; i < slots.size(); ++i)
    spawn(i);
  log::info("supervisor: " + std::to_string(workers) + " workers started");

  bool stopping = false;
  for (;;) {
    auto now = Clock::now();
    bool running = false;
    Clock::time_point next = now + 1s;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      Slot& s = slots[i];
      if (s.pid != 0) {
        running = true;
      } else if (!stopping) {
        if (s.restart_at <= now) {
          spawn(i);
          running = true;
        } else {
          next = std::min(next, s.restart_at);
        }
      }
    }
    if (stopping && !running) break;

    auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(next - now);
    timespec timeout{static_cast<time_t>(wait.count() / 1'000'000'000),
                     static_cast<long>(wait.count() % 1'000'000'000)};
    siginfo_t info;
    int signo = sigtimedwait(&signals, &info, &timeout);
    if (signo == SIGHUP) {
      // Each worker loaded the certificate itself: each reloads it.
      log::info("supervisor: SIGHUP, passed to the workers");
      for (Slot& s : slots)
        if (s.pid != 0) kill(s.pid, SIGHUP);
    }
    if (signo == SIGTERM || signo == SIGINT) {
      if (!stopping)
        log::info(std::string("supervisor: ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT") +
                  ", stopping the workers");
      stopping = true;
      for (Slot& s : slots)
        if (s.pid != 0) kill(s.pid, SIGTERM);
    }
    // Reap whoever ended (SIGCHLD, or one that slipped between waits).
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      for (std::size_t i = 0; i < slots.size(); ++i) {
        Slot& s = slots[i];
        if (s.pid != pid) continue;
        s.pid = 0;
        if (stopping) break;
        if (Clock::now() - s.started > 10s) s.backoff = 100ms;
        log::warn("supervisor: worker " + std::to_string(i) + " (pid " + std::to_string(pid) +
                  ") " + describe(status) + "; restarting in " + std::to_string(s.backoff.count()) +
                  " ms");
        s.restart_at = Clock::now() + s.backoff;
        s.backoff = std::min<std::chrono::milliseconds>(s.backoff * 2, 5s);
      }
    }
  }
  log::info("supervisor: all workers stopped");
  return 0;
}

}  // namespace tern::handlers
