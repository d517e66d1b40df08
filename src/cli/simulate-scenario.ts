import fs from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RESOURCE_KIND_NAMES } from '../domain/resources.ts';
import { schemaErrors } from '../domain/schema-errors.ts';
import type { FieldError } from '../platform/errors.ts';
import { NetworkRules } from '../telephony/sim/network.ts';

/**
 * The `simulate` scenario file (docs/simulate.md). Other tools generate it, so it is a contract:
 * fields are added, never renamed. Only the scenario's own shape is checked here; the tenant
 * settings, resources, tasks and contacts are checked by the API itself when the world is built,
 * so they mean exactly what they mean there.
 */
const DateTime = Type.String({ format: 'date-time', description: 'ISO 8601 with an offset' });
/** A resource document (product.md Appendix C); its fields are checked by the API. */
const Resource = Type.Record(Type.String(), Type.Unknown());

const worldFields = Object.fromEntries(
  RESOURCE_KIND_NAMES.filter((k) => k !== 'numberTypes').map((k) => [
    k,
    Type.Optional(Type.Array(Resource)),
  ]),
);

export const ScenarioWorld = Type.Object(
  {
    tenant: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    ...worldFields,
    numberTypes: Type.Optional(
      Type.Array(Type.Union([Type.String({ minLength: 1 }), Resource]), {
        description: 'type ids, or number type documents',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ScenarioTask = Type.Object(
  {
    contacts: Type.Optional(Type.Array(Type.Unknown())),
    contactsFile: Type.Optional(
      Type.String({ minLength: 1, description: 'a CSV file, relative to the scenario file' }),
    ),
  },
  { additionalProperties: true, description: 'a task configuration (product.md Appendix A)' },
);

export const Scenario = Type.Object(
  {
    from: DateTime,
    until: DateTime,
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: 1 }),
    world: ScenarioWorld,
    tasks: Type.Array(ScenarioTask, { minItems: 1 }),
    network: Type.Optional(NetworkRules),
  },
  { additionalProperties: false },
);
export type Scenario = Static<typeof Scenario>;
export type ScenarioTask = Static<typeof ScenarioTask>;

/** A simulation longer than this is almost certainly a mistake in `from`/`until`. */
export const MAX_SPAN_DAYS = 400;

/**
 * A scenario as read, with the errors of its own shape. `scenario` is set when the world and the
 * tasks can still be built (to find their errors too): `from` is a date-time, `world` an object and
 * `tasks` an array. `skip` holds the paths of parts too malformed to hand to the API.
 */
export interface ReadScenario {
  scenario: Scenario | undefined;
  errors: FieldError[];
  skip: Set<string>;
}

/** Reads and checks a scenario file's own shape; every error at once, with its path. */
export function readScenario(file: string): ReadScenario {
  const fail = (m: string): ReadScenario => ({
    scenario: undefined,
    errors: [{ path: '/', message: m }],
    skip: new Set(),
  });
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return fail(`cannot read ${file}: ${message(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON: ${message(e)}`);
  }
  return checkScenario(raw, path.dirname(path.resolve(file)));
}

/** Checks a parsed scenario; `baseDir` resolves `contactsFile`. */
export function checkScenario(raw: unknown, baseDir: string): ReadScenario {
  const doc = Value.Default(Scenario, structuredClone(raw));
  const errors = schemaErrors(Scenario, doc);
  const s = (doc !== null && typeof doc === 'object' ? doc : {}) as Partial<Scenario>;
  const from = typeof s.from === 'string' ? Date.parse(s.from) : NaN;
  const until = typeof s.until === 'string' ? Date.parse(s.until) : NaN;
  if (!Number.isNaN(from) && !Number.isNaN(until)) {
    if (until <= from) errors.push({ path: '/until', message: 'must be after from' });
    else if (until - from > MAX_SPAN_DAYS * 86_400_000)
      errors.push({ path: '/until', message: `must be at most ${MAX_SPAN_DAYS} days after from` });
  }
  const rules = s.network?.rules;
  if (Array.isArray(rules)) {
    rules.forEach((r, i) => {
      if (typeof r?.match !== 'string') return;
      try {
        new RegExp(r.match);
      } catch (e) {
        errors.push({
          path: `/network/rules/${i}/match`,
          message: `not a regular expression: ${message(e)}`,
        });
      }
      if (r.outcomes === undefined && r.sequence === undefined)
        errors.push({ path: `/network/rules/${i}`, message: 'needs outcomes or sequence' });
    });
  }
  if (Array.isArray(s.tasks)) {
    s.tasks.forEach((t, i) => {
      if (t === null || typeof t !== 'object') return;
      if (t.contacts !== undefined && t.contactsFile !== undefined)
        errors.push({
          path: `/tasks/${i}/contactsFile`,
          message: 'give contacts or contactsFile, not both',
        });
      if (typeof t.contactsFile === 'string') {
        const file = path.resolve(baseDir, t.contactsFile);
        if (!fs.existsSync(file) || !fs.statSync(file).isFile())
          errors.push({ path: `/tasks/${i}/contactsFile`, message: `no such file: ${file}` });
      }
    });
  }
  const buildable =
    !Number.isNaN(from) &&
    s.world !== null &&
    typeof s.world === 'object' &&
    !Array.isArray(s.world) &&
    Array.isArray(s.tasks);
  return {
    scenario: buildable ? (doc as Scenario) : undefined,
    errors,
    skip: new Set(errors.map((e) => e.path)),
  };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
