// Cluster mode (TERN_WORKERS=N): this process becomes a supervisor. It forks
// N workers, each a complete tern serving the same port (every loop of every
// worker has its own SO_REUSEPORT acceptor, so the kernel spreads the
// connections), restarts a worker that dies (backoff from 100 ms doubling to
// 5 s; reset once a worker has lived 10 s), and on SIGTERM or SIGINT
// forwards the signal to all of them and waits until every one has drained
// and exited. It holds no sockets and no threads itself: nothing in it can
// fail under load.
#pragma once

#include <functional>

namespace tern::handlers {

// Runs `work` in `workers` child processes as above; returns the supervisor's
// exit code (0 after a clean shutdown). Call before any thread is started.
int supervise(unsigned workers, const std::function<int()>& work);

}  // namespace tern::handlers
