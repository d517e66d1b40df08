import { Type, type Static } from '@sinclair/typebox';
import { schemaErrors } from '../domain/schema-errors.ts';
import type { FieldError } from '../platform/errors.ts';
import { Prompt } from './prompt.ts';
import { dialoguePrompts, validateDialogue, type Dialogue } from './dialogue.ts';

/**
 * The IVR flow document (a flow resource's `document`): a list of nodes run from `start` (or the
 * first node), each naming the node that follows. `{}` is the empty flow: hold the call for the
 * callee's talk time, then hang up. Text in prompts and transfer targets may use `${name}` for a
 * flow variable (variables start as the call's associated data, strings only).
 */
const NodeId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
const VarName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
const Next = Type.Optional(NodeId);
const Digits = Type.String({ pattern: '^[0-9*#]*$', maxLength: 32 });

export { Prompt } from './prompt.ts';

const Base = { id: NodeId, label: Type.Optional(Type.String({ maxLength: 200 })) };

export const PlayNode = Type.Object(
  {
    ...Base,
    type: Type.Literal('play'),
    prompt: Prompt,
    bargeIn: Type.Optional(Type.Boolean()),
    next: Next,
  },
  { additionalProperties: false },
);
export const CollectNode = Type.Object(
  {
    ...Base,
    type: Type.Literal('collect'),
    prompt: Type.Optional(Prompt),
    max: Type.Integer({ minimum: 1, maximum: 32 }),
    timeoutSec: Type.Optional(Type.Number({ minimum: 0.5, maximum: 120 })),
    interDigitSec: Type.Optional(Type.Number({ minimum: 0.5, maximum: 60 })),
    terminator: Type.Optional(Type.Union([Type.Literal('#'), Type.Literal('*')])),
    variable: Type.Optional(VarName),
    next: Next,
  },
  { additionalProperties: false },
);
export const Question = Type.Object(
  {
    id: NodeId,
    label: Type.Optional(
      Type.String({ maxLength: 1000, description: 'how results name the question' }),
    ),
    prompt: Prompt,
    answers: Type.Optional(Type.Array(Digits, { minItems: 1, maxItems: 12 })),
    answerLabels: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 200 }), {
        description: 'what each allowed answer means, by its keys',
      }),
    ),
    timeoutSec: Type.Optional(Type.Number({ minimum: 0.5, maximum: 120 })),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
  },
  { additionalProperties: false },
);
export const QuestionnaireNode = Type.Object(
  {
    ...Base,
    type: Type.Literal('questionnaire'),
    questionnaireId: Type.Optional(Type.String({ maxLength: 64 })),
    questions: Type.Optional(Type.Array(Question, { minItems: 1, maxItems: 50 })),
    next: Next,
  },
  {
    additionalProperties: false,
    description:
      "asks the task's questionnaire here (or `questions`, when the task has none or names another)",
  },
);
export const AssignNode = Type.Object(
  {
    ...Base,
    type: Type.Literal('assign'),
    variable: VarName,
    value: Type.Optional(Type.String({ maxLength: 1000 })),
    fromCallData: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'a dotted path into the call data',
      }),
    ),
    next: Next,
  },
  { additionalProperties: false },
);
export const BranchCase = Type.Object(
  {
    equals: Type.Optional(Type.String({ maxLength: 1000 })),
    in: Type.Optional(Type.Array(Type.String({ maxLength: 1000 }), { minItems: 1 })),
    matches: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    next: NodeId,
  },
  { additionalProperties: false },
);
export const BranchNode = Type.Object(
  {
    ...Base,
    type: Type.Literal('branch'),
    variable: VarName,
    cases: Type.Array(BranchCase, { minItems: 1, maxItems: 50 }),
    default: Next,
  },
  { additionalProperties: false },
);
export const TransferTarget = Type.Union([
  Type.Object(
    { skillQueue: Type.String({ minLength: 1, maxLength: 200 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { number: Type.String({ minLength: 1, maxLength: 200 }) },
    { additionalProperties: false },
  ),
]);
export type TransferTarget = Static<typeof TransferTarget>;
export const TransferNode = Type.Object(
  { ...Base, type: Type.Literal('transfer'), target: TransferTarget, next: Next },
  { additionalProperties: false, description: '`next` runs when the transfer fails' },
);
export const HangupNode = Type.Object(
  { ...Base, type: Type.Literal('hangup'), prompt: Type.Optional(Prompt) },
  { additionalProperties: false },
);
export const RobotNode = Type.Object(
  {
    ...Base,
    type: Type.Literal('robot'),
    endpoint: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://' }),
    timeoutSec: Type.Optional(Type.Number({ minimum: 0.1, maximum: 30 })),
    maxTurns: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    trustlist: Type.Optional(
      Type.Array(Type.String({ maxLength: 2048 }), {
        maxItems: 1000,
        description: "set by the engine from the tenant's callbackTrustlist; never saved",
      }),
    ),
    next: Next,
  },
  { additionalProperties: false },
);

export const SpeechNode = Type.Object(
  {
    ...Base,
    type: Type.Literal('speech'),
    dialogue: Type.Record(Type.String(), Type.Unknown(), {
      description: 'a speech robot dialogue (docs/robots.md), checked on its own',
    }),
    skillQueue: Type.Optional(
      Type.String({ maxLength: 200, description: "the task's skill queue, set by the engine" }),
    ),
    next: Next,
  },
  { additionalProperties: false },
);

export const FlowNode = Type.Union([
  PlayNode,
  CollectNode,
  QuestionnaireNode,
  AssignNode,
  BranchNode,
  TransferNode,
  HangupNode,
  RobotNode,
  SpeechNode,
]);
export type FlowNode = Static<typeof FlowNode>;

/**
 * Where the console's flow designer draws each node (by node id, canvas pixels). The engine never
 * reads it; entries for ids the document no longer has are ignored. A document without a layout
 * (written through the API) is laid out automatically when the designer opens it.
 */
const Coordinate = Type.Number({ minimum: -1_000_000, maximum: 1_000_000 });
export const FlowLayout = Type.Record(
  Type.String(),
  Type.Object({ x: Coordinate, y: Coordinate }, { additionalProperties: false }),
  { maxProperties: 1000, description: "the designer's node positions by node id; not run" },
);
export type FlowLayout = Static<typeof FlowLayout>;

export const FlowDocument = Type.Object(
  {
    version: Type.Optional(Type.Literal(1)),
    start: Type.Optional(NodeId),
    record: Type.Optional(Type.Boolean({ description: 'record the received audio (sip adapter)' })),
    maxDurationSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 7200 })),
    nodes: Type.Array(FlowNode, { minItems: 1, maxItems: 500 }),
    layout: Type.Optional(FlowLayout),
  },
  { additionalProperties: false },
);
export type FlowDocument = Static<typeof FlowDocument>;

