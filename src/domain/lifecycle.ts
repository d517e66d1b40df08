/** Task states and the transitions between them (product.md §4). */
export const TASK_STATES = ['draft', 'running', 'suspended', 'completed', 'expired'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export type TaskAction = 'start' | 'suspend' | 'complete' | 'resume' | 'expire' | 'edit' | 'delete';

export type TransitionResult = { ok: true; to: TaskState } | { ok: false; reason: string };

/**
 * The state a task moves to when `action` is applied, or why it may not.
 * `complete` (no data left that may be called) and `resume` (data added to a completed task) are
 * the engine's; `expire` happens to any state once `end` passes; `edit` and `delete` keep the state.
 */
export function transition(
  from: TaskState,
  action: TaskAction,
  ctx: { now: Date; end: Date },
): TransitionResult {
  const deny = (reason: string): TransitionResult => ({ ok: false, reason });
  if (from === 'expired' && action !== 'delete') {
    return deny('the task has expired: its end time has passed');
  }
  switch (action) {
    case 'start':
      if (from !== 'draft' && from !== 'suspended') {
        return deny(`a task can be started only from draft or suspended, it is ${from}`);
      }
      if (ctx.now.getTime() >= ctx.end.getTime()) return deny('the task end time has passed');
      return { ok: true, to: 'running' };
    case 'suspend':
      if (from !== 'running' && from !== 'completed') {
        return deny(`a task can be suspended only when running or completed, it is ${from}`);
      }
      return { ok: true, to: 'suspended' };
    case 'complete':
      return from === 'running'
        ? { ok: true, to: 'completed' }
        : deny(`only a running task completes, it is ${from}`);
    case 'resume':
      return from === 'completed'
        ? { ok: true, to: 'running' }
        : deny(`only a completed task resumes, it is ${from}`);
    case 'expire':
      return { ok: true, to: 'expired' };
    case 'edit':
      if (from !== 'draft' && from !== 'suspended') {
        return deny(
          `a task can be edited only in draft or suspended, it is ${from}; suspend it first`,
        );
      }
      return { ok: true, to: from };
    case 'delete':
      if (from === 'running') return deny('a running task cannot be deleted; suspend it first');
      return { ok: true, to: from };
  }
}
