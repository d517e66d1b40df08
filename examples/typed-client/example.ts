/**
 * Lists a tenant's tasks, imports contacts into the first one and reads its results, with every
 * request and response typed from the OpenAPI document.
 * Run: OUTBOUND_URL=http://localhost:8080 OUTBOUND_KEY=obk_… npx tsx example.ts acme
 */
import { outbound } from './client.ts';

const call = outbound(
  process.env.OUTBOUND_URL ?? 'http://localhost:8080',
  process.env.OUTBOUND_KEY!,
);
const tenantId = process.argv[2] ?? 'acme';

const tasks = await call('get', '/api/v1/tenants/{tenantId}/tasks', 'getTasks', {
  params: { tenantId },
  query: { limit: 10 },
});
for (const t of tasks.items) console.log(`${t.id}  ${t.state.padEnd(10)} ${t.name}`);
const task = tasks.items[0];
if (!task) throw new Error(`tenant '${tenantId}' has no task`);

const report = await call(
  'post',
  '/api/v1/tenants/{tenantId}/tasks/{taskId}/contacts',
  'postTaskContacts',
  {
    params: { tenantId, taskId: task.id },
    body: {
      contacts: [
        {
          sessionId: 'C-1001',
          numbers: [{ number: '+8613800000001', type: 'mobile' }],
          attributes: { vip: 2 }, // values by attribute code, as the tenant defines them
        },
        { sessionId: 'C-1002', priority: 1, numbers: [{ number: '+8613800000002' }] },
      ],
    },
  },
);
console.log(
  `imported: ${report.inserted} new, ${report.updated} updated, ${report.rejected} rejected`,
);
for (const e of report.errors)
  console.log(`  row ${e.row} (${e.sessionId ?? '-'}) ${e.path}: ${e.message}`);

const results = await call(
  'get',
  '/api/v1/tenants/{tenantId}/tasks/{taskId}/results',
  'getTaskResults',
  {
    params: { tenantId, taskId: task.id },
    query: { state: 'finished' },
  },
);
for (const r of results.items)
  console.log(`${r.sessionId}: ${r.finalResult ?? '-'} after ${r.attempts} attempt(s)`);
