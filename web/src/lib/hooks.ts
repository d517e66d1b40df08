import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api } from '../api.ts';
import type { Resource } from '../types.ts';

/** Loads something once (and again on `reload` or when `deps` change). */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    load(ctl.signal)
      .then((d) => {
        if (!ctl.signal.aborted) {
          setData(d);
          setError(undefined);
        }
      })
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setError(e);
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [...deps, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { data, error, loading, reload };
}

/** Calls `fn` every `ms` while mounted (and at once); the latest `fn` is used each time. */
export function usePoll(fn: () => Promise<void> | void, ms: number, enabled = true): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        await ref.current();
      } catch {
        /* the next tick tries again */
      }
      if (!stopped) timer = setTimeout(tick, ms);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [ms, enabled]);
}

/** Every item of a resource list, following `next` (resources page with `after`). */
export async function listAll<T = Resource>(
  api: Api,
  path: string,
  signal?: AbortSignal,
): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await api.get<{ items: T[]; next: string | null }>(
      path,
      { after, limit: 500 },
      signal,
    );
    out.push(...page.items);
    if (!page.next) return out;
    after = page.next;
  }
}

export const RESOURCE_KINDS = [
  'ous',
  'caller-numbers',
  'caller-groups',
  'flows',
  'robots',
  'skill-queues',
  'business-results',
  'questionnaires',
  'sms-templates',
  'blocklists',
  'special-dates',
  'attributes',
  'number-types',
  'result-definitions',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
export type World = Record<ResourceKind, Resource[]>;

/** Every resource a task may refer to, in one go. */
export async function loadWorld(api: Api, base: string, signal?: AbortSignal): Promise<World> {
  const lists = await Promise.all(
    RESOURCE_KINDS.map((k) => listAll(api, `${base}/${k}`, signal).catch(() => [] as Resource[])),
  );
  return Object.fromEntries(RESOURCE_KINDS.map((k, i) => [k, lists[i]!])) as World;
}
