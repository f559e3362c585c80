/**
 * Fresh PostgreSQL schemas for one benchmark run — one for the history store, one for the queue — so no run sees
 * another's history, jobs or rate-gate state, on the shared database the tests use too (they isolate the same way,
 * test/contract/postgres.test.ts). The store's schema is chosen with `?options=-c search_path=<schema>`.
 */
import pg from 'pg';
import { SCAN_QUEUE } from '../../src/queue/scan-queue.js';

export interface RunSchemas {
  /** The store's URL: the base URL with its search_path set to the run's schema. */
  storeUrl: string;
  /** The queue's schema (`queue.schema`: pg-boss creates it). */
  queueSchema: string;
  /** Drops both schemas with everything in them. */
  drop(): Promise<void>;
}

export async function createRunSchemas(baseUrl: string, prefix: string): Promise<RunSchemas> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const queueSchema = `${name}_q`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(baseUrl);
  u.searchParams.set('options', `-c search_path=${name}`);
  return {
    storeUrl: u.toString(),
    queueSchema,
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE; DROP SCHEMA IF EXISTS ${queueSchema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface JobSpan {
  jobs: number;
  firstQueued: Date;
  lastQueued: Date;
  lastFinished: Date;
}

/**
 * When the scan jobs were queued and when the last one finished, by PostgreSQL's clock: the queue's own
 * timestamps, so the wall time carries no polling error.
 */
export async function jobSpan(url: string, queueSchema: string): Promise<JobSpan | null> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ first: Date | null; queued: Date | null; finished: Date | null; n: number }>(
      `SELECT min(created_on) AS first, max(created_on) AS queued, max(completed_on) AS finished, count(*)::int AS n
         FROM "${queueSchema.replaceAll('"', '""')}".job WHERE name = $1`,
      [SCAN_QUEUE],
    );
    const r = rows[0];
    return r?.first && r.queued && r.finished ? { jobs: r.n, firstQueued: r.first, lastQueued: r.queued, lastFinished: r.finished } : null;
  } finally {
    await c.end();
  }
}
