#!/usr/bin/env node
// The cairn binary: the only composition root.
import { run } from './cli/index.js';

process.exitCode = await run(process.argv.slice(2));
