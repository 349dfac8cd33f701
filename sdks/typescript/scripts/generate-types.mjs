#!/usr/bin/env node
// Writes src/generated/openapi.ts from the server's OpenAPI document.
//
//   node scripts/generate-types.mjs                 # from the repository's openapi.json
//   node scripts/generate-types.mjs http://127.0.0.1:8080/openapi.json
//   node scripts/generate-types.mjs --check         # exit 1 when the committed file is out of date
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generate } from './openapi-to-ts.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const OUTPUT = here('../src/generated/openapi.ts');
const DEFAULT_SOURCE = here('../../../meshflow-server/src/main/resources/io/meshflow/server/openapi.json');

const args = process.argv.slice(2);
const check = args.includes('--check');
const source = args.find((a) => !a.startsWith('--')) ?? DEFAULT_SOURCE;

async function load(from) {
  if (/^https?:\/\//.test(from)) {
    const response = await fetch(from);
    if (!response.ok) {
      throw new Error(`GET ${from} answered ${response.status}`);
    }
    return response.json();
  }
  return JSON.parse(await readFile(from, 'utf8'));
}

const generated = generate(await load(source));
if (check) {
  const committed = await readFile(OUTPUT, 'utf8').catch(() => '');
  if (committed !== generated) {
    console.error(`${OUTPUT} is out of date with ${source}; run npm run generate`);
    process.exit(1);
  }
  console.log(`${OUTPUT} is up to date with ${source}`);
} else {
  await writeFile(OUTPUT, generated);
  console.log(`wrote ${OUTPUT} from ${source}`);
}
