#!/usr/bin/env node
/** Bin `genlake-contracts`: see cli.command.ts (and `genlake-contracts help`). */
import { run } from './cli.command';

run(process.argv.slice(2), { stdin: process.stdin }).then(
  ({ code, stdout, stderr }) => {
    process.stdout.write(stdout);
    process.stderr.write(stderr);
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 2;
  },
);
