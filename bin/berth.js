#!/usr/bin/env node
// Runs the berth CLI from the TypeScript sources (tsx), so a clone needs no build step.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/berth.ts');
