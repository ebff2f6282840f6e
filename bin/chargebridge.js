#!/usr/bin/env node
// `npx chargebridge ...`: the CLI is TypeScript run through tsx (a runtime dependency), so the
// package needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('./chargebridge.ts');
