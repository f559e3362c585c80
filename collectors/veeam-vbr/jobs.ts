/**
 * Job states (`GET /api/v1/jobs/states`) → the jobs whose last run failed. `Success` and `Warning` are successful
 * runs (a warning still produced restore points), `None` means never run or running now. A disabled job is not
 * reported as failing: it no longer runs, and the staleness of its objects already shows in `failing`.
 */
import { CappedCollector } from '../../src/domain/evidence.js';
import type { JobState } from './schema.js';

export interface JobsValue {
  /** Job states read (after `excludeJobs`). */
  jobs: number;
  /** Names of enabled jobs whose last result is Failed (capped) and their true count. */
  failingJobs: string[];
  failingJobsTotal: number;
}

export class JobTally {
  private total = 0;
  private readonly failing = new CappedCollector();

  constructor(private readonly excluded: (name: string) => boolean = () => false) {}

  add(job: JobState): void {
    if (this.excluded(job.name)) return;
    this.total += 1;
    if (job.lastResult === 'Failed' && job.status.toLowerCase() !== 'disabled') this.failing.add(job.name || job.id);
  }

  value(): JobsValue {
    return { jobs: this.total, failingJobs: this.failing.list(), failingJobsTotal: this.failing.total };
  }
}
