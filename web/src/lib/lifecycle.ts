import { i18n } from '../i18n/index.ts';
import type { TaskState } from '../types.ts';

/**
 * What each state allows (product.md §4). `null`: allowed; otherwise why not, shown on the
 * disabled button.
 */
export type Operation = 'contacts' | 'start' | 'suspend' | 'edit' | 'delete';

export function whyNot(op: Operation, state: TaskState): string | null {
  const s = { state: i18n.t(`common:states.${state}`) };
  switch (op) {
    case 'contacts':
      return state === 'expired' ? i18n.t('pages:whyNot.contacts', s) : null;
    case 'start':
      return state === 'draft' || state === 'suspended' ? null : i18n.t('pages:whyNot.start', s);
    case 'suspend':
      return state === 'running' || state === 'completed'
        ? null
        : i18n.t('pages:whyNot.suspend', s);
    case 'edit':
      return state === 'draft' || state === 'suspended' ? null : i18n.t('pages:whyNot.edit', s);
    case 'delete':
      return state === 'running' ? i18n.t('pages:whyNot.delete', s) : null;
  }
}

export const STATE_COLORS: Record<TaskState, string> = {
  draft: 'gray',
  running: 'green',
  suspended: 'yellow',
  completed: 'blue',
  expired: 'red',
};
