/**
 * Memory and CPU of benchmark child processes and of the machine, read from Linux's /proc (null elsewhere, or once
 * the process is gone). A child is sampled from outside so what is measured is the process as it runs, not a
 * figure it reports about itself.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on every Linux Node supports). */
const TICKS = 100;

export interface ProcMemory {
  /** Resident set now, MB. */
  rssMb: number;
  /** Peak resident set over the process's life so far (VmHWM), MB. */
  peakMb: number;
}

export function procMemory(pid: number): ProcMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine has spent busy so far (every core, every process). */
export function machineBusySeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return (user + nice + system + irq + softirq + steal) / TICKS;
  } catch {
    return null;
  }
}

/**
 * Samples the resident set of some processes every `everyMs` until stopped; `peakMb(pid)` is the larger of the
 * highest sample and the kernel's own high-water mark (VmHWM) at the last sample.
 */
export class MemorySampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: readonly number[],
    everyMs = 500,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample(): void {
    for (const pid of this.pids) {
      const m = procMemory(pid);
      if (m) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, m.rssMb, m.peakMb));
    }
  }

  /** Takes a last sample (call it while the processes still run) and stops. */
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  peakMb(pid: number): number | null {
    return this.peaks.get(pid) ?? null;
  }
}
