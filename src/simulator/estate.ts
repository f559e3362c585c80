/**
 * The vendor-neutral IT estate of a simulated tenant: the devices an RMM manages (servers and workstations, agent
 * check-ins, OS patch state, antivirus), its open alerts, and the workloads a backup tool protects. Vendor
 * simulators (collectors/<id>/simulator/) render this one estate in their own API shapes, so a tenant looks the same
 * whichever RMM or backup product the test picks — and `truth()` states, in Ratchet's evidence vocabulary
 * (docs/evidence.md), what a correct collector must derive.
 *
 * Exact shares, scattered: an attribute is given by rank (rank < k ⇒ attribute) and ranks are a seeded permutation
 * of positions, as in tenant-model.ts. Everything is computed on demand from (seed, index).
 */
import { hash32 } from './prng.js';
import { Permutation } from './permutation.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface EstateKnobs {
  /** RMM-managed devices (0 = no RMM data). */
  endpoints: number;
  /** Share (0–100) of devices that are servers. */
  serverPct: number;
  /** Share (0–100) of devices whose agent checked in within 24 h. */
  onlinePct: number;
  /**
   * Share (0–100) of devices whose agent last checked in more than 7 days ago, taken from the offline ones; the
   * other offline devices were last seen 1–7 days ago (a workstation off over a weekend still counts as checked in
   * within its 7-day window, a server does not).
   */
  offlineOver7dPct: number;
  /** Share (0–100) of devices with no approved/critical OS patch pending longer than the 30-day window. */
  patchCompliantPct: number;
  /** Share (0–100) of devices under an automated patch policy. */
  patchAutomatedPct: number;
  /** Devices (count) whose last OS patch install failed; taken from the non-compliant ones. */
  patchFailedDevices: number;
  /** Devices (count) with a critical OS patch pending longer than 48 h; taken from the non-compliant ones. */
  pendingCriticalDevices: number;
  /**
   * Devices (count) with a security update of merely IMPORTANT severity pending 3–22 days — longer than 48 h but
   * within the window: not critical, so neither overdue nor critical-overdue. Taken from the compliant ones.
   */
  securityPendingDevices: number;
  /** Age in days of the oldest pending OS patch on a non-compliant device (≥ 31 when there is one). */
  oldestPendingDays: number;
  /** Share (0–100) of devices with real-time antivirus on and definitions current. */
  avProtectedPct: number;
  /** Open alerts; `staleAlerts` of them are older than 24 h, `criticalAlerts` are critical/high. */
  openAlerts: number;
  staleAlerts: number;
  criticalAlerts: number;
  /** Of the stale alerts, how many are older than 7 days (the oldest ones; the critical ones are the oldest too). */
  alertsOver7d: number;
  /**
   * Share (0–100) of the alert episodes triggered 24 h–30 days ago (open and since closed, `alertEpisodes()`) that
   * were acknowledged or closed within 24 h. Optional: by default 100 when no open alert is stale, else the share of
   * open alerts that are not (level1 29 %, level2 40 %, level3 50 %, level4/level5 100 %).
   */
  alertAckWithin24hPct?: number;
  /** Share (0–100) of servers that have a backup (the rest are the `backup.coverage` gap). */
  backupCoveragePct: number;
  /** Share (0–100) of protected workloads whose newest successful backup is within 24 h. */
  backupSuccessPct: number;
  /** Hours since the newest success of the stalest workload that did not succeed in 24 h (≥ 25). */
  oldestSuccessHours: number;
  /**
   * Protected workloads (count) that have never had a successful backup; taken from those that did not succeed in
   * 24 h (the last of them by rank), so `backupSuccessPct` keeps its meaning.
   */
  backupNeverSucceeded: number;
  /**
   * Share (0–100) of backup job runs over the last 30 days that ended successfully: the target the vendor models
   * realise in their run history (to within one run of rounding; a job whose last run failed always has that run).
   */
  backupRunSuccessPct: number;
  /**
   * Whole days since the newest successful automated recovery verification (the backup product's own test
   * restore), or null when the backup product never verified a restore (no such runs at all). Verification runs
   * weekly; the runs after the newest success failed, older ones mostly succeeded (`verificationRuns`).
   */
  backupVerifiedDaysAgo: number | null;
  /**
   * Immutability period in days of the repository the backup jobs write to (a hardened repository / Object Lock), or
   * null/absent when it is an ordinary, deletable one. The backup product's own defaults (a configuration or template
   * repository) stay mutable; vendor models decide how that shows (`backup.immutability`).
   */
  backupImmutableDays?: number | null;
}

