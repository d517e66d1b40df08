import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/**
 * A Kysely plugin that times every statement the engine runs (from the moment it is handed to the
 * driver to its result, so a wait for the connection counts) and groups them by verb and table:
 * where an engine's time goes, seen from the database side.
 */
export class QueryTimer implements KyselyPlugin {
  readonly #started = new WeakMap<object, { t0: number; label: string }>();
  readonly byLabel = new Map<string, { n: number; ms: number }>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#started.set(args.queryId, { t0: performance.now(), label: labelOf(args.node) });
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const s = this.#started.get(args.queryId);
    if (s) {
      const e = this.byLabel.get(s.label) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += performance.now() - s.t0;
      this.byLabel.set(s.label, e);
    }
    return args.result;
  }

  get total(): { n: number; ms: number } {
    let n = 0;
    let ms = 0;
    for (const e of this.byLabel.values()) {
      n += e.n;
      ms += e.ms;
    }
    return { n, ms };
  }

  /** The `k` labels that took the most time, heaviest first. */
  top(k: number): [string, { n: number; ms: number }][] {
    return [...this.byLabel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, k);
  }
}

function labelOf(node: RootOperationNode): string {
  const verb = node.kind.replace(/QueryNode$|Node$/, '').toLowerCase();
  if (node.kind === 'RawNode') {
    const text = (node as { sqlFragments: readonly string[] }).sqlFragments.join('?');
    return text.replace(/\s+/g, ' ').trim().slice(0, 40);
  }
  return `${verb} ${firstTable(node) ?? '?'}`;
}

/** The first table a statement names (depth-first through its operation nodes). */
function firstTable(node: unknown, depth = 0): string | undefined {
  if (!node || typeof node !== 'object' || depth > 6) return undefined;
  const n = node as { kind?: string; table?: { identifier?: { name?: string } } };
  if (n.kind === 'TableNode') return n.table?.identifier?.name;
  for (const v of Object.values(node)) {
    const items: unknown[] = Array.isArray(v) ? v : [v];
    for (const x of items) {
      const t = firstTable(x, depth + 1);
      if (t) return t;
    }
  }
  return undefined;
}
