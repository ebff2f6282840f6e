/**
 * Reads what bench/probe.ts wrote.
 *
 *   node bench/probe-report.ts heap SMALL.heapsnapshot LARGE.heapsnapshot ADDED [--top 30]
 *     The live heap of one thread at two fleet sizes (the snapshot's own full collection ran
 *     first: live objects only), and the difference per added charger by constructor: what
 *     each more connected charger costs that thread.
 *   node bench/probe-report.ts alloc FILE SECONDS [--top 30]
 *     A sampling allocation profile: bytes allocated per second, by allocating function (self)
 *     and with its callees (inclusive).
 *
 * Snapshots of a few hundred MiB parse in a few GiB: run with --max-old-space-size=8000.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function byConstructor(file: string): { total: number; rows: Map<string, { count: number; size: number }> } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const f = snap.snapshot.meta.node_fields;
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const types = snap.snapshot.meta.node_types[0];
  const rows = new Map<string, { count: number; size: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]!]!;
    // Objects and closures by constructor or function name; the rest by V8's node type.
    const name = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'ƒ ' : ''}${snap.strings[snap.nodes[i + iName]!]}` : `(${type})`;
    const size = snap.nodes[i + iSize]!;
    const r = rows.get(name) ?? { count: 0, size: 0 };
    r.count++;
    r.size += size;
    rows.set(name, r);
    total += size;
  }
  return { total, rows };
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: ProfileNode[];
}

function allocations(file: string, seconds: number, top: number): void {
  const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const walk = (n: ProfileNode, stack: Set<string>): number => {
    const f = n.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    add(self, name, n.selfSize);
    const inner = new Set(stack).add(name);
    let total = n.selfSize;
    for (const c of n.children ?? []) total += walk(c, inner);
    // Once per stack, however often a recursive function appears in it.
    if (!stack.has(name)) add(inclusive, name, total);
    return total;
  };
  const total = walk(head, new Set());
  console.log(`${file}: ${(total / 1e6).toFixed(1)} MB sampled in ${seconds} s = ${(total / seconds / 1e6).toFixed(1)} MB/s`);
  for (const [title, m] of [['self', self], ['inclusive', inclusive]] as const) {
    console.log(`\n${title}:`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  }
}

const program = new Command().option('--top <n>', 'rows to list', '30');
program.command('heap <small> <large> <added>').action((small: string, large: string, added: string) => {
  const n = Number(added);
  const a = byConstructor(small);
  const b = byConstructor(large);
  console.log(`live heap ${(a.total / 1048576).toFixed(1)} → ${(b.total / 1048576).toFixed(1)} MiB: ${((b.total - a.total) / n).toFixed(0)} bytes per added charger`);
  const rows = [...b.rows].map(([k, r]) => ({ k, size: r.size - (a.rows.get(k)?.size ?? 0), count: r.count - (a.rows.get(k)?.count ?? 0) }));
  console.log('bytes / objects per added charger, by constructor:');
  for (const r of rows.sort((x, y) => y.size - x.size).slice(0, Number(program.opts()['top']))) console.log(`${(r.size / n).toFixed(0).padStart(7)} ${(r.count / n).toFixed(2).padStart(7)}  ${r.k.slice(0, 100)}`);
});
program.command('alloc <file> <seconds>').action((file: string, seconds: string) => allocations(file, Number(seconds), Number(program.opts()['top'])));
program.parse();
