import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, type Api } from '../api.ts';
import { useTenant } from '../session.tsx';
import type { Progress, Resource, Task } from '../types.ts';
import { listAll, RESOURCE_KINDS, type ResourceKind, type World } from './hooks.ts';

/**
 * The console's queries. Keys start with the tenant's base path, so a component asking for the
 * same thing as another shares its cache entry and its poll: a task's progress is fetched once
 * every 2 s however many components show it.
 */
export const keys = {
  task: (base: string, id: string) => [base, 'tasks', id] as const,
  tasks: (base: string) => [base, 'tasks'] as const,
  progress: (base: string, id: string) => [base, 'tasks', id, 'progress'] as const,
  resources: (base: string, kind: string) => [base, 'resources', kind] as const,
};

export const PROGRESS_POLL_MS = 2000;

export function useTaskQuery(taskId: string | undefined) {
  const { api, base } = useTenant();
  return useQuery({
    queryKey: keys.task(base, taskId ?? ''),
    queryFn: ({ signal }) => api.get<Task>(`${base}/tasks/${taskId}`, undefined, signal),
    enabled: !!taskId,
  });
}

/** A task's live progress, polled while any component shows it. */
export function useProgress(taskId: string, enabled = true) {
  const { api, base } = useTenant();
  return useQuery({
    queryKey: keys.progress(base, taskId),
    queryFn: ({ signal }) =>
      api.get<Progress>(`${base}/tasks/${taskId}/progress`, undefined, signal),
    refetchInterval: PROGRESS_POLL_MS,
    enabled,
  });
}

/** Every resource of a kind (all pages); a kind the key may not list is empty. */
const resourcesQuery = (api: Api, base: string, kind: ResourceKind) => ({
  queryKey: keys.resources(base, kind),
  queryFn: ({ signal }: { signal: AbortSignal }) =>
    listAll<Resource>(api, `${base}/${kind}`, signal).catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 403) return [] as Resource[];
      throw e;
    }),
});

export function useResources(kind: ResourceKind) {
  const { api, base } = useTenant();
  return useQuery(resourcesQuery(api, base, kind));
}

/** Every resource a task may refer to; undefined until all kinds are loaded. */
export function useWorld(): { world: World | undefined; error: unknown } {
  const { api, base } = useTenant();
  const results = useQueries({
    queries: RESOURCE_KINDS.map((kind) => resourcesQuery(api, base, kind)),
  });
  if (results.some((r) => r.isPending)) return { world: undefined, error: undefined };
  const world = Object.fromEntries(
    RESOURCE_KINDS.map((k, i) => [k, results[i]!.data ?? []]),
  ) as World;
  return { world, error: results.find((r) => r.error)?.error };
}

/** Names of resources by id, for columns that would otherwise show ids. */
export function useNames(kind: ResourceKind): (id: string | null | undefined) => string | null {
  const q = useResources(kind);
  return (id) => {
    if (!id) return null;
    const r = q.data?.find((x) => x.id === id);
    return r ? String(r.name ?? r.id) : id;
  };
}

export function useInvalidate() {
  const client = useQueryClient();
  const { base } = useTenant();
  return (...key: string[]) => client.invalidateQueries({ queryKey: [base, ...key] });
}
