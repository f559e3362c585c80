import type { z } from 'zod';

/** `['tenants', 1, 'm365', 'clientId']` → `tenants[1].m365.clientId` (the form DESIGN §4 promises). */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

/** One line per problem: `path: message`, with unknown keys named explicitly. */
export function formatIssues(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): string[] {
  return error.issues.map((issue) => {
    const base = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys;
      return keys
        .map((k) => `${formatPath([...base, k])}: unknown key (check the spelling; allowed keys are listed in docs/config.md)`)
        .join('\n');
    }
    return `${formatPath(base)}: ${issue.message}`;
  });
}
