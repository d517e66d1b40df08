import { AppError } from '../platform/errors.ts';

/** Opaque keyset cursors: base64url of a small JSON object. */
export const encodeCursor = (v: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(v)).toString('base64url');

export function decodeCursor(s: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AppError('bad_request', 'invalid cursor');
}
