/**
 * Runs `close` once on the first SIGTERM or SIGINT, then exits 0 (1 if closing failed), so a parent process
 * or Ctrl-C stops a dev script cleanly.
 */
export function closeOnStopSignal(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
