// examples/sdk-quickstart.mjs runs against the test server, on the built SDK, so the example cannot rot.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { server } from './helpers.js';

const example = fileURLToPath(new URL('../../../examples/sdk-quickstart.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)));

describe('examples/sdk-quickstart.mjs', () => {
  it.runIf(built)('quickstart_againstTheServer_streamsTheRunAndVerifiesIt', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [example, 'Hello from the example'], {
      env: { ...process.env, MESHFLOW_URL: server().url, MESHFLOW_API_KEY: server().keys.user },
    });

    expect(stdout).toContain('Your task was: "Hello from the example"');
    expect(stdout).toMatch(/run \S+ ended COMPLETED \(\d+ tokens\)/);
    expect(stdout).toMatch(/step 1 assistant: COMMIT, \d+ tokens/);
    expect(stdout).toContain('hash chain: intact, 1 records');
  });

  it.runIf(built)('quickstart_withoutAKey_exitsWithUsage', async () => {
    const env = { ...process.env };
    delete env.MESHFLOW_API_KEY;
    const error = await promisify(execFile)(process.execPath, [example], { env }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toContain('set MESHFLOW_API_KEY');
  });
});