/** One automated recovery verification run (a test-restore job session), as the backup product records it. */
export interface EstateVerificationRun {
  start: Date;
  end: Date;
  result: 'Success' | 'Warning' | 'Failed';
}

export interface EstateDevice {
  index: number;
  /** Host name as the RMM agent reports it (NetBIOS-style, upper case, may be longer than 15 characters). */
  name: string;
  /** DNS name. */
  fqdn: string;
  isServer: boolean;
  /** Agent checked in within 24 h. */
  online: boolean;
  lastContact: Date;
  os: string;
  patch: {
    compliant: boolean;
    automated: boolean;
    failed: boolean;
    /** A critical patch pending longer than 48 h. */
    pendingCritical: boolean;
    /** An IMPORTANT security update pending 3–22 days (relevant, not critical, within the window). */
    securityPending: boolean;
    /** Age in days of the oldest pending patch (0 = none pending). */
    oldestPendingDays: number;
  };
  av: { protected: boolean; product: string; state: 'on' | 'off' | 'outdated' | 'missing' };
}

export interface EstateAlert {
  id: number;
  deviceIndex: number;
  deviceName: string;
  critical: boolean;
  created: Date;
  message: string;
}

/**
 * One alert episode of the last 35 days as an RMM's activity log records it: triggered, maybe acknowledged, and —
 * unless it is one of the open alerts — closed (reset). Closed episodes are about one per four devices.
 */
export interface EstateAlertEpisode {
  /** Stable key: `open-<alert id>` or `closed-<k>`. */
  key: string;
  /** The open alert (EstateAlert.id) this episode is, or null once closed. */
  alertId: number | null;
  deviceIndex: number;
  critical: boolean;
  triggered: Date;
  acknowledged: Date | null;
  reset: Date | null;
}

export interface EstateBackupObject {
  index: number;
  /** The name the backup product shows: FQDN, short name or NetBIOS-truncated, varying by object. */
  name: string;
  /** The RMM device it protects. */
  deviceIndex: number;
  succeeded24h: boolean;
  lastSuccess: Date | null;
  lastRun: Date;
  lastRunFailed: boolean;
}

export const NO_ESTATE: EstateKnobs = {
  endpoints: 0,
  serverPct: 0,
  onlinePct: 0,
  offlineOver7dPct: 0,
  patchCompliantPct: 0,
  patchAutomatedPct: 0,
  patchFailedDevices: 0,
  pendingCriticalDevices: 0,
  securityPendingDevices: 0,
  oldestPendingDays: 0,
  avProtectedPct: 0,
  openAlerts: 0,
  staleAlerts: 0,
  criticalAlerts: 0,
  alertsOver7d: 0,
  backupCoveragePct: 0,
  backupSuccessPct: 0,
  oldestSuccessHours: 0,
  backupNeverSucceeded: 0,
  backupRunSuccessPct: 0,
  backupVerifiedDaysAgo: null,
};

const share = (n: number, pctValue: number) => Math.round((n * pctValue) / 100);
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);
/** Count per 100 devices, one decimal (rmm.alerts rates). */
const per100 = (count: number, devices: number) => (devices > 0 ? Math.round((count * 1000) / devices) / 10 : null);

const SERVER_ROLES = ['DC', 'FS', 'SQL', 'APP', 'WEB', 'RDS', 'PRINT', 'EXCH', 'FILESERVER-PRIMARY', 'BACKUP-REPOSITORY'];
const AV_PRODUCTS = ['Microsoft Defender Antivirus', 'SentinelOne', 'Bitdefender Endpoint Security'];

