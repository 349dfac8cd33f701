// Starts a real MeshFlow server for the tests: the repository's `meshflow serve` (the built CLI), on a free port,
// offline (scripted models), with a temporary SQLite ledger and API keys given in MESHFLOW_API_KEYS.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export interface TestServer {
  url: string;
  keys: {
    /** a user key of tenant acme */
    user: string;
    /** an admin key of tenant acme */
    admin: string;
    /** a user key of tenant globex */
    other: string;
    /** a user key of tenant busy, whose run slots the rate-limit test fills */
    busy: string;
  };
  /** runs a tenant may have running at once (MESHFLOW_MAX_RUNS_PER_TENANT) */
  maxRunsPerTenant: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    meshflow: TestServer;
  }
}

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const fixtures = join(here, 'fixtures');
const STARTUP_MS = 300_000; // the launcher builds the CLI first when meshflow-cli/target has no fresh jar
const MAX_RUNS = 3;

let server: ChildProcess | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const launcher = join(repo, 'meshflow');
  if (!existsSync(launcher)) {
    throw new Error(`no MeshFlow launcher at ${launcher}; the SDK's tests run the repository's server`);
  }
  dir = await mkdtemp(join(tmpdir(), 'meshflow-sdk-'));
  const key = (name: string) => `sdk-${name}-${randomBytes(12).toString('hex')}`;
  const keys = { user: key('user'), admin: key('admin'), other: key('other'), busy: key('busy') };
  const args = [
    'serve',
    '--port',
    '0',
    '--ledger',
    `jdbc:sqlite:${join(dir, 'ledger.db')}`,
    ...['sdk-approval', 'sdk-slow', 'sdk-tools'].flatMap((w) => ['--workflow', join(fixtures, `${w}.yaml`)]),
  ];
  const child = spawn(launcher, args, {
    cwd: dir,
    env: {
      ...process.env,
      MESHFLOW_API_KEYS: `${keys.user}:acme,${keys.admin}:acme:admin,${keys.other}:globex,${keys.busy}:busy`,
      MESHFLOW_API_KEY_FILE: join(dir, 'api-key'),
      MESHFLOW_MAX_RUNS_PER_TENANT: String(MAX_RUNS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  const url = await new Promise<string>((resolveUrl, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      reject(new Error(`meshflow serve did not start within ${STARTUP_MS / 1000} s; its output:\n${log}`));
    }, STARTUP_MS);
    const read = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /serving on (https?:\/\/\S+)/.exec(log);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`meshflow serve exited (${code ?? signal}) before serving; its output:\n${log}`));
    });
  });
  project.provide('meshflow', { url, keys, maxRunsPerTenant: MAX_RUNS });
}

export async function teardown(): Promise<void> {
  const child = server;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}
