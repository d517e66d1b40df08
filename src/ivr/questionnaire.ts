import type { Questionnaire } from '../domain/resources.ts';
import { UNRUNNABLE, isEmptyFlow, type FlowDocument, type FlowNode } from './flow.ts';

type Question = NonNullable<Extract<FlowNode, { type: 'questionnaire' }>['questions']>[number];
type QNode = Extract<FlowNode, { type: 'questionnaire' }>;

/** A questionnaire resource's questions as a flow asks them. */
export function flowQuestions(q: Questionnaire): Question[] {
  return q.questions.map((x) => {
    const answers = x.answers?.map((a) => (typeof a === 'string' ? a : a.key));
    const labels = Object.fromEntries(
      (x.answers ?? []).flatMap((a) => (typeof a === 'string' ? [] : [[a.key, a.label]])),
    );
    return {
      id: x.id,
      label: x.label ?? (x.text.trim() || x.id),
      prompt: x.prompt ?? { text: x.text },
      ...(answers?.length ? { answers } : {}),
      ...(Object.keys(labels).length ? { answerLabels: labels } : {}),
      ...(x.retries !== undefined ? { retries: x.retries } : {}),
      ...(x.timeoutSec !== undefined ? { timeoutSec: x.timeoutSec } : {}),
    };
  });
}

/**
 * The flow a task runs with its questionnaire (product.md §5): the questions are asked where the
 * flow has a questionnaire node (one without questions, or naming this questionnaire); a flow
 * without one asks them where it would end: before each hangup node (whose closing prompt
 * follows) and after each node that leads nowhere. A transferred call is not asked: the customer
 * is with an agent, who has the manual questionnaire. The document is a new object; the original
 * (shared by every task using the flow) is left alone.
 */
export function withQuestionnaire(
  doc: Record<string, unknown>,
  q: Questionnaire | undefined,
): Record<string, unknown> {
  if (!q || q.questions.length === 0 || UNRUNNABLE in doc) return doc;
  const questions = flowQuestions(q);
  const asked = (id: string, next?: string): QNode => ({
    id,
    type: 'questionnaire',
    questionnaireId: q.id,
    questions,
    ...(next ? { next } : {}),
  });
  if (isEmptyFlow(doc)) return { nodes: [asked('questionnaire')] };
  const flow = doc as unknown as FlowDocument;
  const own = flow.nodes.filter(
    (n) => n.type === 'questionnaire' && (!n.questionnaireId || n.questionnaireId === q.id),
  );
  if (own.length) {
    const nodes = flow.nodes.map((n) =>
      own.includes(n) ? { ...n, questionnaireId: q.id, questions } : n,
    );
    return { ...flow, nodes } as unknown as Record<string, unknown>;
  }
  const ids = new Set(flow.nodes.map((n) => n.id));
  const fresh = (base: string) => {
    let id = base;
    for (let i = 2; ids.has(id); i++) id = `${base}-${i}`;
    ids.add(id);
    return id;
  };
  const finalId = fresh('questionnaire');
  let usedFinal = false;
  const toFinal = () => ((usedFinal = true), finalId);
  const nodes: FlowNode[] = [];
  for (const n of flow.nodes) {
    if (n.type === 'hangup') {
      // The questionnaire takes the hangup's id (so every link to it now asks first), and the
      // hangup moves to a new id after it.
      const moved = fresh(`${n.id}.hangup`);
      nodes.push(asked(n.id, moved), { ...n, id: moved });
    } else if (n.type === 'branch') {
      nodes.push(n.default === undefined ? { ...n, default: toFinal() } : n);
    } else if (n.next === undefined) {
      // Includes a failed transfer, and a robot that ends without hanging up.
      nodes.push({ ...n, next: toFinal() });
    } else nodes.push(n);
  }
  if (usedFinal) nodes.push(asked(finalId));
  return { ...flow, nodes } as unknown as Record<string, unknown>;
}