export class Estate {
  readonly servers: number;
  readonly workstations: number;
  private readonly rank: Permutation;
  private readonly serverRank: Permutation;
  /** Check-in order of its own, so offline devices are scattered over servers and workstations alike. */
  private readonly onlineRank: Permutation;

  constructor(
    readonly seed: number,
    readonly knobs: EstateKnobs,
    readonly now: Date,
    /** DNS suffix of the client's domain, e.g. `contoso.local`. */
    readonly domain: string,
  ) {
    this.servers = Math.min(knobs.endpoints, share(knobs.endpoints, knobs.serverPct));
    this.workstations = knobs.endpoints - this.servers;
    this.rank = new Permutation(knobs.endpoints, hash32(seed, 'estate-rank'));
    // Servers are positions whose rank is below `servers`; among servers, a second permutation orders coverage.
    this.serverRank = new Permutation(this.servers, hash32(seed, 'server-rank'));
    this.onlineRank = new Permutation(knobs.endpoints, hash32(seed, 'online-rank'));
  }

  private counts() {
    const n = this.knobs.endpoints;
    const nonCompliant = n - share(n, this.knobs.patchCompliantPct);
    return {
      online: share(n, this.knobs.onlinePct),
      offlineOver7d: Math.min(n - share(n, this.knobs.onlinePct), share(n, this.knobs.offlineOver7dPct)),
      securityPending: Math.min(n - nonCompliant, this.knobs.securityPendingDevices),
      compliant: n - nonCompliant,
      automated: share(n, this.knobs.patchAutomatedPct),
      failed: Math.min(nonCompliant, this.knobs.patchFailedDevices),
      pendingCritical: Math.min(nonCompliant, this.knobs.pendingCriticalDevices),
      protectedAv: share(n, this.knobs.avProtectedPct),
    };
  }

  /** Device at listing position `index` (0-based). */
  device(index: number): EstateDevice {
    const r = this.rank.forward(index);
    const isServer = r < this.servers;
    const c = this.counts();
    const n = this.knobs.endpoints;
    // Independent attributes use rank offsets so that e.g. offline devices are not all the unpatched ones.
    const rot = (salt: string) => (r + (hash32(this.seed, salt) % Math.max(1, n))) % Math.max(1, n);
    const onlineRank = this.onlineRank.forward(index);
    const online = onlineRank < c.online;
    const compliant = rot('patch') < c.compliant;
    const ncRank = rot('patch') - c.compliant; // 0… among non-compliant devices
    const failed = !compliant && ncRank < c.failed;
    const pendingCritical = !compliant && ncRank >= c.failed && ncRank < c.failed + c.pendingCritical;
    const automated = rot('automated') < c.automated;
    const avProtected = rot('av') < c.protectedAv;
    // Offline for 25–166 h (within a workstation's 7-day window) or, for the last ranks, 8–60 days.
    const over7d = !online && onlineRank >= n - c.offlineOver7d;
    const minutesAgo = online
      ? 1 + (hash32(this.seed, 'contact', index) % (20 * 60))
      : (over7d ? 8 * 24 + (hash32(this.seed, 'offline', index) % (24 * 52)) : 25 + (hash32(this.seed, 'offline', index) % 142)) * 60;
    const securityPending = compliant && rot('patch') >= c.compliant - c.securityPending;
    const oldest = securityPending ? 3 + (hash32(this.seed, 'sec-age', index) % 20) : compliant ? (hash32(this.seed, 'recent-pending', index) % 3 === 0 ? 1 + (hash32(this.seed, 'age', index) % 10) : 0) : ncRank === 0 ? this.knobs.oldestPendingDays : 31 + (hash32(this.seed, 'nc-age', index) % Math.max(1, this.knobs.oldestPendingDays - 31));
    const name = isServer ? this.serverName(this.serverRank.forward(r)) : `${this.prefix()}-${hash32(this.seed, 'ws-kind', index) % 4 === 0 ? 'DT' : 'LT'}-${String(r - this.servers + 1).padStart(4, '0')}`;
    const avState: EstateDevice['av']['state'] = avProtected ? 'on' : (['off', 'outdated', 'missing'] as const)[hash32(this.seed, 'av-state', index) % 3]!;
    return {
      index,
      name,
      fqdn: `${name.toLowerCase()}.${this.domain}`,
      isServer,
      online,
      lastContact: new Date(this.now.getTime() - minutesAgo * 60_000),
      os: isServer ? 'Windows Server 2022 Standard' : 'Windows 11 Pro',
      patch: { compliant, automated, failed, pendingCritical, securityPending, oldestPendingDays: oldest },
      av: { protected: avProtected, product: AV_PRODUCTS[hash32(this.seed, 'av') % AV_PRODUCTS.length]!, state: avState },
    };
  }

