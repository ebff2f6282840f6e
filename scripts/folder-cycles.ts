/**
 * Which top-level folders import each other in a cycle (issue 15: "no role imports another
 * role's internals"; a cycle means two folders cannot be understood, tested or split apart one
 * without the other). Imports are read with the TypeScript compiler's own pre-processor
 * (ts.preProcessFile: every import, export-from and dynamic import, type-only ones included),
 * resolved relative to the importing file; the folder graph's strongly connected components
 * (Tarjan) with more than one folder are the cycles.
 *   node scripts/folder-cycles.ts            prints the cycles, exit 1 if any
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', '.git', '.ci', 'docs', 'bench', 'test', 'scripts', 'dashboards/web']);

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const rel = path.relative(ROOT, full);
    if (SKIP.has(rel) || name.startsWith('.')) continue;
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (/\.(ts|js)$/.test(name) && !/\.test\.ts$/.test(name) && rel.includes(path.sep)) yield full;
  }
}

const top = (file: string) => path.relative(ROOT, file).split(path.sep)[0]!;

/** folder -> folder -> an example import (file: specifier). */
export function folderGraph(): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const file of sources(ROOT)) {
    const from = top(file);
    if (!g.has(from)) g.set(from, new Map());
    for (const ref of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const to = top(path.resolve(path.dirname(file), ref.fileName));
      if (to !== from && !to.startsWith('..')) g.get(from)!.set(to, g.get(from)!.get(to) ?? `${path.relative(ROOT, file)}: ${ref.fileName}`);
    }
  }
  return g;
}

export function cycles(g: Map<string, Map<string, string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (import.meta.main) {
  const g = folderGraph();
  const found = cycles(g);
  for (const c of found) {
    console.log(`cycle: ${c.join(' <-> ')}`);
    for (const a of c) for (const [b, why] of g.get(a) ?? []) if (c.includes(b)) console.log(`  ${a} -> ${b}   (${why})`);
  }
  if (found.length) process.exit(1);
  console.log(`no cycles between top-level folders (${g.size} folders)`);
}
