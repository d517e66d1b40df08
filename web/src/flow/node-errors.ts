import { START, isStep, type GraphNode } from './graph.ts';

/**
 * Validation errors (the domain's `validateFlowDocument`, or the API's 422 for a flow resource:
 * the same rules) put on the node they are about. A path `/nodes/3/prompt/text` belongs to the 4th
 * step node of the graph (graphToFlow keeps their order) with the field `prompt/text`; `/start` to
 * the Start node; anything else (`/layout/…`, `/record`, `/name`) to the flow as a whole.
 */
export interface NodeError {
  /** The field inside the node (`prompt/text`, `cases/0/next`), '' for the node as a whole. */
  field: string;
  message: string;
}

export interface PlacedErrors {
  byNode: Map<string, NodeError[]>;
  general: { path: string; message: string }[];
}

export function placeErrors(
  errors: readonly { path: string; message: string }[],
  nodes: readonly GraphNode[],
): PlacedErrors {
  const steps = nodes.filter(isStep);
  const byNode = new Map<string, NodeError[]>();
  const general: PlacedErrors['general'] = [];
  const add = (id: string, e: NodeError) => byNode.set(id, [...(byNode.get(id) ?? []), e]);
  for (const e of errors) {
    // The API names fields of the flow resource: its document's paths are under /document.
    const path = e.path.startsWith('/document/') ? e.path.slice('/document'.length) : e.path;
    const m = /^\/nodes\/(\d+)(?:\/(.*))?$/.exec(path);
    const node = m ? steps[Number(m[1])] : undefined;
    if (node) add(node.id, { field: m![2] ?? '', message: e.message });
    else if (path === '/start') add(START, { field: '', message: e.message });
    else general.push({ path: e.path, message: e.message });
  }
  return { byNode, general };
}
