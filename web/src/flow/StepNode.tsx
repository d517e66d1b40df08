import { createContext, useContext } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { Badge, Box, Group, List, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { NODE_WIDTH, START, type StartNode, type StepNode } from './graph.ts';
import type { NodeError } from './node-errors.ts';
import { DEFAULT, NEXT, caseHandle, outHandles, promptOf, type Step } from './steps.ts';

/** What the canvas shows over the steps: their validation errors and the test call's path. */
export interface Overlay {
  errors: Map<string, NodeError[]>;
  visited: Set<string>;
}
export const OverlayContext = createContext<Overlay>({ errors: new Map(), visited: new Set() });

const COLORS: Record<Step['type'], string> = {
  play: 'blue',
  collect: 'violet',
  questionnaire: 'grape',
  assign: 'gray',
  branch: 'orange',
  transfer: 'teal',
  hangup: 'red',
  robot: 'cyan',
  speech: 'indigo',
};

/** One error as a line an administrator reads: the field's label, then the rule broken. */
export function errorText(t: TFunction, e: NodeError): string {
  const parts: string[] = [];
  for (const seg of e.field.split('/').filter(Boolean)) {
    // `cases/0/next` → "Case 1 › Next step": list items are counted from 1, as people do.
    if (/^\d+$/.test(seg) && parts.length) parts[parts.length - 1] += ` ${Number(seg) + 1}`;
    else parts.push(t(`fields.${seg}`, { defaultValue: seg }));
  }
  const message =
    e.message === 'expected union value'
      ? t(`errors.union.${e.field}`, { defaultValue: e.message })
      : e.message;
  return parts.length ? `${parts.join(' › ')}: ${message}` : message;
}

/** The one line under a step's title that says what it does. */
function summary(t: TFunction, s: Step): string {
  const target = s.target as { skillQueue?: string; number?: string } | undefined;
  switch (s.type) {
    case 'play':
    case 'collect':
    case 'hangup':
      return promptOf(s) ?? '';
    case 'assign':
      return `${String(s.variable ?? '')} = ${String(s.value ?? (s.fromCallData ? `{${String(s.fromCallData)}}` : ''))}`;
    case 'branch':
      return t('summary.branch', { variable: String(s.variable ?? '') });
    case 'transfer':
      return target?.skillQueue !== undefined
        ? t('summary.queue', { queue: target.skillQueue })
        : String(target?.number ?? '');
    case 'questionnaire':
      return s.questionnaireId
        ? String(s.questionnaireId)
        : Array.isArray(s.questions)
          ? t('summary.questions', { count: s.questions.length })
          : t('summary.taskQuestionnaire');
    case 'robot':
      return String(s.endpoint ?? '');
    case 'speech':
      return '';
  }
}

function caseLabel(c: Record<string, unknown>): string {
  if (c.equals !== undefined) return `= ${String(c.equals)}`;
  if (Array.isArray(c.in)) return `∈ ${c.in.join(', ')}`;
  if (c.matches !== undefined) return `~ ${String(c.matches)}`;
  return '?';
}

const handleStyle = { width: 10, height: 10 };

export function StepNodeView({ id, data, selected }: NodeProps<StepNode>) {
  const { t } = useTranslation('flow');
  const { errors, visited } = useContext(OverlayContext);
  const step = data.step;
  const problems = errors.get(id) ?? [];
  const handles = outHandles(step);
  const side = step.type === 'branch';
  const cases = (Array.isArray(step.cases) ? step.cases : []) as Record<string, unknown>[];
  const ran = visited.has(id);
  return (
    <Box
      data-testid={`flow-node-${step.id}`}
      data-visited={ran ? 'true' : undefined}
      data-invalid={problems.length ? 'true' : undefined}
      style={{
        width: NODE_WIDTH,
        background: ran ? 'var(--mantine-color-green-0)' : 'white',
        border: `2px solid ${
          problems.length
            ? 'var(--mantine-color-red-6)'
            : ran
              ? 'var(--mantine-color-green-6)'
              : selected
                ? 'var(--mantine-color-blue-5)'
                : 'var(--mantine-color-gray-4)'
        }`,
        borderRadius: 8,
        padding: '6px 10px',
        paddingBottom: side ? 6 : 16,
        fontSize: 12,
      }}
    >
      <Handle
        type="target"
        position={Position.Top}
        style={handleStyle}
        data-testid={`handle-${step.id}-in`}
      />
      <Group justify="space-between" gap={4} wrap="nowrap">
        <Badge size="xs" color={COLORS[step.type]} variant="light">
          {t(`types.${step.type}`)}
        </Badge>
        <Text size="xs" c="dimmed" truncate>
          {step.id}
        </Text>
      </Group>
      {typeof step.label === 'string' && step.label && (
        <Text size="sm" fw={600} truncate>
          {step.label}
        </Text>
      )}
      <Text size="xs" lineClamp={2}>
        {summary(t, step)}
      </Text>
      {problems.length > 0 && (
        <List size="xs" c="red.7" mt={4} data-testid={`node-errors-${step.id}`}>
          {problems.map((e, i) => (
            <List.Item key={i}>{errorText(t, e)}</List.Item>
          ))}
        </List>
      )}
      {side &&
        cases.map((c, j) => (
          <Text key={j} size="xs" ta="right" pr={6} style={{ position: 'relative' }}>
            {caseLabel(c)}
            <Handle
              type="source"
              id={caseHandle(j)}
              position={Position.Right}
              style={{ ...handleStyle, right: -16 }}
              data-testid={`handle-${step.id}-${caseHandle(j)}`}
            />
          </Text>
        ))}
      {side && (
        <Text size="xs" ta="right" pr={6} c="dimmed" style={{ position: 'relative' }}>
          {t('handles.default')}
          <Handle
            type="source"
            id={DEFAULT}
            position={Position.Right}
            style={{ ...handleStyle, right: -16 }}
            data-testid={`handle-${step.id}-${DEFAULT}`}
          />
        </Text>
      )}
      {handles.includes(NEXT) && (
        <>
          {step.type === 'transfer' && (
            <Text size="xs" c="dimmed" ta="center" mt={2}>
              {t('handles.failed')}
            </Text>
          )}
          <Handle
            type="source"
            id={NEXT}
            position={Position.Bottom}
            style={handleStyle}
            data-testid={`handle-${step.id}-${NEXT}`}
          />
        </>
      )}
    </Box>
  );
}

export function StartNodeView(_: NodeProps<StartNode>) {
  const { t } = useTranslation('flow');
  const { errors } = useContext(OverlayContext);
  const problems = errors.get(START) ?? [];
  return (
    <Box
      data-testid="flow-node-start"
      style={{
        padding: '6px 18px',
        borderRadius: 20,
        background: 'var(--mantine-color-dark-6)',
        color: 'white',
        fontSize: 12,
        border: problems.length ? '2px solid var(--mantine-color-red-6)' : undefined,
      }}
    >
      {t('types.start')}
      {problems.map((e, i) => (
        <Text key={i} size="xs" c="red.2">
          {errorText(t, e)}
        </Text>
      ))}
      <Handle
        type="source"
        id={NEXT}
        position={Position.Bottom}
        style={handleStyle}
        data-testid="handle-start-next"
      />
    </Box>
  );
}

export const nodeTypes = { step: StepNodeView, start: StartNodeView };
