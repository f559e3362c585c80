/**
 * `ratchet tenants map --write`: adds `rmm: { account, organizationId }` (or the backup equivalent) to the tenants it
 * mapped, in the YAML file that holds each one — the main config or an included `tenants.d/<id>.yaml`. The `yaml`
 * Document API edits the parsed file in place, so comments, key order, quoting and `${env:…}` references survive;
 * only the new section is added.
 *
 * Careful by construction: a tenant whose mapping is not where the config said (the file changed since it was
 * read), or which already has the section, is left alone with the reason. Each file is replaced atomically (a
 * temporary file renamed over it, its mode kept), and `restore()` puts every file back as it was.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isMap, parseDocument, type Document } from 'yaml';

export interface MappingEdit {
  tenantId: string;
  /** Absolute path of the YAML file holding the tenant. */
  file: string;
  /** YAML path of the tenant's mapping in that file (`['tenants', 3]`, or `[]` for a one-tenant file). */
  path: readonly (string | number)[];
  /** The section to add. */
  section: 'rmm' | 'backup';
  /** Its content, e.g. `{ account: 'ninja-msp', organizationId: 12 }`. */
  value: Record<string, unknown>;
}

export interface EditOutcome {
  written: MappingEdit[];
  refused: Array<{ edit: MappingEdit; reason: string }>;
  /** Puts every written file back as it was before (when the result does not load, say). */
  restore(): void;
}

function tenantNode(doc: Document, path: readonly (string | number)[]): unknown {
  return path.length === 0 ? doc.contents : doc.getIn(path, true);
}

function writeAtomically(file: string, text: string): void {
  const mode = statSync(file).mode & 0o777;
  const tmp = join(dirname(file), `.${basename(file)}.ratchet-${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

export function applyMappingEdits(edits: readonly MappingEdit[]): EditOutcome {
  const written: MappingEdit[] = [];
  const refused: EditOutcome['refused'] = [];
  const originals = new Map<string, string>();
  const byFile = new Map<string, MappingEdit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);

  for (const [file, list] of byFile) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      for (const edit of list) refused.push({ edit, reason: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      for (const edit of list) refused.push({ edit, reason: `${file} is no longer valid YAML: ${doc.errors[0]!.message.split('\n')[0]}` });
      continue;
    }
    const done: MappingEdit[] = [];
    for (const edit of list) {
      const node = tenantNode(doc, edit.path);
      if (!isMap(node) || node.get('id') !== edit.tenantId) {
        refused.push({ edit, reason: `${file} changed since it was read: tenant ${edit.tenantId} is not at ${JSON.stringify(edit.path)} any more; run tenants map again` });
        continue;
      }
      if (node.has(edit.section)) {
        refused.push({ edit, reason: `tenant ${edit.tenantId} already has a ${edit.section} section in ${file}` });
        continue;
      }
      node.set(edit.section, doc.createNode(edit.value));
      done.push(edit);
    }
    if (done.length === 0) continue;
    try {
      // No folding: a long flow mapping (`- { id: …, rmm: { … } }`) stays on its line, as it was written.
      writeAtomically(file, doc.toString({ lineWidth: 0 }));
      originals.set(file, text);
      written.push(...done);
    } catch (err) {
      for (const edit of done) refused.push({ edit, reason: `cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}; let the user running ratchet write it)` });
    }
  }

  return {
    written,
    refused,
    restore() {
      for (const [file, text] of originals) writeAtomically(file, text);
    },
  };
}
