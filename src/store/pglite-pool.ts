import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** Who is asking: the engine (dialing, settling, workers) or API requests. */
export type Lane = 'engine' | 'api';

/**
 * Engine grants in a row while API work waits, after which one API holder goes first: the engine
 * is never queued behind more than one API statement or transaction, and a busy engine still
 * lets the API through (slowly) instead of starving it.
 */
const ENGINE_STREAK = 16;

/**
 * Presents one PGlite instance as the `pg.Pool` shape Kysely's PostgresDialect drives, so both
 * databases share one dialect and one SQL. PGlite has a single connection: `connect()` hands it to
 * one caller at a time so that a transaction's statements never interleave with another caller's.
 * Waiters queue in two lanes, each first come first served: the engine's lane goes first, so a
 * burst of API reads (twenty dashboards polling) delays dialing by at most the one API statement
 * that holds the connection. `connect()` is the engine's lane; `lane('api')` gives the pool the
 * API's Kysely instance uses.
 */
export class PGlitePool implements PostgresPool {
  readonly #pg: PGlite;
  #busy = false;
  readonly #waiting: Record<Lane, (() => void)[]> = { engine: [], api: [] };
  #streak = 0;
  #idle: (() => void)[] = [];

  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  /** Callers queued in each lane (tests, metrics). */
  get queued(): Record<Lane, number> {
    return { engine: this.#waiting.engine.length, api: this.#waiting.api.length };
  }

  connect(): Promise<PostgresPoolClient> {
    return this.#connect('engine');
  }

  /** The same connection seen from another lane; ending it ends nothing (the owner's pool does). */
  lane(lane: Lane): PostgresPool {
    return { connect: () => this.#connect(lane), end: async () => {} };
  }

  async #connect(lane: Lane): Promise<PostgresPoolClient> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting[lane].push(resolve));
    else this.#busy = true;
    const pg = this.#pg;
    let released = false;
    return {
      async query<R>(sql: string, parameters: ReadonlyArray<unknown>) {
        // Like pg, a statement without parameters goes over the simple protocol (several
        // statements allowed, as migrations need); with parameters, the extended one.
        const res =
          parameters.length === 0
            ? ((await pg.exec(sql, { rowMode: 'object' })).at(-1) ?? { rows: [] as R[] })
            : await pg.query<R>(sql, parameters as unknown[], { rowMode: 'object' });
        return {
          command: ('command' in res ? res.command : 'SELECT') as 'SELECT',
          rowCount: 'affectedRows' in res ? (res.rowCount ?? res.affectedRows) : res.rows.length,
          rows: res.rows as R[],
        };
      },
      release: () => {
        if (released) return;
        released = true;
        this.#handOver();
      },
    } as PostgresPoolClient;
  }

  /** Gives the connection to the next waiter (still busy), or frees it. */
  #handOver(): void {
    const { engine, api } = this.#waiting;
    let next: (() => void) | undefined;
    if (engine.length && (api.length === 0 || this.#streak < ENGINE_STREAK)) {
      this.#streak = api.length ? this.#streak + 1 : 0;
      next = engine.shift();
    } else {
      this.#streak = 0;
      next = api.shift();
    }
    if (next) return next();
    this.#busy = false;
    for (const f of this.#idle.splice(0)) f();
  }

  async end(): Promise<void> {
    if (this.#busy) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}
