/**
 * Node module hooks (`module.register`) that let a plain `node` child process import the project's TypeScript
 * sources directly, the way vitest does in-process.
 *
 * Why: the crash test must SIGKILL a real OS process while it writes, so the writer cannot run inside vitest.
 * The alternatives are worse: importing `dist/` makes the test depend on a prior `npm run build` and silently
 * test stale code; tsx / ts-node are not dependencies; Node 20 has no built-in type stripping. The `typescript`
 * package is already a dev dependency, and `transpileModule` only strips types (no type check), so loading costs
 * little and the child runs exactly the code under test.
 *
 * resolve: source files import siblings as `./x.js` (NodeNext); map that to `./x.ts` when the importer is a
 * `.ts` file and the `.ts` file exists. load: transpile `.ts` to ESM JavaScript.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export async function resolve(specifier, context, nextResolve) {
  const fromTs = context.parentURL?.startsWith('file:') && context.parentURL.endsWith('.ts');
  if (fromTs && (specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
    const candidate = new URL(`${specifier.slice(0, -'.js'.length)}.ts`, context.parentURL);
    if (existsSync(candidate)) return { url: candidate.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const fileName = fileURLToPath(url);
    const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
      fileName,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    return { format: 'module', source: outputText, shortCircuit: true };
  }
  return nextLoad(url, context);
}