export const NODE_TYPES = [
  'play',
  'collect',
  'questionnaire',
  'assign',
  'branch',
  'transfer',
  'hangup',
  'robot',
  'speech',
] as const;

/** True for `{}`: the flow that only holds the call. */
export function isEmptyFlow(doc: Record<string, unknown> | undefined): boolean {
  return !doc || Object.keys(doc).length === 0;
}

/**
 * Every problem of a flow document, as field errors with JSON pointers into it: structure first
 * (per node, against its own type so messages are specific), then links (targets exist, ids unique,
 * patterns compile). Empty `{}` is valid.
 */
export function validateFlowDocument(doc: unknown): FieldError[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return [{ path: '/', message: 'must be an object' }];
  const d = doc as Record<string, unknown>;
  if (Object.keys(d).length === 0) return [];
  const errors: FieldError[] = [];
  const { nodes, ...top } = d;
  errors.push(...schemaErrors(Type.Omit(FlowDocument, ['nodes']), top));
  if (!Array.isArray(nodes)) {
    errors.push({
      path: '/nodes',
      message: nodes === undefined ? 'is required' : 'must be an array',
    });
    return errors;
  }
  if (nodes.length === 0) errors.push({ path: '/nodes', message: 'must have at least 1 item' });
  if (nodes.length > 500) errors.push({ path: '/nodes', message: 'must have at most 500 items' });
  const ids = new Map<string, number>();
  nodes.forEach((n, i) => {
    const id = (n as { id?: unknown } | null)?.id;
    if (typeof id === 'string') {
      if (ids.has(id))
        errors.push({
          path: `/nodes/${i}/id`,
          message: `'${id}' is already the id of node ${ids.get(id)}`,
        });
      else ids.set(id, i);
    }
  });
  nodes.forEach((n, i) => errors.push(...nodeErrors(n, `/nodes/${i}`, ids)));
  if (typeof d.start === 'string' && !ids.has(d.start))
    errors.push({ path: '/start', message: `no node has id '${d.start}'` });
  return errors;
}

