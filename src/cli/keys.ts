import type { Config } from '../platform/config.ts';
import { systemClock } from '../platform/clock.ts';
import { createApiKey } from '../api/auth.ts';
import { openRuntime } from './runtime.ts';

/** `outbound keys create-admin`: the documented way to get the first system administrator key. */
export async function createAdminKey(config: Config, name: string): Promise<void> {
  const { store } = await openRuntime(config);
  try {
    const { key } = await createApiKey(store.db, {
      tenantId: null,
      role: 'system_admin',
      ouId: null,
      name,
      now: systemClock.now(),
    });
    process.stdout.write(`${key}\n`);
    process.stderr.write(
      'System administrator key created. It is shown only once: keep it safe.\n',
    );
  } finally {
    await store.close();
  }
}
