import type { TaskState } from '../types.ts';

/**
 * What each state allows (product.md §4). `null`: allowed; otherwise why not, shown on the
 * disabled button.
 */
export type Operation = 'contacts' | 'start' | 'suspend' | 'edit' | 'delete';

export function whyNot(op: Operation, state: TaskState): string | null {
  switch (op) {
    case 'contacts':
      return state === 'expired' ? 'an expired task takes no more contacts' : null;
    case 'start':
      return state === 'draft' || state === 'suspended'
        ? null
        : `only a draft or suspended task can be started; this one is ${state}`;
    case 'suspend':
      return state === 'running' || state === 'completed'
        ? null
        : `only a running or completed task can be suspended; this one is ${state}`;
    case 'edit':
      return state === 'draft' || state === 'suspended'
        ? null
        : `edit in draft or suspended only; suspend the task first (it is ${state})`;
    case 'delete':
      return state === 'running' ? 'a running task cannot be deleted; suspend it first' : null;
  }
}

export const STATE_COLORS: Record<TaskState, string> = {
  draft: 'gray',
  running: 'green',
  suspended: 'yellow',
  completed: 'blue',
  expired: 'red',
};
