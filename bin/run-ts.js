#!/usr/bin/env node
// Runs a TypeScript entry point of this project with tsx (no build step for CLI and benchmarks).
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
	console.error('uso: run-ts <arquivo.ts> [args]');
	process.exit(2);
}
process.argv = [process.argv[0], entry, ...rest];
await import(pathToFileURL(path.resolve(entry)).href);