  private prefix(): string {
    return this.domain.split('.')[0]!.toUpperCase().slice(0, 8);
  }

  /**
   * Server names. Some roles are long enough that NetBIOS truncates them to 15 characters; the number comes first so
   * the truncated names stay unique, as they must be in a real Windows domain.
   */
  private serverName(k: number): string {
    const role = SERVER_ROLES[k % SERVER_ROLES.length]!;
    return `SRV${String(Math.floor(k / SERVER_ROLES.length) + 1).padStart(2, '0')}-${role}`;
  }

  *devices(): Generator<EstateDevice> {
    for (let i = 0; i < this.knobs.endpoints; i++) yield this.device(i);
  }

  /** Open alerts, oldest first. */
  alerts(): EstateAlert[] {
    const out: EstateAlert[] = [];
    const n = this.knobs.endpoints;
    for (let a = 0; a < this.knobs.openAlerts && n > 0; a++) {
      const stale = a < this.knobs.staleAlerts;
      const old = a < Math.min(this.knobs.alertsOver7d, this.knobs.staleAlerts);
      // Ages (plus up to 49 minutes): 1–22 h fresh, 25–166 h stale, 169 h–31 days old — clear of both lines.
      const h = hash32(this.seed, 'alert-age', a);
      const hoursAgo = old ? 7 * 24 + 1 + (h % (24 * 24)) : stale ? 25 + (h % 142) : 1 + (h % 22);
      const deviceIndex = hash32(this.seed, 'alert-device', a) % n;
      out.push({
        id: 1000 + a,
        deviceIndex,
        deviceName: this.device(deviceIndex).name,
        critical: a < this.knobs.criticalAlerts,
        created: new Date(this.now.getTime() - hoursAgo * HOUR - (hash32(this.seed, 'alert-min', a) % 50) * 60_000),
        message: ['Disk C: below 10 % free', 'Service Spooler stopped', 'Agent offline', 'CPU above 90 % for 15 minutes'][a % 4]!,
      });
    }
    return out.sort((x, y) => x.created.getTime() - y.created.getTime());
  }

  /** Target of `alertAckWithin24hPct` (see the knob). */
  private ackTarget(): number {
    const k = this.knobs;
    if (k.alertAckWithin24hPct !== undefined) return Math.max(0, Math.min(100, k.alertAckWithin24hPct));
    if (k.openAlerts <= 0 || k.staleAlerts <= 0) return 100;
    return Math.round((100 * (k.openAlerts - Math.min(k.staleAlerts, k.openAlerts))) / k.openAlerts);
  }

