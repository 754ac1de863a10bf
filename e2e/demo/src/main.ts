#!/usr/bin/env node
/** weft-demo [--once]: the local GitOps demo; --once (or CI=true) exits when it has shown everything. */
import { parseArgs } from 'node:util';
import { runDemo } from './demo.ts';

const { values } = parseArgs({ options: { once: { type: 'boolean', default: false } } });
await runDemo({ once: values.once || process.env.CI === 'true' });
