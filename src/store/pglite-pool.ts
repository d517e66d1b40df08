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
 * Who holds one PGlite's connection and who waits for it. Shared by every pool over the same
 * PGlite (tests open a store per file on one PGlite per worker), so two pools never interleave
 * their statements, and the schema the connection is set to is known.
 */
class Gate {
  busy = false;
  readonly waiting: Record<Lane, (() => void)[]> = { engine: [], api: [] };
  streak = 0;
  idle: (() => void)[] = [];
  /** The schema the connection's search_path was last set to by a pool (null: never). */
  schema: string | null = null;

  /** Gives the connection to the next waiter (still busy), or frees it. */
  handOver(): void {
    const { engine, api } = this.waiting;
    let next: (() => void) | undefined;
    if (engine.length && (api.length === 0 || this.streak < ENGINE_STREAK)) {
      this.streak = api.length ? this.streak + 1 : 0;
      next = engine.shift();
    } else {
      this.streak = 0;
      next = api.shift();
    }
    if (next) return next();
    this.busy = false;
    for (const f of this.idle.splice(0)) f();
  }
}

const gates = new WeakMap<PGlite, Gate>();

/**
 * Presents one PGlite instance as the `pg.Pool` shape Kysely's PostgresDialect drives, so both
 * databases share one dialect and one SQL. PGlite has a single connection: `connect()` hands it to
 * one caller at a time so that a transaction's statements never interleave with another caller's.
 * Waiters queue in two lanes, each first come first served: the engine's lane goes first, so a
 * burst of API reads (twenty dashboards polling) delays dialing by at most the one API statement
 * that holds the connection. `connect()` is the engine's lane; `lane('api')` gives the pool the
 * API's Kysely instance uses. Pools over the same PGlite share its queue; a pool given a `schema`
 * sets the connection's search_path to it whenever another pool's schema was set last.
 */
export class PGlitePool implements PostgresPool {
  readonly #pg: PGlite;
  readonly #gate: Gate;
  readonly #schema: string | null;

  constructor(pg: PGlite, opts: { schema?: string | undefined } = {}) {
    this.#pg = pg;
    let gate = gates.get(pg);
    if (!gate) gates.set(pg, (gate = new Gate()));
    this.#gate = gate;
    this.#schema = opts.schema ?? null;
  }

  /** Callers queued in each lane (tests, metrics). */
  get queued(): Record<Lane, number> {
    const { engine, api } = this.#gate.waiting;
    return { engine: engine.length, api: api.length };
  }

  connect(): Promise<PostgresPoolClient> {
    return this.#connect('engine');
  }

  /** The same connection seen from another lane; ending it ends nothing (the owner's pool does). */
  lane(lane: Lane): PostgresPool {
    return { connect: () => this.#connect(lane), end: async () => {} };
  }

  async #connect(lane: Lane): Promise<PostgresPoolClient> {
    const gate = this.#gate;
    if (gate.busy) await new Promise<void>((resolve) => gate.waiting[lane].push(resolve));
    else gate.busy = true;
    const pg = this.#pg;
    if (this.#schema && gate.schema !== this.#schema) {
      try {
        await pg.exec(`set search_path to ${this.#schema}`);
        gate.schema = this.#schema;
      } catch (e) {
        gate.handOver();
        throw e;
      }
    }
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
        gate.handOver();
      },
    } as PostgresPoolClient;
  }

  /** Waits until no caller of this PGlite holds the connection. */
  async end(): Promise<void> {
    const gate = this.#gate;
    if (gate.busy) await new Promise<void>((resolve) => gate.idle.push(resolve));
  }
}