  /**
   * Alert episodes of the last 35 days, oldest first: the open alerts (never reset) and closed ones spread over
   * 35 days (a tenth before the 30-day window, a tenth within the last day), clear of the 30-day and 24-hour lines by
   * an hour. Of the episodes triggered 24 h–30 days ago exactly round(n × alertAckWithin24hPct / 100) — by a seeded
   * rank — were first acknowledged or reset 5 min–23 h after triggering; the rest 25–97 h after (if that is past,
   * else not yet), or, for a quarter of the open ones, never. A third of the quickly handled closed episodes were
   * reset without an acknowledgement.
   */
  alertEpisodes(): EstateAlertEpisode[] {
    const now = this.now.getTime();
    const n = this.knobs.endpoints;
    const h = (salt: string, k: number | string) => hash32(this.seed, salt, k);
    const out: EstateAlertEpisode[] = this.alerts().map((a) => ({
      key: `open-${a.id}`,
      alertId: a.id,
      deviceIndex: a.deviceIndex,
      critical: a.critical,
      triggered: a.created,
      acknowledged: null,
      reset: null,
    }));
    const closed = n > 0 ? Math.ceil(n / 4) : 0;
    for (let k = 0; k < closed; k++) {
      const band = h('ep-band', k) % 10;
      const minutes = band === 0 ? (30 * 24 + 2) * 60 + (h('ep-age', k) % ((5 * 24 - 2) * 60)) : band === 1 ? 60 + (h('ep-age', k) % (22 * 60)) : 25 * 60 + (h('ep-age', k) % ((30 * 24 - 27) * 60));
      out.push({
        key: `closed-${k}`,
        alertId: null,
        deviceIndex: h('ep-device', k) % n,
        critical: h('ep-critical', k) % 5 === 0,
        triggered: new Date(now - minutes * 60_000),
        acknowledged: null,
        reset: null,
      });
    }
    out.sort((x, y) => x.triggered.getTime() - y.triggered.getTime() || (x.key < y.key ? -1 : 1));
    const inWindow = (e: EstateAlertEpisode) => e.triggered.getTime() > now - 30 * DAY && e.triggered.getTime() <= now - DAY;
    const window = out.filter(inWindow);
    const quick = Math.round((window.length * this.ackTarget()) / 100);
    const rank = new Permutation(window.length, hash32(this.seed, 'ack-rank'));
    const fast = new Set(window.filter((_, i) => rank.forward(i) < quick));
    for (const e of out) {
      const t = e.triggered.getTime();
      const open = e.alertId !== null;
      let at: number | null;
      if (!inWindow(e)) at = open ? (t < now - 30 * DAY ? t + 2 * HOUR : null) : t + Math.min(72 * HOUR, (now - t) / 2);
      else if (fast.has(e)) at = t + (5 + (h('ep-fast', e.key) % (23 * 60 - 5))) * 60_000;
      else if (open && h('ep-never', e.key) % 4 === 0) at = null;
      else at = t + (25 * 60 + (h('ep-slow', e.key) % (72 * 60))) * 60_000;
      if (at !== null && at > now - 60_000) at = open ? null : now - 60_000;
      if (at === null) continue;
      if (open) e.acknowledged = new Date(at);
      else if (fast.has(e) && h('ep-reset-only', e.key) % 3 === 0) e.reset = new Date(at);
      else {
        e.acknowledged = new Date(at);
        e.reset = new Date(Math.min(now - 30_000, at + (10 + (h('ep-close', e.key) % 600)) * 60_000));
      }
    }
    return out;
  }

