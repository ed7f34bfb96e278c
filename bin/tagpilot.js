#!/usr/bin/env node
// Installed package entry: runs the compiled CLI (npm run build writes dist/).
import { main } from '../dist/cli/main.js';

const io = { out: process.stdout, err: process.stderr, in: process.stdin, cwd: process.cwd(), env: process.env };
process.exitCode = await main(process.argv.slice(2), io);
