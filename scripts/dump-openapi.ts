/**
 * Writes the OpenAPI document to a file (or stdout), for linters and client generators:
 * `npx tsx scripts/dump-openapi.ts openapi.json`. The app is built on an empty in-memory
 * database; the document depends only on the routes.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { buildApp } from '../src/api/app.ts';
import { openStore } from '../src/store/db.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createCipher } from '../src/platform/cipher.ts';

const store = await openStore({ migrate: false });
const app = await buildApp({
  db: store.db,
  clock: systemClock,
  cipher: createCipher(randomBytes(32)),
});
await app.ready();
const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
const out = process.argv[2];
if (out) writeFileSync(out, text);
else process.stdout.write(text);
await app.close();
await store.close();
