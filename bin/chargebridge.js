#!/usr/bin/env node
// `npx chargebridge ...`: the CLI is erasable TypeScript that Node (>= 22.18, 24 LTS) runs as it
// is, by stripping the types (docs/runtime.md): no loader, no build step.
if (!process.features.typescript) {
  // Older Node fails on the .ts import with ERR_UNKNOWN_FILE_EXTENSION: say what is needed.
  process.stderr.write(`chargebridge: needs Node.js >= 22.18 (24 LTS recommended) with its type stripping on, which runs the TypeScript sources; this is Node.js ${process.version}\n`);
  process.exit(1);
}
// Node's on-disk compile cache (node:module enableCompileCache, in the OS temp dir unless
// NODE_COMPILE_CACHE says otherwise): later starts skip compiling, and type stripping, again.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('./chargebridge.ts');
