import type { PolicyBody, ResultPolicy } from '../types.ts';

export type { PolicyBody };
export type ContactPolicyT = Extract<ResultPolicy, { kind: 'contact' }>;
