import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../platform/config.ts';
import { createCipher, parseKey, type Cipher } from '../platform/cipher.ts';
import { openStore, type Store } from '../store/db.ts';

/**
 * Opens the configured database (PGlite in dataDir unless DATABASE_URL) and the attribute cipher.
 * The embedded database belongs to one process at a time: a lock file refuses a second one
 * (two PGlite instances on one directory would each keep their own copy and lose writes).
 */
export async function openRuntime(
  config: Config,
  onConnectionError?: (err: Error) => void,
): Promise<{ store: Store; cipher: Cipher }> {
  const cipher = createCipher(secretKey(config));
  if (config.databaseUrl)
    return {
      store: await openStore({ databaseUrl: config.databaseUrl, onConnectionError }),
      cipher,
    };
  const release = lockDataDir(config.dataDir);
  try {
    const store = await openStore({ dataDir: path.join(config.dataDir, 'pglite') });
    return {
      store: {
        ...store,
        close: async () => {
          await store.close();
          release();
        },
      },
      cipher,
    };
  } catch (e) {
    release();
    throw e;
  }
}

function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'outbound.lock');
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      const release = () => fs.rmSync(file, { force: true });
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (pid && isAlive(pid)) {
        throw new Error(
          `the embedded database in ${dir} is in use by process ${pid} (stop it first, or set DATABASE_URL to share a PostgreSQL)`,
        );
      }
      fs.rmSync(file, { force: true }); // left by a process that died
    }
  }
  throw new Error(`could not lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** OUTBOUND_SECRET_KEY, or a key generated once into the data directory. */
function secretKey(config: Config): Buffer {
  if (config.secretKey) return parseKey(config.secretKey);
  const file = path.join(config.dataDir, 'secret.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return parseKey(fs.readFileSync(file, 'utf8'));
}
