import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/**
 * Presents one PGlite instance as the `pg.Pool` shape Kysely's PostgresDialect drives, so both
 * databases share one dialect and one SQL. PGlite has a single connection: `connect()` hands it to
 * one caller at a time (a FIFO lock) so that a transaction's statements never interleave with
 * another caller's.
 */
export class PGlitePool implements PostgresPool {
  readonly #pg: PGlite;
  #tail: Promise<void> = Promise.resolve();

  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => held);
    await previous;
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
      release() {
        if (!released) {
          released = true;
          release();
        }
      },
    } as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.#tail;
  }
}
