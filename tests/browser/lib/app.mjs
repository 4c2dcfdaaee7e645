// Starts the help center on the project's host (target/debug/spin-host) on a
// free loopback port, with every store of deploy/local/runtime-config.toml in
// SQLite files of a fresh temporary folder, and the clock pinned so that
// channel availability is the same on every run.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
const HOST = join(ROOT, 'target/debug/spin-host');

/** Tuesday 24 November 2026, 10:00 in Amsterdam: chat and phone are open. */
export const CLOCK = '2026-11-24T09:00:00Z';

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** The runtime config: each store label of the local config, in its own file under `dir`. */
function runtimeConfig(dir) {
  const local = readFileSync(join(ROOT, 'deploy/local/runtime-config.toml'), 'utf8');
  const labels = [...local.matchAll(/^\[key_value_store\.([A-Za-z0-9_-]+)\]/gm)].map((m) => m[1]);
  const text = labels.map((label) => `[key_value_store.${label}]\ntype = "spin"\npath = "${label}.db"\n`).join('\n');
  const path = join(dir, 'runtime-config.toml');
  writeFileSync(path, text);
  return path;
}

export async function startApp() {
  if (!existsSync(HOST)) throw new Error(`${HOST} is missing: run \`cargo build -p spin-host\` (tests/run does)`);
  const dir = mkdtempSync(join(tmpdir(), 'help-center-browser-'));
  const port = await freePort();
  const child = spawn(
    HOST,
    ['up', '--listen', `127.0.0.1:${port}`, '--runtime-config-file', runtimeConfig(dir), '--state-dir', dir, '--clock', CLOCK],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`spin-host exited (${child.exitCode}):\n${log}`);
    try {
      const response = await fetch(`${base}/`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() - started > 120_000) {
      child.kill();
      throw new Error(`spin-host did not answer within 2 minutes:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    log: () => log,
    async stop() {
      writeFileSync(join(ROOT, 'target/browser-host.log'), log);
      child.kill('SIGINT');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls the API as a demo user, for setting up a scenario (e.g. a case for the seller to answer). */
export async function apiAs(base, email) {
  const signIn = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo' }),
  });
  if (signIn.status !== 201) throw new Error(`sign-in of ${email}: ${signIn.status} ${await signIn.text()}`);
  const { token } = await signIn.json();
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}
