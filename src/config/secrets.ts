/**
 * Secret references (DESIGN §4): `${env:NAME}` and `${file:/run/secrets/x}` are resolved at run time, never stored.
 * Every resolved value is registered for scrubbing so it cannot leak through logs, reports or error messages.
 */
import { readFileSync } from 'node:fs';
import { registerSecret } from '../log/secrets.js';
import { formatPath } from '../validation/zod-errors.js';

const REF = /^\$\{(env|file):([^}]+)\}$/;

export interface ResolveResult {
  value: unknown;
  problems: string[];
  /** Paths whose raw value was a reference (so a literal at a secret path can be warned about). */
  referenced: Set<string>;
}

export function isReference(v: unknown): boolean {
  return typeof v === 'string' && REF.test(v);
}

/**
 * @param lenient leave unresolvable references in place instead of failing: for commands that read history and
 * never contact a vendor (history, rescore, rules check), a missing secret is not a problem.
 */
export function resolveReferences(raw: unknown, env: NodeJS.ProcessEnv = process.env, lenient = false): ResolveResult {
  const problems: string[] = [];
  const referenced = new Set<string>();
  const walk = (v: unknown, path: PropertyKey[]): unknown => {
    if (typeof v === 'string') {
      const m = REF.exec(v);
      if (!m) return v;
      const [, kind, name] = m as unknown as [string, 'env' | 'file', string];
      referenced.add(formatPath(path));
      if (kind === 'env') {
        const val = env[name];
        if (val === undefined || val === '') {
          if (lenient) return v;
          problems.push(`${formatPath(path)}: environment variable ${name} is not set (export it, or use \${file:PATH})`);
          return undefined;
        }
        registerSecret(val);
        return val;
      }
      try {
        // Secret files conventionally end with a newline (Docker/Kubernetes secrets); it is not part of the secret.
        const val = readFileSync(name, 'utf8').replace(/\r?\n$/, '');
        registerSecret(val);
        return val;
      } catch (e) {
        if (lenient) return v;
        problems.push(`${formatPath(path)}: cannot read secret file ${name} (${(e as NodeJS.ErrnoException).code ?? 'error'}; check the path, and that ratchet may read it)`);
        return undefined;
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    }
    return v;
  };
  return { value: walk(raw, []), problems, referenced };
}
