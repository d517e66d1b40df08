import { useCallback, useRef, useState } from 'react';
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import {
  autoLayout,
  isStep,
  makeEdge,
  pruneEdges,
  type FlowGraph,
  type GraphNode,
  type Position,
} from './graph.ts';
import { NEXT, freshStepId, newStep, type Step, type StepType } from './steps.ts';

/**
 * The graph being drawn, and every way of changing it. Changes that alter the flow (a step added,
 * moved, linked, edited or deleted) call `onEdit`; selection and measuring do not.
 */
export function useGraphEditor(initial: FlowGraph | null, onEdit: () => void) {
  const [graph, setGraph] = useState<FlowGraph | null>(initial);
  const onEditRef = useRef(onEdit);
  onEditRef.current = onEdit;

  const edit = useCallback((f: (g: FlowGraph) => FlowGraph) => {
    setGraph((g) => (g ? f(g) : g));
    onEditRef.current();
  }, []);
  const quiet = useCallback(
    (f: (g: FlowGraph) => FlowGraph) => setGraph((g) => (g ? f(g) : g)),
    [],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<GraphNode>[]) => {
      const alters = changes.some(
        (c) => c.type === 'remove' || (c.type === 'position' && c.dragging === false),
      );
      (alters ? edit : quiet)((g) => {
        const nodes = applyNodeChanges(changes, g.nodes);
        return { ...g, nodes, edges: pruneEdges(nodes, g.edges) };
      });
    },
    [edit, quiet],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) =>
      (changes.some((c) => c.type === 'remove') ? edit : quiet)((g) => ({
        ...g,
        edges: applyEdgeChanges(changes, g.edges),
      })),
    [edit, quiet],
  );
  // A handle leads to one step: connecting it again replaces its link.
  const onConnect = useCallback(
    (c: Connection) =>
      edit((g) => {
        const handle = c.sourceHandle ?? NEXT;
        const kept = g.edges.filter(
          (e) => !(e.source === c.source && (e.sourceHandle ?? NEXT) === handle),
        );
        return { ...g, edges: [...kept, makeEdge(c.source, handle, c.target)] };
      }),
    [edit],
  );

  /** A new step, selected; without a position it goes below the lowest node. */
  const addStep = (type: StepType, position?: Position) =>
    edit((g) => {
      const id = freshStepId(
        type,
        g.nodes.filter(isStep).map((n) => n.data.step.id),
      );
      let rfId = id;
      for (let k = 2; g.nodes.some((n) => n.id === rfId); k++) rfId = `${id}#${k}`;
      const lowest = Math.max(0, ...g.nodes.map((n) => n.position.y));
      const node: GraphNode = {
        id: rfId,
        type: 'step',
        position: position ?? { x: 0, y: lowest + 140 },
        data: { step: newStep(type, id) },
        selected: true,
      };
      return { ...g, nodes: [...g.nodes.map((n) => ({ ...n, selected: false })), node] };
    });
  const setStep = (rfId: string, step: Step) =>
    edit((g) => {
      const nodes = g.nodes.map((n) => (n.id === rfId && isStep(n) ? { ...n, data: { step } } : n));
      return { ...g, nodes, edges: pruneEdges(nodes, g.edges) };
    });
  const deleteStep = (rfId: string) =>
    edit((g) => {
      const nodes = g.nodes.filter((n) => n.id !== rfId);
      return { ...g, nodes, edges: pruneEdges(nodes, g.edges) };
    });
  const setMeta = (field: string, value: unknown) =>
    edit((g) => {
      const meta = { ...g.meta };
      if (value === undefined) delete meta[field];
      else meta[field] = value;
      return { ...g, meta };
    });
  const tidy = () =>
    edit((g) => {
      const at = autoLayout(g.nodes, g.edges);
      return { ...g, nodes: g.nodes.map((n) => ({ ...n, position: at.get(n.id)! })) };
    });

  return {
    graph,
    setGraph,
    onNodesChange,
    onEdgesChange,
    onConnect,
    addStep,
    setStep,
    deleteStep,
    setMeta,
    tidy,
  };
}
