import { NODE_TYPES, type FlowNode } from '../../../src/ivr/flow.ts';

/**
 * The designer's view of a flow step: the engine's node without its links (`next`, a branch's
 * `default` and each case's `next`), which the canvas draws as edges from named handles.
 */
export type StepType = FlowNode['type'];
/** The palette: a `speech` step (a speech robot's dialogue inline) is shown but written as JSON. */
export const STEP_TYPES: readonly StepType[] = NODE_TYPES.filter((t) => t !== 'speech');

export interface Step {
  id: string;
  type: StepType;
  [field: string]: unknown;
}

/** The handle of a step's `next` (for a transfer: where a failed transfer goes). */
export const NEXT = 'next';
/** A branch's `default` handle. */
export const DEFAULT = 'default';
export const caseHandle = (j: number) => `case-${j}`;
export const caseIndex = (handle: string): number | undefined => {
  const m = /^case-(\d+)$/.exec(handle);
  return m ? Number(m[1]) : undefined;
};

/** The handles a step leads on from, in the order they are drawn. */
export function outHandles(step: Step): string[] {
  if (step.type === 'hangup') return [];
  if (step.type === 'branch') {
    const cases = Array.isArray(step.cases) ? step.cases : [];
    return [...cases.map((_, j) => caseHandle(j)), DEFAULT];
  }
  return [NEXT];
}

/** What a new step of each type starts as: the fields the engine requires, filled sensibly. */
export function newStep(type: StepType, id: string): Step {
  switch (type) {
    case 'play':
      return { id, type, prompt: { text: '' } };
    case 'collect':
      return { id, type, prompt: { text: '' }, max: 1, timeoutSec: 5 };
    case 'questionnaire':
      return { id, type };
    case 'assign':
      return { id, type, variable: '', value: '' };
    case 'branch':
      return { id, type, variable: '', cases: [{ equals: '1' }] };
    case 'transfer':
      return { id, type, target: { skillQueue: '' } };
    case 'hangup':
      return { id, type };
    case 'robot':
      return { id, type, endpoint: 'https://' };
    case 'speech':
      return { id, type, dialogue: { steps: [] } };
  }
}

/** A fresh step id: the type and the first free number (`play-1`, `play-2`, …). */
export function freshStepId(type: StepType, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let i = 1; ; i++) if (!used.has(`${type}-${i}`)) return `${type}-${i}`;
}

/** The text a step says first (its prompt's text or file), for the node's one-line summary. */
export function promptOf(step: Step): string | undefined {
  const p = step.prompt as { text?: string; file?: string } | undefined;
  return p ? (p.text ?? p.file) : undefined;
}
