/**
 * /metrics of a queued deployment: queue depth, jobs by state, the oldest waiting job's age, and this worker's
 * concurrency in use. Read at scrape time (prom-client's async `collect`), so the figures are the database's, not a
 * copy that drifts; a scrape while PostgreSQL is down keeps the last values and `ratchet_queue_up` says 0.
 */
import { Gauge, type Registry } from 'prom-client';
import type { JobStateCounts, QueueStats } from './scan-queue.js';
import type { WorkerHealth } from './scan-worker.js';

export interface QueueMetricSources {
  queue: { stats(): Promise<QueueStats> };
  worker?: { health(): WorkerHealth } | undefined;
}

const STATES: ReadonlyArray<keyof JobStateCounts> = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'];

/** Registers the queue gauges on `registry`; returns a function that unregisters them (tests, shutdown). */
export function registerQueueMetrics(registry: Registry, sources: QueueMetricSources): () => void {
  const registers = [registry];
  let last: QueueStats | null = null;
  let up = 0;
  // One database read per scrape, shared by every gauge of that scrape.
  let pending: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    pending ??= sources.queue
      .stats()
      .then(
        (s) => {
          last = s;
          up = 1;
        },
        () => {
          up = 0;
        },
      )
      .finally(() => setImmediate(() => (pending = null)));
    return pending;
  };
  const names: string[] = [];
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], collect: (g: Gauge<L>) => void | Promise<void>): void => {
    names.push(name);
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        await collect(this);
      },
    });
  };
  gauge('ratchet_queue_up', 'Whether the scan queue (PostgreSQL) answered the last scrape', [], async (g) => {
    await refresh();
    g.set(up);
  });
  gauge('ratchet_queue_depth', 'Scan jobs waiting to be claimed whose start time has come', [], async (g) => {
    await refresh();
    if (last) g.set(last.depth);
  });
  gauge('ratchet_queue_oldest_waiting_seconds', 'Age of the oldest scan job waiting since its start time (0 when none waits)', [], async (g) => {
    await refresh();
    if (last) g.set(last.oldestWaitingSeconds ?? 0);
  });
  gauge('ratchet_queue_jobs', 'Scan jobs in the queue by state (completed and failed until pg-boss archives them)', ['state'], async (g) => {
    await refresh();
    if (last) for (const state of STATES) g.set({ state }, last.byState[state]);
  });
  const worker = sources.worker;
  if (worker) {
    gauge('ratchet_worker_concurrency', 'Scans this worker process may run at once (schedule.concurrency)', [], (g) => {
      g.set(worker.health().concurrency);
    });
    gauge('ratchet_worker_scans_running', 'Scans this worker process is running now (concurrency in use)', [], (g) => {
      g.set(worker.health().running);
    });
  }
  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}
