import { useId, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Api } from '../api.ts';
import type { Resource } from '../types.ts';

/**
 * Shims over TanStack Query for files written against the console's first loading hooks (the lead
 * removes them once every page uses lib/queries.ts). Each call is its own query: the keys here
 * cannot tell two call sites apart, so nothing is shared through them.
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const id = useId();
  const q = useQuery({
    queryKey: ['useLoad', id, ...deps],
    queryFn: ({ signal }) => load(signal),
    gcTime: 0,
    placeholderData: (prev) => prev,
  });
  return {
    data: q.data,
    error: q.error ?? undefined,
    loading: q.isFetching,
    reload: () => void q.refetch(),
  };
}

/** Calls `fn` every `ms` while mounted (and at once); the latest `fn` is used each time. */
export function usePoll(fn: () => Promise<void> | void, ms: number, enabled = true): void {
  const id = useId();
  const ref = useRef(fn);
  ref.current = fn;
  useQuery({
    queryKey: ['usePoll', id],
    queryFn: async () => {
      try {
        await ref.current();
      } catch {
        /* the next tick tries again */
      }
      return Date.now();
    },
    enabled,
    refetchInterval: ms,
    gcTime: 0,
  });
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
