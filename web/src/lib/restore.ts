import { ApiError, isTransient } from '../api.ts';

/** The server refused the key itself (unknown, revoked): the only failure that forgets it. */
export const refused = (e: unknown): boolean =>
  e instanceof ApiError && (e.status === 401 || e.status === 403);

/** Waits before each new try of a sign-in the server or the network failed: 0.5, 1, 2, 4 s. */
export const RESTORE_WAITS_MS = [500, 1000, 2000, 4000];

/**
 * A reload signs in again with the tab's key. Only a key the server refuses (401/403) is
 * forgotten. A server restarting or a network hiccup is tried again after each of
 * RESTORE_WAITS_MS; if it still fails the sign-in page shows, the key kept for the next reload.
 * Any other failure (a reload while this runs aborts its request) keeps the key too: forgetting
 * it then signed out a user who only reloaded the page.
 */
export async function restoreSession(o: {
  signIn: () => Promise<void>;
  forget: () => void;
  /** True once the page no longer wants the outcome (unmounted): stop trying. */
  gone: () => boolean;
  wait?: (ms: number) => Promise<void>;
}): Promise<'signed-in' | 'refused' | 'failed'> {
  const wait = o.wait ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 0; ; n++) {
    try {
      await o.signIn();
      return 'signed-in';
    } catch (e) {
      if (refused(e)) {
        o.forget();
        return 'refused';
      }
      if (!isTransient(e) || n >= RESTORE_WAITS_MS.length || o.gone()) return 'failed';
      await wait(RESTORE_WAITS_MS[n]!);
      if (o.gone()) return 'failed';
    }
  }
}
