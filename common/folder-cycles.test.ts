// scripts/folder-cycles.ts (npm run check:cycles, first step of npm test): the folder graph's
// cycles, on graphs made up here, and none in the repository (issue 15: one home for each concept).
import { describe, expect, it } from 'vitest';
import { cycles, folderGraph } from '../scripts/folder-cycles.ts';

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([a, bs]) => [a, new Map(bs.map((b) => [b, `${a}/x.ts: ../${b}/y.ts`]))]));

describe('folder cycles (scripts/folder-cycles.ts)', () => {
  it('finds a cycle, and only the folders on it', () => {
    const g = graph({ gateway: ['contracts', 'registry'], registry: ['history'], history: ['gateway', 'contracts'], contracts: ['common'], bin: ['gateway'], common: [] });
    expect(cycles(g)).toEqual([['gateway', 'history', 'registry']]);
  });

  it('finds each of two cycles apart', () => {
    const g = graph({ a: ['b'], b: ['a', 'c'], c: ['d'], d: ['c'] });
    expect(cycles(g).sort()).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('finds none in a layered graph (a DAG), however many paths lead down', () => {
    const g = graph({ bin: ['gateway', 'registry', 'contracts', 'common'], gateway: ['contracts', 'ocpp', 'common'], registry: ['contracts', 'common'], contracts: ['ocpp', 'common'], ocpp: [], common: [] });
    expect(cycles(g)).toEqual([]);
  });

  it('finds none between the top-level folders of this repository', () => {
    const g = folderGraph();
    expect(g.size).toBeGreaterThan(5);
    expect(cycles(g)).toEqual([]);
  });
});
