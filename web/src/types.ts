/** Shapes the API answers with (see docs/api.md); the task configuration is the shared contract. */
import type { TaskConfig } from '../../src/domain/task-config.ts';
import type { TenantSettings } from '../../src/domain/tenant.ts';

export type { TaskConfig, TenantSettings };
export type {
  Period,
  ResultPolicy,
  PolicyBody,
  ResultRule,
  Filter,
  BusinessResultRule,
} from '../../src/domain/task-config.ts';

export type Role = 'system_admin' | 'tenant_admin' | 'ou_operator' | 'viewer';
export type TaskState = 'draft' | 'running' | 'suspended' | 'completed' | 'expired';

export interface Me {
  keyId: string;
  role: Role;
  tenantId: string | null;
  ouId: string | null;
}

export interface Tenant {
  id: string;
  name: string;
  settings: TenantSettings;
}

export interface Task {
  id: string;
  name: string;
  state: TaskState;
  ouId: string | null;
  type: string;
  priority: number;
  createdAt: string;
  updatedAt: string;
  stateChangedAt: string;
  config: TaskConfig;
}

export interface Progress {
  taskId: string;
  state: TaskState;
  total: number;
  byState: Record<string, number>;
  finalResults: Record<string, number>;
  attempts: { total: number; active: number; byResult: Record<string, number> };
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  channels: { tenant: number; inUse: number };
  at: string;
}

export interface Attempt {
  id: number;
  sessionId: string;
  number: string;
  numberIndex: number;
  attemptNo: number;
  callerNo: string | null;
  state: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  result: string | null;
  code: string | null;
  digits: string | null;
  /** Where to fetch the call's WAV (with the key) and its length; null when not recorded. */
  recording?: { url: string; durationSec: number } | null;
  /** Questionnaire answers, the IVR's and an agent's. */
  answers?: { questionId: string; label: string; answer: string; answerLabel?: string }[];
  /** A speech robot's turns: what the customer said and the intent it matched. */
  speech?: {
    intent: string | null;
    turns: { step: string; outcome: string; transcript: string; intent: string | null }[];
  } | null;
}

export interface Contact {
  sessionId: string;
  priority: number;
  customField: string | null;
  callData: Record<string, unknown> | null;
  attributes: Record<string, unknown>;
  numbers: { number: string; type?: string; sequence?: number; delaySec?: number }[];
  state: string;
  createdAt: string;
  updatedAt: string;
}

/** One customer's result (…/results); the console falls back to …/contacts without it. */
export interface CustomerResult {
  sessionId: string;
  state: string;
  finalResult?: string | null;
  finalCode?: string | null;
  attempts?: number;
  lastAttemptAt?: string | null;
  numbers: string[];
  businessResult?: string | null;
  businessSubResult?: string | null;
  customField: string | null;
}

export interface ImportReport {
  received: number;
  inserted: number;
  updated: number;
  rejected: number;
  errors: { row: number; sessionId: string | null; path: string; message: string }[];
  errorsTruncated: boolean;
  warnings: { row: number; sessionId: string; number: string | null; message: string }[];
  warningsTruncated: boolean;
}

export interface Explanation {
  sessionId: string;
  callableNow: boolean;
  reason: string;
  detail: string;
  until?: string | null;
  rule?: Record<string, unknown>;
}

/** A callback or SMS in the task's delivery log. */
export interface Delivery {
  id: number;
  kind: 'callback' | 'sms';
  event: string;
  attemptId: number | null;
  sessionId: string | null;
  target: string;
  state: 'pending' | 'delivered' | 'failed';
  tries: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  nextAt: string;
}

export interface ExportJob {
  id: string;
  taskId: string;
  format: 'csv' | 'xlsx';
  state: 'queued' | 'running' | 'done' | 'failed' | 'expired';
  masked: boolean;
  requestedBy: string;
  rows: number | null;
  bytes: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  expiresAt?: string | null;
  downloadUrl: string | null;
}

export interface Template {
  id: string;
  name: string;
  ouId: string | null;
  config: Partial<TaskConfig>;
  createdAt: string;
}

/** Any resource document (product.md Appendix C): an id, an OU, the rest of its kind. */
export interface Resource {
  id: string;
  ouId?: string | null;
  name?: string;
  [k: string]: unknown;
}
