/**
 * The MSP's branding of the client report (issue 14): its name, logo and colours, read from a small YAML file
 * (`--brand config/brand.yaml`, example in config/brand.example.yaml). Without a file the report carries Ratchet's
 * own name and colours.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../config/errors.js';

const hex = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb (e.g. "#1f4e79")');

const brandSchema = z
  .object({
    name: z.string().trim().min(1, 'the MSP name shown on the cover').max(120),
    logo: z.string().min(1).optional(),
    colors: z.object({ primary: hex.optional(), accent: hex.optional() }).strict().optional(),
    footer: z.string().max(300).optional(),
  })
  .strict();

export interface Brand {
  name: string;
  /** Absolute path of a PNG or JPEG logo, checked to exist when the brand was loaded. */
  logoPath: string | null;
  colors: { primary: string; accent: string };
  footer: string | null;
}

export const DEFAULT_BRAND: Brand = { name: 'Ratchet', logoPath: null, colors: { primary: '#1f4e79', accent: '#2e8b57' }, footer: null };

/** Reads and checks a brand file; every problem names the key and the fix. No path: the default brand. */
export function loadBrand(path?: string): Brand {
  if (!path) return DEFAULT_BRAND;
  const file = resolve(path);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found (--brand takes the path of a YAML brand file)' : `not valid YAML: ${(e as Error).message}`;
    throw new ConfigError([why], file);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['the brand file must be a YAML mapping with at least `name`'], file);
  const parsed = brandSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}; allowed: name, logo, colors.primary, colors.accent, footer` : i.message}`),
      file,
    );
  }
  const b = parsed.data;
  let logoPath: string | null = null;
  if (b.logo) {
    // A relative logo path is read from beside the brand file, so the file and its logo travel together.
    logoPath = resolve(dirname(file), b.logo);
    if (!['.png', '.jpg', '.jpeg'].includes(extname(logoPath).toLowerCase())) throw new ConfigError([`logo: ${b.logo} is not a .png, .jpg or .jpeg file`], file);
    if (!existsSync(logoPath)) throw new ConfigError([`logo: ${logoPath} not found (a path relative to the brand file)`], file);
  }
  return {
    name: b.name,
    logoPath,
    colors: { primary: b.colors?.primary ?? DEFAULT_BRAND.colors.primary, accent: b.colors?.accent ?? DEFAULT_BRAND.colors.accent },
    footer: b.footer ?? null,
  };
}
