/**
 * The loop every outbox worker runs (alerts, client reports, PSA tickets): runs are serial — the timer, a drain and
 * a manual run queue behind each other, never overlap — a run starts again `intervalMs` after the previous one
 * finished (a slow run delays the next instead of piling up), a failing run is reported and the loop goes on, and
 * `stop()` waits for the run in progress while telling it, through `halting`, to start nothing new.
 */
export class SerialLoop {
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private stopped = true;
  private stopping = false;

  /** True while `stop()` waits: a run should finish what it started and start nothing new. */
  get halting(): boolean {
    return this.stopping;
  }

  /** Runs `fn` after every run queued before it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** `tick` now, then every `intervalMs` after the previous tick settled; `onError` hears a tick that threw. */
  start(intervalMs: number, tick: () => Promise<unknown>, onError: (err: unknown) => void): void {
    if (!this.stopped) return;
    this.stopped = false;
    const step = async (): Promise<void> => {
      this.timer = null;
      try {
        await tick();
      } catch (err) {
        onError(err);
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.loop = step();
      }, intervalMs);
      // The server's listeners keep the process alive; an outbox worker alone must not.
      this.timer.unref();
    };
    this.loop = step();
  }

  /** Stops the loop and waits for the run in progress and every run queued before now. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      await this.loop;
      await this.chain;
    } finally {
      this.stopping = false;
    }
  }
}
