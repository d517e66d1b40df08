import type { ColumnType, Generated } from 'kysely';
import type { PacingState } from '../domain/pacing.ts';

/** Row types of every table, in snake_case as in SQL; mapped to camelCase by the store functions. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface TenantsTable {
  id: string;
  name: string;
  settings: Json<Record<string, unknown>>;
  callback_secret: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string | null;
  role: string;
  ou_id: string | null;
  name: string;
  secret_hash: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface ResourcesTable {
  tenant_id: string;
  kind: string;
  id: string;
  ou_id: string | null;
  doc: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BlocklistEntriesTable {
  tenant_id: string;
  blocklist_id: string;
  number: string;
  expires_at: Timestamp | null;
  restrict_times: number | null;
  restrict_period: string | null;
}

export interface TasksTable {
  tenant_id: string;
  id: string;
  name: string;
  ou_id: string | null;
  type: string;
  state: string;
  priority: number;
  config: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
  state_changed_at: Timestamp;
  starts_at: Timestamp;
  ends_at: Timestamp;
  /** Bumped whenever customers may need preparing (import, edit of order or filter). */
  prepare_gen: Generated<number>;
  /** The generation the engine last finished preparing. */
  prepared_gen: Generated<number>;
}

export interface TaskEventsTable {
  id: Generated<number>;
  tenant_id: string;
  task_id: string;
  at: Timestamp;
  actor: string;
  action: string;
  from_state: string | null;
  to_state: string | null;
  detail: Json<Record<string, unknown>> | null;
}

export interface TemplatesTable {
  tenant_id: string;
  id: string;
  name: string;
  ou_id: string | null;
  config: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ContactsTable {
  id: Generated<number>;
  tenant_id: string;
  task_id: string;
  session_id: string;
  priority: number;
  custom_field: string | null;
  call_data: Json<unknown> | null;
  attributes: Json<Record<string, unknown>>;
  numbers: Json<unknown[]>;
  state: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  due_at: Timestamp | null;
  order_key: string | null;
  next_number: number | null;
  attempts: Generated<number>;
  history: ColumnType<unknown[], string | undefined, string>;
  final_result: string | null;
  finish_reason: string | null;
  finished_at: Timestamp | null;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  business_result: Json<Record<string, unknown>> | null;
  /** Why a `waiting` contact waits other than for a retry (store/compliance.ts ContactHold). */
  hold: Json<Record<string, unknown>> | null;
}

export interface NumberCapLocksTable {
  tenant_id: string;
  number: string;
}

export interface AttemptsTable {
  id: Generated<number>;
  tenant_id: string;
  task_id: string;
  contact_id: number;
  session_id: string;
  number: string;
  number_index: number;
  attempt_no: number;
  caller_no: string | null;
  /** `active` while the call holds a channel, then `ended`. */
  state: string;
  engine_id: string | null;
  /**
   * The lease the call was claimed with; while active it is leased as long as its engine's row in
   * `engine_leases` (renewed by the heartbeat), whichever is later.
   */
  lease_expires_at: Timestamp | null;
  started_at: Timestamp;
  answered_at: Timestamp | null;
  ended_at: Timestamp | null;
  result: string | null;
  code: string | null;
  digits: string | null;
  detail: Json<Record<string, unknown>> | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  tenant_id: string | null;
  at: Timestamp;
  actor: string;
  action: string;
  subject: string;
  detail: Json<Record<string, unknown>> | null;
}

export interface OutboxTable {
  id: Generated<number>;
  tenant_id: string;
  task_id: string;
  /** `callback` | `sms` */
  kind: string;
  /** callbacks: `connect` | `release`; sms: `failed_customer` */
  event: string;
  attempt_id: number | null;
  contact_id: number | null;
  idempotency_key: string;
  /** URL of a callback, number of an SMS. */
  target: string;
  payload: Json<Record<string, unknown>>;
  state: Generated<string>;
  tries: Generated<number>;
  next_at: Timestamp;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
}

export interface ExportsTable {
  tenant_id: string;
  task_id: string;
  id: string;
  /** `csv` | `xlsx` */
  format: string;
  filter: Json<Record<string, unknown>>;
  /** `queued` → `running` → `done` | `failed` */
  state: Generated<string>;
  requested_by: string;
  masked: boolean;
  row_count: number | null;
  file_path: string | null;
  bytes: number | null;
  error: string | null;
  tries: Generated<number>;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  expires_at: Timestamp | null;
}

export interface ForecastsTable {
  tenant_id: string;
  task_id: string;
  id: string;
  /** `queued` → `running` → `done` | `failed` */
  state: string;
  request: Json<Record<string, unknown>>;
  report: Json<Record<string, unknown>> | null;
  error: string | null;
  requested_by: string;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  expires_at: Timestamp;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  resources: ResourcesTable;
  blocklist_entries: BlocklistEntriesTable;
  tasks: TasksTable;
  task_events: TaskEventsTable;
  templates: TemplatesTable;
  contacts: ContactsTable;
  attempts: AttemptsTable;
  outbox: OutboxTable;
  audit_log: AuditLogTable;
  exports: ExportsTable;
  number_cap_locks: NumberCapLocksTable;
  forecasts: ForecastsTable;
  skill_queue_states: SkillQueueStatesTable;
  engine_leases: EngineLeasesTable;
  task_pacing: TaskPacingTable;
}

/** A task's pacing quota (domain/pacing.ts PacingState), shared by every engine, and next tick. */
export interface TaskPacingTable {
  tenant_id: string;
  task_id: string;
  pacing: Json<PacingState> | null;
  next_tick_at: Timestamp | null;
}

/** One row per engine: its calls in progress stay its own until `expires_at` (the heartbeat). */
export interface EngineLeasesTable {
  engine_id: string;
  expires_at: Timestamp;
}

export interface SkillQueueStatesTable {
  tenant_id: string;
  queue_id: string;
  logged_in: number;
  ready: number;
  busy: number;
  waiting: number;
  avg_handle_sec: number;
  reported_at: Date;
}
