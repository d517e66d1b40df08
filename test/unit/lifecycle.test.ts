import { describe, expect, it } from 'vitest';
import { transition, type TaskAction, type TaskState } from '../../src/domain/lifecycle.ts';

const ctx = { now: new Date('2026-11-25T00:00:00Z'), end: new Date('2026-12-31T00:00:00Z') };

describe('task lifecycle', () => {
  const allowed: [TaskState, TaskAction, TaskState][] = [
    ['draft', 'start', 'running'],
    ['suspended', 'start', 'running'],
    ['running', 'suspend', 'suspended'],
    ['completed', 'suspend', 'suspended'],
    ['running', 'complete', 'completed'],
    ['completed', 'resume', 'running'],
    ['running', 'expire', 'expired'],
    ['draft', 'edit', 'draft'],
    ['suspended', 'edit', 'suspended'],
    ['draft', 'delete', 'draft'],
    ['completed', 'delete', 'completed'],
    ['expired', 'delete', 'expired'],
  ];
  it.each(allowed)('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action, ctx)).toEqual({ ok: true, to });
  });

  const denied: [TaskState, TaskAction][] = [
    ['running', 'start'],
    ['completed', 'start'],
    ['expired', 'start'],
    ['draft', 'suspend'],
    ['suspended', 'suspend'],
    ['running', 'edit'],
    ['completed', 'edit'],
    ['running', 'delete'],
    ['draft', 'complete'],
  ];
  it.each(denied)('refuses %s --%s', (from, action) => {
    const r = transition(from, action, ctx);
    expect(r.ok).toBe(false);
  });

  it('refuses to start a task whose end has passed', () => {
    const r = transition('draft', 'start', { now: new Date('2027-01-01T00:00:00Z'), end: ctx.end });
    expect(r).toEqual({ ok: false, reason: 'the task end time has passed' });
  });
});
