import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTenant } from '../session.tsx';
import { listAll, type ResourceKind } from '../lib/hooks.ts';
import type { Resource } from '../types.ts';

/**
 * A kind's resources, cached under `[base, 'resources', kind]` (the key the rest of the console
 * uses), so the page, the OU names of its columns and the wizard share one list.
 */
export const resourcesKey = (base: string, kind: ResourceKind) => [base, 'resources', kind];

export function useResourceList(kind: ResourceKind, enabled = true) {
  const { api, base } = useTenant();
  return useQuery({
    queryKey: resourcesKey(base, kind),
    queryFn: ({ signal }) => listAll<Resource>(api, `${base}/${kind}`, signal),
    enabled,
  });
}

/** Refetches a kind everywhere it is shown. */
export function useInvalidateResources() {
  const client = useQueryClient();
  const { base } = useTenant();
  return (kind: ResourceKind) => client.invalidateQueries({ queryKey: resourcesKey(base, kind) });
}
