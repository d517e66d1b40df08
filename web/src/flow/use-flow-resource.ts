import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTenant } from '../session.tsx';
import { listAll } from '../lib/hooks.ts';
import type { Resource } from '../types.ts';
import type { TestCallReport, TestCallScript } from './TestCallPanel.tsx';

/** A flow resource as the API keeps it (product.md Appendix C). */
export interface FlowResource {
  id: string;
  name?: string;
  kind?: 'ivr';
  status: 'draft' | 'published';
  ouId: string | null;
  document: Record<string, unknown>;
}

const enc = encodeURIComponent;

/**
 * The designer's server side: the flow (once it has an id), the skill queues and questionnaires
 * its steps may name, and the writes — save (create, then replace), publish/unpublish and the test
 * call. Every write refreshes the lists of flows other pages show.
 */
export function useFlowResource(flowId: string | undefined) {
  const { api, base } = useTenant();
  const qc = useQueryClient();
  const [id, setId] = useState(flowId);
  const path = `${base}/flows`;
  const key = ['flow-designer', base, id];

  const flow = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api.get<FlowResource>(`${path}/${enc(id!)}`, undefined, signal),
    enabled: id !== undefined,
  });
  const queues = useQuery({
    queryKey: ['flow-designer', base, 'skill-queues'],
    queryFn: ({ signal }) => listAll<Resource>(api, `${base}/skill-queues`, signal),
  });
  const questionnaires = useQuery({
    queryKey: ['flow-designer', base, 'questionnaires'],
    queryFn: ({ signal }) => listAll<Resource>(api, `${base}/questionnaires`, signal),
  });

  const stored = (saved: FlowResource) => {
    setId(saved.id);
    qc.setQueryData(['flow-designer', base, saved.id], saved);
    // Whatever lists flows (the resources page, the wizard's choices) reads them again.
    void qc.invalidateQueries({
      predicate: (q) => q.queryKey.includes('flows') || q.queryKey.includes('resources'),
    });
    return saved;
  };

  const save = useMutation({
    mutationFn: (r: FlowResource) =>
      id === undefined
        ? api.post<FlowResource>(path, r)
        : api.put<FlowResource>(`${path}/${enc(id)}`, r),
    onSuccess: stored,
  });
  const publish = useMutation({
    // The id is passed in: right after a new flow's first save, this render's `id` is still unset.
    mutationFn: (v: { id: string; verb: 'publish' | 'unpublish' }) =>
      api.post<FlowResource>(`${path}/${enc(v.id)}/${v.verb}`),
    onSuccess: stored,
  });
  const testCall = useMutation({
    mutationFn: (v: { id: string; script: TestCallScript }) =>
      api.post<TestCallReport>(`${path}/${enc(v.id)}/test-call`, v.script),
  });

  return {
    id,
    flow,
    skillQueues: (queues.data ?? []).map((q) => String(q.name ?? q.id)),
    questionnaires: (questionnaires.data ?? [])
      .filter((q) => q.kind !== 'manual')
      .map((q) => ({ value: q.id, label: q.name ? `${String(q.name)} (${q.id})` : q.id })),
    save,
    publish,
    testCall,
  };
}