function nodeErrors(n: unknown, at: string, ids: Map<string, number>): FieldError[] {
  const type = (n as { type?: unknown } | null)?.type;
  const schema = FlowNode.anyOf.find((s) => s.properties.type.const === type);
  if (!schema)
    return [
      {
        path: `${at}/type`,
        message: `must be one of ${NODE_TYPES.map((t) => `"${t}"`).join(', ')}`,
      },
    ];
  const errors = schemaErrors(schema, n, at);
  if (errors.length) return errors;
  const node = n as FlowNode;
  const link = (field: string, target: string | undefined) => {
    if (target !== undefined && !ids.has(target))
      errors.push({ path: `${at}/${field}`, message: `no node has id '${target}'` });
  };
  if ('next' in node) link('next', node.next);
  if (node.type === 'branch') {
    link('default', node.default);
    node.cases.forEach((c, j) => {
      link(`cases/${j}/next`, c.next);
      const tests = [c.equals, c.in, c.matches].filter((x) => x !== undefined).length;
      if (tests !== 1)
        errors.push({
          path: `${at}/cases/${j}`,
          message: 'needs exactly one of equals, in, matches',
        });
      if (c.matches !== undefined) {
        try {
          new RegExp(c.matches);
        } catch {
          errors.push({
            path: `${at}/cases/${j}/matches`,
            message: 'is not a valid regular expression',
          });
        }
      }
    });
  }
  if (node.type === 'speech')
    for (const e of validateDialogue(node.dialogue))
      errors.push({ path: `${at}/dialogue${e.path === '/' ? '' : e.path}`, message: e.message });
  if (node.type === 'assign' && (node.value === undefined) === (node.fromCallData === undefined)) {
    errors.push({ path: at, message: 'needs exactly one of value, fromCallData' });
  }
  if (node.type === 'collect' && node.terminator && node.max === 1) {
    errors.push({
      path: `${at}/terminator`,
      message: 'makes no sense with max 1 (the first key ends the input)',
    });
  }
  if (node.type === 'questionnaire') {
    const seen = new Set<string>();
    (node.questions ?? []).forEach((q, j) => {
      if (seen.has(q.id))
        errors.push({ path: `${at}/questions/${j}/id`, message: `'${q.id}' is asked twice` });
      seen.add(q.id);
    });
  }
  return errors;
}

/**
 * Every prompt of a document (a flow, or a speech robot's dialogue) with its JSON pointer, for
 * publish-time conversion and caching.
 */
export function promptsOf(doc: FlowDocument | Dialogue): { path: string; prompt: Prompt }[] {
  if ('steps' in doc) return dialoguePrompts(doc);
  const out: { path: string; prompt: Prompt }[] = [];
  doc.nodes.forEach((n, i) => {
    if (n.type === 'speech')
      for (const p of dialoguePrompts(n.dialogue as unknown as Dialogue))
        out.push({ path: `/nodes/${i}/dialogue${p.path}`, prompt: p.prompt });
    if ((n.type === 'play' || n.type === 'collect' || n.type === 'hangup') && n.prompt)
      out.push({ path: `/nodes/${i}/prompt`, prompt: n.prompt });
    if (n.type === 'questionnaire')
      (n.questions ?? []).forEach((q, j) =>
        out.push({ path: `/nodes/${i}/questions/${j}/prompt`, prompt: q.prompt }),
      );
  });
  return out;
}

export type ParsedFlow =
  | { kind: 'empty' }
  | { kind: 'flow'; doc: FlowDocument }
  | { kind: 'invalid'; errors: FieldError[]; reason?: string };
const parsed = new WeakMap<object, ParsedFlow>();

/**
 * A flow document as an adapter runs it. Published flows were validated already; this checks again
 * (once per document object: the engine hands the same object to every call of a task) so a bad
 * document ends the call cleanly instead of failing mid-flow.
 */
export function parseFlow(doc: Record<string, unknown> | undefined): ParsedFlow {
  if (isEmptyFlow(doc)) return { kind: 'empty' };
  const hit = parsed.get(doc!);
  if (hit) return hit;
  const reason = (doc as { [UNRUNNABLE]?: unknown })[UNRUNNABLE];
  if (typeof reason === 'string') {
    const p: ParsedFlow = { kind: 'invalid', errors: [{ path: '/', message: reason }], reason };
    parsed.set(doc!, p);
    return p;
  }
  const errors = validateFlowDocument(doc);
  const p: ParsedFlow = errors.length
    ? { kind: 'invalid', errors }
    : { kind: 'flow', doc: doc as unknown as FlowDocument };
  parsed.set(doc!, p);
  return p;
}

/** The key of a document that stands for content that cannot run (see `unrunnableFlow`). */
export const UNRUNNABLE = '$unrunnable';

/**
 * What a task runs when its content is missing (a robot without an endpoint, a flow that is gone):
 * every answered call ends at once as `system_error` with `reason` in its detail, instead of
 * silently holding the line.
 */
export function unrunnableFlow(reason: string): Record<string, unknown> {
  return { [UNRUNNABLE]: reason };
}
