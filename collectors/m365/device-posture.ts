/**
 * Three more evidence keys from the SAME walk of `/deviceManagement/managedDevices` that feeds device compliance
 * (a 100k-device tenant is paged once): disk encryption of Windows and macOS devices (isEncrypted:
 * BitLocker/FileVault), devices that stopped syncing for 30 days, and OS builds past their vendor's end of
 * servicing (rules/data/os-support.yaml). Counters and capped lists only: memory stays flat however many devices.
 */
import { CappedCollector, pct } from '../../src/domain/evidence.js';
import { STALE_AFTER_DAYS } from './devices.js';
import { judgeOs, type OsSupport } from './os-support.js';
import type { ManagedDevice } from './schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface EncryptionValue extends Record<string, unknown> {
  /** Windows and macOS managed devices (the platforms isEncrypted means BitLocker/FileVault on). */
  devices: number;
  encrypted: number;
  pct: number | null;
  /** Devices Intune reports no isEncrypted for (counted as not encrypted: unproven). */
  notReported: number;
  unencrypted: string[];
  unencryptedTotal: number;
  notApplicable?: Record<string, string>;
}

export interface StaleValue extends Record<string, unknown> {
  devices: number;
  stale30d: number;
  stalePct: number | null;
  staleDevices: string[];
  staleDevicesTotal: number;
  notApplicable?: Record<string, string>;
}

export interface OsCurrencyValue extends Record<string, unknown> {
  devices: number;
  supported: number;
  unsupported: number;
  /** Supported share of the devices whose build the data file knows. */
  pct: number | null;
  /** Unsupported share of the same denominator (the ISM-1501 gate reads this). */
  unsupportedPct: number | null;
  unknownBuild: number;
  unsupportedDevices: string[];
  unsupportedDevicesTotal: number;
  /** `operatingSystem osVersion` → count, for the builds the data file does not list (capped at 50 entries). */
  unknownVersions: Record<string, number>;
  notApplicable?: Record<string, string>;
}

const UNKNOWN_VERSIONS_CAP = 50;

export class DevicePostureTally {
  private total = 0;
  private encDevices = 0;
  private encrypted = 0;
  private encNotReported = 0;
  private readonly unencrypted = new CappedCollector();
  private stale = 0;
  private readonly staleList = new CappedCollector();
  private supported = 0;
  private unsupported = 0;
  private unknownBuild = 0;
  private readonly unsupportedList = new CappedCollector();
  private readonly unknownVersions: Record<string, number> = {};
  private readonly staleBefore: number;

  constructor(
    private readonly now: Date,
    private readonly osSupport: OsSupport | null,
  ) {
    this.staleBefore = now.getTime() - STALE_AFTER_DAYS * DAY_MS;
  }

  add(d: ManagedDevice): void {
    this.total += 1;
    const name = d.deviceName ?? d.id;
    const os = (d.operatingSystem ?? '').toLowerCase();
    if (os === 'windows' || os === 'macos') {
      this.encDevices += 1;
      if (d.isEncrypted === true) this.encrypted += 1;
      else {
        if (d.isEncrypted === null || d.isEncrypted === undefined) this.encNotReported += 1;
        this.unencrypted.add(name);
      }
    }
    // Same rule as device compliance: never synced (null or Intune's 0001-01-01 placeholder) counts as stale.
    const synced = d.lastSyncDateTime ? Date.parse(d.lastSyncDateTime) : Number.NaN;
    if (Number.isNaN(synced) || synced < this.staleBefore) {
      this.stale += 1;
      this.staleList.add(name);
    }
    if (this.osSupport) {
      const verdict = judgeOs(this.osSupport, d.operatingSystem, d.osVersion, this.now);
      if (verdict === 'supported') this.supported += 1;
      else if (verdict === 'unsupported') {
        this.unsupported += 1;
        this.unsupportedList.add(`${name} (${d.operatingSystem ?? '?'} ${d.osVersion ?? '?'})`);
      } else {
        this.unknownBuild += 1;
        const k = `${d.operatingSystem ?? 'unknown'} ${d.osVersion ?? 'unknown'}`;
        if (k in this.unknownVersions || Object.keys(this.unknownVersions).length < UNKNOWN_VERSIONS_CAP) {
          this.unknownVersions[k] = (this.unknownVersions[k] ?? 0) + 1;
        }
      }
    }
  }

  encryption(): EncryptionValue {
    const v: EncryptionValue = {
      devices: this.encDevices,
      encrypted: this.encrypted,
      pct: pct(this.encrypted, this.encDevices),
      notReported: this.encNotReported,
      unencrypted: this.unencrypted.list(),
      unencryptedTotal: this.unencrypted.total,
    };
    if (this.encDevices === 0) v.notApplicable = { pct: 'no Windows or macOS device is managed by Intune' };
    return v;
  }

  staleness(): StaleValue {
    const v: StaleValue = {
      devices: this.total,
      stale30d: this.stale,
      stalePct: pct(this.stale, this.total),
      staleDevices: this.staleList.list(),
      staleDevicesTotal: this.staleList.total,
    };
    if (this.total === 0) v.notApplicable = { stalePct: 'no device is managed by Intune' };
    return v;
  }

  /** Null when the data file could not be read (the caller reports that instead). */
  osCurrency(): OsCurrencyValue | null {
    if (!this.osSupport) return null;
    const known = this.supported + this.unsupported;
    const v: OsCurrencyValue = {
      devices: this.total,
      supported: this.supported,
      unsupported: this.unsupported,
      pct: pct(this.supported, known),
      unsupportedPct: pct(this.unsupported, known),
      unknownBuild: this.unknownBuild,
      unsupportedDevices: this.unsupportedList.list(),
      unsupportedDevicesTotal: this.unsupportedList.total,
      unknownVersions: { ...this.unknownVersions },
    };
    if (known === 0) {
      const why = this.total === 0 ? 'no device is managed by Intune' : 'no managed device runs a build listed in rules/data/os-support.yaml';
      v.notApplicable = { pct: why, unsupportedPct: why, unsupported: why };
    }
    return v;
  }
}
