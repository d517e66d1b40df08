import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README's tour, as a reader runs it: `outbound serve` on a fresh embedded database, its
 * first-start key, then examples/tour.sh with curl. Runs on the embedded default only.
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe.skipIf(!!process.env.DATABASE_URL)('the README tour against `outbound serve`', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'outbound-tour-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  let server: ReturnType<typeof spawn>;
  let key = '';

  beforeAll(async () => {
    server = spawn(process.execPath, ['bin/outbound.js', 'serve', '--port', String(port)], {
      cwd: root,
      env: { ...process.env, OUTBOUND_DATA_DIR: dir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    key = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /obk_[A-Za-z0-9_-]+/.exec(out);
        if (m) resolve(m[0]);
      });
      server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
  }, 60_000);

  afterAll(() => {
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a tenant, resources, a task with every option, imports a CSV and starts the task', async () => {
    const { stdout } = await run('bash', ['examples/tour.sh'], {
      cwd: root,
      env: { ...process.env, OB: `http://127.0.0.1:${port}`, KEY: key },
    });
    expect(stdout).toContain('   task ');
    expect(stdout).toMatch(/"inserted":3,"updated":0,"rejected":3/);
    expect(stdout).toContain('"row":4,"sessionId":"C-0004"');
    expect(stdout).toContain('"number":"+8613800000099"');
    expect(stdout).toMatch(/\nrunning\n/);
    // Whether the engine has dialed yet depends on the wall clock (calling windows): count them all.
    const byState = JSON.parse(/\{"ready".*\}/.exec(stdout)![0]) as Record<string, number>;
    expect(Object.values(byState).reduce((a, b) => a + b, 0)).toBe(3);
  }, 60_000);
});
