import { describe, expect, it } from 'vitest';
import { validateFlowDocument } from '../../src/ivr/flow.ts';
import {
  START,
  flowToGraph,
  graphToFlow,
  isStep,
  makeEdge,
  pruneEdges,
  type FlowGraph,
} from '../../web/src/flow/graph.ts';
import { placeErrors } from '../../web/src/flow/node-errors.ts';

/** The designer's flow ⇄ graph conversion: what is drawn is what the engine runs. */
const MENU = {
  record: true,
  maxDurationSec: 600,
  nodes: [
    { id: 'welcome', type: 'play', prompt: { text: 'Hello ${name}', voice: 'en' }, next: 'menu' },
    {
      id: 'menu',
      type: 'collect',
      label: 'Main menu',
      prompt: { file: 'menu.wav' },
      max: 4,
      terminator: '#',
      variable: 'choice',
      next: 'route',
    },
    {
      id: 'route',
      type: 'branch',
      variable: 'choice',
      cases: [
        { equals: '1', next: 'to-sales' },
        { in: ['2', '3'], next: 'survey' },
        { matches: '^9', next: 'set' },
      ],
      default: 'bye',
    },
    { id: 'to-sales', type: 'transfer', target: { skillQueue: 'sales' }, next: 'bye' },
    { id: 'survey', type: 'questionnaire', questionnaireId: 'q-sat', next: 'bye' },
    { id: 'set', type: 'assign', variable: 'vip', fromCallData: 'customer.tier', next: 'robot' },
    { id: 'robot', type: 'robot', endpoint: 'https://crm.example.com/bot', maxTurns: 5 },
    { id: 'bye', type: 'hangup', prompt: { text: 'Goodbye' } },
  ],
};

const ids = (doc: Record<string, unknown>) =>
  (doc.nodes as { id: string }[]).map((n) => n.id).concat(START);

describe('flow ⇄ graph', () => {
  it('gives the flow back, every node, link and field, with the layout as drawn', () => {
    expect(validateFlowDocument(MENU)).toEqual([]);
    const g = flowToGraph(MENU);
    // One Start node and one node per step; an edge per link, plus Start → first step.
    expect(g.nodes.filter(isStep).map((n) => n.id)).toEqual(MENU.nodes.map((n) => n.id));
    expect(g.edges).toHaveLength(10);
    expect(g.edges).toContainEqual(makeEdge('route', 'case-1', 'survey'));
    expect(g.edges).toContainEqual(makeEdge('route', 'default', 'bye'));
    expect(g.edges).toContainEqual(makeEdge(START, 'next', 'welcome'));
    const back = graphToFlow(g);
    const { layout, ...flow } = back;
    expect(flow).toEqual(MENU);
    expect(Object.keys(layout as object).sort()).toEqual(ids(MENU).sort());
    expect(validateFlowDocument(back)).toEqual([]);
    // And again: a document with a layout comes back exactly.
    expect(graphToFlow(flowToGraph(back))).toEqual(back);
  });

  it('lays out a flow written without positions so that it reads top to bottom', () => {
    const g = flowToGraph(MENU);
    const at = new Map(g.nodes.map((n) => [n.id, n.position]));
    // Each link goes downwards (no loops here), so the call reads from the top.
    for (const e of g.edges) expect(at.get(e.target)!.y).toBeGreaterThan(at.get(e.source)!.y);
    // No two nodes share a place.
    const places = new Set(g.nodes.map((n) => `${n.position.x},${n.position.y}`));
    expect(places.size).toBe(g.nodes.length);
  });

  it('keeps saved positions and a start that names another node', () => {
    const doc = {
      start: 'b',
      nodes: [
        { id: 'a', type: 'hangup' },
        { id: 'b', type: 'play', prompt: { text: 'hi' }, next: 'a' },
      ],
      layout: { a: { x: 10, y: 300 }, b: { x: 10, y: 100 }, [START]: { x: 10, y: 0 } },
    };
    const g = flowToGraph(doc);
    expect(g.nodes.find((n) => n.id === 'a')!.position).toEqual({ x: 10, y: 300 });
    expect(graphToFlow(g)).toEqual(doc);
    // A start naming the first node is kept when the document said so, not added otherwise.
    const explicit = { start: 'a', nodes: doc.nodes, layout: doc.layout };
    expect(graphToFlow(flowToGraph(explicit))).toEqual(explicit);
    const implicit = { nodes: [doc.nodes[0]] };
    expect(graphToFlow(flowToGraph(implicit)).start).toBeUndefined();
  });

  it('is the empty flow when nothing is drawn', () => {
    const g = flowToGraph({});
    expect(g.nodes.map((n) => n.type)).toEqual(['start']);
    expect(g.edges).toEqual([]);
    expect(graphToFlow(g)).toEqual({});
  });

  it('turns drawing into links: a new edge is a next, a removed case drops its edge', () => {
    const g = flowToGraph(MENU);
    const edges = g.edges.filter((e) => !(e.source === 'robot'));
    edges.push(makeEdge('robot', 'next', 'bye'));
    const route = g.nodes.find((n) => n.id === 'route')!;
    const step = isStep(route) ? route.data.step : undefined;
    const cases = (step!.cases as unknown[]).slice(0, 2);
    const nodes = g.nodes.map((n) =>
      n.id === 'route' && isStep(n) ? { ...n, data: { step: { ...n.data.step, cases } } } : n,
    );
    const edited: FlowGraph = { ...g, nodes, edges: pruneEdges(nodes, edges) };
    const doc = graphToFlow(edited) as typeof MENU;
    expect(doc.nodes.find((n) => n.id === 'robot')).toMatchObject({ next: 'bye' });
    expect(doc.nodes.find((n) => n.id === 'route')).toMatchObject({
      cases: [
        { equals: '1', next: 'to-sales' },
        { in: ['2', '3'], next: 'survey' },
      ],
    });
    expect(edited.edges.some((e) => e.sourceHandle === 'case-2')).toBe(false);
  });

  it('puts each validation error on the node it is about', () => {
    const g = flowToGraph(MENU);
    // A case left unconnected and an empty prompt: the domain's errors, placed on their nodes.
    const edges = g.edges.filter((e) => e.id !== 'route:case-0');
    const nodes = g.nodes.map((n) =>
      n.id === 'welcome' && isStep(n)
        ? { ...n, data: { step: { ...n.data.step, prompt: { text: '' } } } }
        : n,
    );
    const errors = validateFlowDocument(graphToFlow({ ...g, nodes, edges }));
    const placed = placeErrors(errors, nodes);
    expect(placed.byNode.get('route')).toEqual([{ field: 'cases/0/next', message: 'is required' }]);
    expect(placed.byNode.get('welcome')?.[0]?.field).toBe('prompt');
    // The API's paths are under /document; others stay with the flow.
    const api = placeErrors(
      [
        { path: '/document/nodes/6/endpoint', message: 'refused' },
        { path: '/document/start', message: "no node has id 'x'" },
        { path: '/name', message: 'too long' },
      ],
      nodes,
    );
    expect(api.byNode.get('robot')).toEqual([{ field: 'endpoint', message: 'refused' }]);
    expect(api.byNode.get(START)).toEqual([{ field: '', message: "no node has id 'x'" }]);
    expect(api.general).toEqual([{ path: '/name', message: 'too long' }]);
  });
});
