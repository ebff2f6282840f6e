#!/usr/bin/env node
// `npx chargebridge ...`: the CLI is erasable TypeScript that Node (>= 22.18, 24 LTS) runs as it
// is, by stripping the types (docs/runtime.md): no loader, no build step.
await import('./chargebridge.ts');