  /**
   * Servers that have a backup, in server-rank order; names vary as backup products show them. Ranks ≥ `succeeded`
   * did not succeed in 24 h; the last `never` of them have no success at all (`lastSuccess` null, last run failed).
   */
  backupObjects(): EstateBackupObject[] {
    const covered = share(this.servers, this.knobs.backupCoveragePct);
    const succeeded = share(covered, this.knobs.backupSuccessPct);
    const never = Math.min(covered - succeeded, Math.max(0, Math.floor(this.knobs.backupNeverSucceeded)));
    const out: EstateBackupObject[] = [];
    for (let i = 0; i < this.knobs.endpoints; i++) {
      const r = this.rank.forward(i);
      if (r >= this.servers) continue;
      const k = this.serverRank.forward(r);
      if (k >= covered) continue;
      const d = this.device(i);
      const style = k % 3;
      const name = style === 0 ? d.fqdn : style === 1 ? d.name.toLowerCase() : d.name.slice(0, 15);
      const ok = k < succeeded;
      const failedK = k - succeeded;
      const lastSuccessHours = ok ? 1 + (hash32(this.seed, 'bk-ok', k) % 20) : failedK === 0 ? this.knobs.oldestSuccessHours : 25 + (hash32(this.seed, 'bk-old', k) % Math.max(1, this.knobs.oldestSuccessHours - 25));
      out.push({
        index: k,
        name,
        deviceIndex: i,
        succeeded24h: ok,
        lastSuccess: k >= covered - never ? null : new Date(this.now.getTime() - lastSuccessHours * HOUR),
        lastRun: new Date(this.now.getTime() - (ok ? lastSuccessHours : 2 + (hash32(this.seed, 'bk-run', k) % 10)) * HOUR),
        lastRunFailed: !ok,
      });
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /**
   * Automated recovery verification runs, newest first, over the last 180 days: weekly, the newest success
   * `backupVerifiedDaysAgo` whole days ago (a few hours past the day), every later run Failed, earlier ones Success
   * with a seeded Warning or Failed now and then. None when the knob is null (never verified).
   */
  verificationRuns(): EstateVerificationRun[] {
    const days = this.knobs.backupVerifiedDaysAgo;
    if (days === null) return [];
    const now = this.now.getTime();
    const lastOk = now - Math.max(0, Math.floor(days)) * DAY - (2 * 60 + (hash32(this.seed, 'verify-offset') % 240)) * 60_000;
    const run = (end: number, result: EstateVerificationRun['result'], k: number): EstateVerificationRun => ({
      start: new Date(end - (25 + (hash32(this.seed, 'verify-len', k) % 50)) * 60_000),
      end: new Date(end),
      result,
    });
    const out: EstateVerificationRun[] = [];
    for (let k = 1; lastOk + k * 7 * DAY < now - HOUR; k++) out.push(run(lastOk + k * 7 * DAY, 'Failed', k));
    out.reverse();
    out.push(run(lastOk, hash32(this.seed, 'verify-warn') % 4 === 0 ? 'Warning' : 'Success', 0));
    for (let k = 1; lastOk - k * 7 * DAY > now - 180 * DAY; k++) {
      const r = hash32(this.seed, 'verify', k) % 10;
      out.push(run(lastOk - k * 7 * DAY, r === 0 ? 'Failed' : r === 1 ? 'Warning' : 'Success', -k));
    }
    return out;
  }

  private ackTruth() {
    return ackTruthOf(this.alertEpisodes(), this.now.getTime());
  }

  /** What a correct collector derives (docs/evidence.md). Vendor renderers may null fields their API cannot give. */
  truth() {
    const c = this.counts();
    const n = this.knobs.endpoints;
    let online = 0;
    let compliant = 0;
    let failed = 0;
    let automated = 0;
    let protectedAv = 0;
    let pendingCritical = 0;
    let oldestPendingDays = 0;
    let serversOnline24h = 0;
    let workstationsOnline7d = 0;
    for (const d of this.devices()) {
      if (d.online) online++;
      if (d.isServer && d.online) serversOnline24h++;
      if (!d.isServer && this.now.getTime() - d.lastContact.getTime() <= 7 * DAY) workstationsOnline7d++;
      if (d.patch.compliant) compliant++;
      if (d.patch.failed) failed++;
      if (d.patch.automated) automated++;
      if (d.av.protected) protectedAv++;
      if (d.patch.pendingCritical) pendingCritical++;
      // Relevant pending patches: the overdue ones, and the IMPORTANT security updates still within the window.
      if (!d.patch.compliant || d.patch.securityPending) oldestPendingDays = Math.max(oldestPendingDays, d.patch.oldestPendingDays);
    }
    const alerts = this.alerts();
    const ageOf = (a: EstateAlert) => this.now.getTime() - a.created.getTime();
    const high = alerts.filter((a) => a.critical);
    const highOver24h = high.filter((a) => ageOf(a) > DAY).length;
    const highOver7d = high.filter((a) => ageOf(a) > 7 * DAY).length;
    const staleOver24h = alerts.filter((a) => ageOf(a) > DAY).length;
    const objects = this.backupObjects();
    const succeeded = objects.filter((o) => o.succeeded24h).length;
    const failing = objects.filter((o) => !o.succeeded24h);
    const ages = objects.map((o) => (o.lastSuccess === null ? null : (this.now.getTime() - o.lastSuccess.getTime()) / HOUR));
    // As the collectors show it: no age to display once a workload never succeeded (display only; rules gate on freshPct).
    const oldestSuccessHours = objects.length && ages.every((a) => a !== null) ? Math.max(...(ages as number[])) : null;
    const fresh72h = ages.filter((a) => a !== null && a <= 72).length;
    const ack = this.ackTruth();
    void c;
    return {
      'rmm.devices': {
        total: n,
        servers: this.servers,
        workstations: this.workstations,
        online24h: online,
        pct: pct(online, n),
        serversOnline24h,
        workstationsOnline7d,
        checkedIn: serversOnline24h + workstationsOnline7d,
        checkedInPct: pct(serversOnline24h + workstationsOnline7d, n),
      },
      // One critical row per critical-overdue device, so pendingCritical (rows) = criticalOverdueDevices (devices).
      'rmm.patches': {
        devices: n,
        compliant,
        pct: pct(compliant, n),
        pendingCritical,
        criticalOverdueDevices: pendingCritical,
        criticalCompliantPct: pct(n - pendingCritical, n),
        failed,
        oldestPendingDays,
        automated,
        automatedPct: pct(automated, n),
      },
      'rmm.antivirus': { devices: n, protected: protectedAv, pct: pct(protectedAv, n) },
      'rmm.alerts': {
        open: alerts.length,
        critical: alerts.filter((a) => a.critical).length,
        oldestOpenHours: alerts.length ? Math.floor((this.now.getTime() - alerts[0]!.created.getTime()) / HOUR) : 0,
        staleOver24h,
        staleOver7d: alerts.filter((a) => ageOf(a) > 7 * DAY).length,
        devices: n,
        high: high.length,
        highOver24h,
        highOver7d,
        highOver24hPer100: per100(highOver24h, n),
        highOver7dPer100: per100(highOver7d, n),
        staleOver24hPer100: per100(staleOver24h, n),
      },
      // rmm.alerts fields an RMM's activity log gives (where it records acknowledgement times at all).
      'rmm.alerts.activity': ack,
      'backup.protection': {
        protected: objects.length,
        succeeded24h: succeeded,
        pct: pct(succeeded, objects.length),
        oldestSuccessHours: oldestSuccessHours === null ? null : Math.round(oldestSuccessHours * 10) / 10,
        neverSucceeded: ages.filter((a) => a === null).length,
        fresh72h,
        freshPct: pct(fresh72h, objects.length),
        staleOver72h: objects.length - fresh72h,
        // The target share; the vendor model states the exact figure of the runs it serves.
        successRate30d: objects.length ? this.knobs.backupRunSuccessPct : null,
        failingTotal: failing.length,
      },
      'backup.coverage': { servers: this.servers, covered: objects.length, pct: pct(objects.length, this.servers) },
      // Without `via`: the backup vendor's simulator names its own verification feature.
      'backup.verification': verificationTruth(this.verificationRuns(), this.now.getTime()),
    };
  }
}

/** Acknowledged or reset within 24 h, over the episodes triggered 24 h–30 days ago (rmm.alerts `ackWithin24hPct`). */
function ackTruthOf(episodes: EstateAlertEpisode[], now: number) {
  const window = episodes.filter((e) => e.triggered.getTime() > now - 30 * DAY && e.triggered.getTime() <= now - DAY);
  const first = (e: EstateAlertEpisode) => Math.min(e.acknowledged?.getTime() ?? Infinity, e.reset?.getTime() ?? Infinity);
  const within = window.filter((e) => first(e) - e.triggered.getTime() <= DAY).length;
  return {
    ackWithin24hPct: window.length ? Math.round(((within * 100) / window.length) * 10) / 10 : null,
    alertSeries30d: window.length,
    acknowledgedWithin24h: within,
  };
}

function verificationTruth(runs: EstateVerificationRun[], now: number) {
  const since = now - 90 * DAY;
  const newest = runs.find((r) => r.result !== 'Failed') ?? null;
  const last = newest === null ? null : newest.end.getTime();
  return {
    lastVerifiedAt: last === null ? null : new Date(last).toISOString(),
    verifiedDaysAgo: last === null ? null : Math.max(0, Math.floor((now - last) / DAY)),
    verifications90d: runs.filter((r) => r.result !== 'Failed' && r.end.getTime() >= since).length,
    failed90d: runs.filter((r) => r.result === 'Failed' && r.end.getTime() >= since).length,
  };
}
