/**
 * Every reason "why is this customer not being called right now?" may give
 * (src/api/tasks/explain.ts), in one place for the API, its schema and the console's words.
 */
export const EXPLAIN_REASONS = [
  'finished',
  'task_not_running',
  'task_not_started',
  'task_ended',
  'filtered_out',
  'preparing',
  'dialing',
  'waiting_retry',
  'outside_window',
  'outside_local_hours',
  'number_cap',
  'no_agents',
  'blocked_number',
  'lower_priority_waiting',
  'no_channel',
  'queued',
] as const;

export type ExplainReason = (typeof EXPLAIN_REASONS)[number];
