/**
 * Resolves on the first Ctrl-C or SIGTERM; a second Ctrl-C then ends the process the usual way.
 *
 * Until then it holds the process open: a long-running command (listen, logs tail) can be between
 * connections, waiting on the clock's timers, which are unref'd so they never keep a sandbox alive, and
 * signal handlers alone do not keep Node running. Without this, `listen` would exit silently while
 * reconnecting to a restarting sandbox.
 */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const done = () => {
      clearInterval(keepAlive);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
