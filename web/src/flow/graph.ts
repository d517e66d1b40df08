import type { Edge, Node } from '@xyflow/react';
import { Graph, layout } from '@dagrejs/dagre';
import { DEFAULT, NEXT, caseHandle, outHandles, type Step } from './steps.ts';

/**
 * A flow document ⇄ the designer's graph. Steps are nodes (their links removed), links are edges
 * from a named source handle (`next`, `default`, `case-N`), and a Start node points at the step the
 * call begins with. `graphToFlow(flowToGraph(doc))` gives the document back (with the layout of
 * the nodes as drawn): everything the graph does not show (record, maxDurationSec, unknown fields
 * of a step) is carried through untouched.
 */
export const START = '$start';

export interface StepData extends Record<string, unknown> {
  step: Step;
}
export type StepNode = Node<StepData, 'step'>;
export type StartNode = Node<Record<string, never>, 'start'>;
export type GraphNode = StepNode | StartNode;

export interface FlowGraph {
  nodes: GraphNode[];
  edges: Edge[];
  /** The document's other top-level fields (version, record, maxDurationSec, …). */
  meta: Record<string, unknown>;
  /** The document named its start (kept so an explicit `start` survives a round trip). */
  explicitStart: boolean;
}

export type Position = { x: number; y: number };
type Doc = Record<string, unknown>;

export const isStep = (n: GraphNode): n is StepNode => n.type === 'step';

export const edgeId = (source: string, handle: string) => `${source}:${handle}`;

export function makeEdge(source: string, handle: string, target: string): Edge {
  return { id: edgeId(source, handle), source, sourceHandle: handle, target };
}

/** The document as a graph; nodes without a saved position are laid out top to bottom. */
export function flowToGraph(doc: Doc): FlowGraph {
  const { nodes: raw, layout: savedLayout, start, ...meta } = doc;
  const saved = (savedLayout ?? {}) as Record<string, Position>;
  const list = (Array.isArray(raw) ? raw : []) as Doc[];
  // Node ids are unique in any saved document; a duplicate gets a suffix so the canvas can draw it.
  const rfIds = new Map<string, string>();
  const used = new Set<string>([START]);
  const nodes: GraphNode[] = [{ id: START, type: 'start', position: { x: 0, y: 0 }, data: {} }];
  const edges: Edge[] = [];
  const links: { source: string; handle: string; target: unknown }[] = [];
  list.forEach((n, i) => {
    const { next, default: dflt, ...step } = n;
    const id = String(step.id ?? `node-${i}`);
    let rfId = id;
    for (let k = 2; used.has(rfId); k++) rfId = `${id}#${k}`;
    used.add(rfId);
    if (!rfIds.has(id)) rfIds.set(id, rfId);
    if (step.type === 'branch' && Array.isArray(step.cases)) {
      step.cases = (step.cases as Doc[]).map((c, j) => {
        const { next: to, ...test } = c;
        links.push({ source: rfId, handle: caseHandle(j), target: to });
        return test;
      });
      links.push({ source: rfId, handle: DEFAULT, target: dflt });
    } else if (dflt !== undefined) step.default = dflt;
    // A link the step has no handle for (only in a broken document) stays a field of the step.
    if (outHandles(step as Step).includes(NEXT))
      links.push({ source: rfId, handle: NEXT, target: next });
    else if (next !== undefined) step.next = next;
    nodes.push({
      id: rfId,
      type: 'step',
      position: { x: 0, y: 0 },
      data: { step: { ...step, id } as Step },
    });
  });
  for (const l of links) {
    const to = typeof l.target === 'string' ? rfIds.get(l.target) : undefined;
    if (to) edges.push(makeEdge(l.source, l.handle, to));
  }
  const first = typeof start === 'string' ? rfIds.get(start) : nodes[1]?.id;
  if (first) edges.push(makeEdge(START, NEXT, first));
  const auto = autoLayout(nodes, edges);
  for (const n of nodes) {
    const key = isStep(n) ? n.data.step.id : START;
    n.position = saved[key] ? { x: saved[key].x, y: saved[key].y } : auto.get(n.id)!;
  }
  return { nodes, edges, meta, explicitStart: start !== undefined };
}

/** The graph as a flow document, in the order of its step nodes; `{}` when it has none. */
export function graphToFlow(g: FlowGraph): Doc {
  const steps = g.nodes.filter(isStep);
  if (!steps.length) return {};
  const stepId = new Map(steps.map((n) => [n.id, n.data.step.id]));
  const target = (source: string, handle: string) => {
    const e = g.edges.find((x) => x.source === source && (x.sourceHandle ?? NEXT) === handle);
    return e ? stepId.get(e.target) : undefined;
  };
  const nodes = steps.map((n) => {
    const s: Doc = { ...n.data.step };
    if (s.type === 'branch') {
      const cases = Array.isArray(s.cases) ? (s.cases as Doc[]) : [];
      s.cases = cases.map((c, j) => {
        const to = target(n.id, caseHandle(j));
        return to === undefined ? { ...c } : { ...c, next: to };
      });
      const dflt = target(n.id, DEFAULT);
      if (dflt !== undefined) s.default = dflt;
    } else if (outHandles(n.data.step).includes(NEXT)) {
      const next = target(n.id, NEXT);
      if (next !== undefined) s.next = next;
    }
    return s;
  });
  const doc: Doc = { ...g.meta };
  const start = target(START, NEXT);
  if (start !== undefined && (g.explicitStart || start !== nodes[0]!.id)) doc.start = start;
  doc.nodes = nodes;
  const layout: Record<string, Position> = {};
  for (const n of g.nodes) {
    const key = isStep(n) ? n.data.step.id : START;
    layout[key] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  }
  doc.layout = layout;
  return doc;
}

export const NODE_WIDTH = 240;
const nodeHeight = (n: GraphNode) =>
  isStep(n) ? 84 + 22 * Math.max(0, outHandles(n.data.step).length - 1) : 40;

/** Top-to-bottom positions for every node (dagre), Start on top. */
export function autoLayout(nodes: GraphNode[], edges: Edge[]): Map<string, Position> {
  const g = new Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: NODE_WIDTH, height: nodeHeight(n) });
  for (const e of edges) if (e.source !== e.target) g.setEdge(e.source, e.target);
  layout(g);
  const out = new Map<string, Position>();
  for (const n of nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    // dagre gives centres; React Flow places nodes by their top-left corner.
    out.set(n.id, { x: Math.round(p.x - p.width / 2), y: Math.round(p.y - p.height / 2) });
  }
  return out;
}

/** Drops the edges of handles a step no longer has (a branch case removed), keeping the rest. */
export function pruneEdges(nodes: GraphNode[], edges: Edge[]): Edge[] {
  const handles = new Map(
    nodes.map((n) => [n.id, new Set(isStep(n) ? outHandles(n.data.step) : [NEXT])]),
  );
  return edges.filter(
    (e) => handles.get(e.source)?.has(e.sourceHandle ?? NEXT) && handles.has(e.target),
  );
}
