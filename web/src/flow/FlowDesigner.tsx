import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Background, Controls, ReactFlow, ReactFlowProvider, useReactFlow } from '@xyflow/react';
import {
  Alert,
  Badge,
  Box,
  Button,
  Checkbox,
  Group,
  List,
  Loader,
  NumberInput,
  Stack,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { validateFlowDocument } from '../../../src/ivr/flow.ts';
import { ApiError, messageOf } from '../api.ts';
import { useTenant } from '../session.tsx';
import { START, flowToGraph, graphToFlow, isStep } from './graph.ts';
import { placeErrors } from './node-errors.ts';
import { Palette, STEP_MIME } from './Palette.tsx';
import { StepForm } from './StepForm.tsx';
import { OverlayContext, nodeTypes } from './StepNode.tsx';
import type { StepType } from './steps.ts';
import { TestCallPanel, type TestCallReport, type TestCallScript } from './TestCallPanel.tsx';
import { useFlowResource, type FlowResource } from './use-flow-resource.ts';
import { useGraphEditor } from './use-graph-editor.ts';

/**
 * The graphical IVR flow designer: the flow's steps on a React Flow canvas, linked by dragging
 * from a step's handle to the next step; the selected step's properties on the right; the
 * engine's own validation on each node as it is drawn; save as draft, publish, and a test call on
 * the simulated network whose path lights up on the canvas. `flowId` undefined: a new flow.
 */
export function FlowDesigner(props: { flowId?: string; onClose: () => void }) {
  return (
    <ReactFlowProvider>
      <Designer {...props} />
    </ReactFlowProvider>
  );
}

type Problem = { title: string; errors: { path: string; message: string }[] };

function Designer({ flowId, onClose }: { flowId?: string; onClose: () => void }) {
  const { t } = useTranslation('flow');
  const { me } = useTenant();
  const canWrite = me.role === 'tenant_admin' || me.role === 'system_admin';
  const r = useFlowResource(flowId);
  const { screenToFlowPosition } = useReactFlow();
  const [newId, setNewId] = useState('');
  const [name, setName] = useState('');
  const [dirty, setDirty] = useState(!flowId);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [report, setReport] = useState<TestCallReport | null>(null);
  const [tab, setTab] = useState<string | null>('step');
  // Any change to what is drawn: the last server errors and test path no longer apply.
  const g = useGraphEditor(flowId ? null : flowToGraph({}), () => {
    setDirty(true);
    setProblem(null);
    setNotice(null);
    setReport(null);
  });
  const { graph, setGraph } = g;
  // Decided once, when the canvas first shows: later drops must not move the view.
  const fitOnOpen = useRef<boolean | undefined>(undefined);

  // The saved flow becomes the graph once; later saves keep the canvas as drawn.
  const loaded = r.flow.data;
  useEffect(() => {
    if (!loaded || graph) return;
    setGraph(flowToGraph(loaded.document ?? {}));
    setName(loaded.name ?? '');
  }, [loaded, graph]);

  const doc = useMemo(() => (graph ? graphToFlow(graph) : {}), [graph]);
  const overlay = useMemo(() => {
    const nodes = graph?.nodes ?? [];
    const placed = placeErrors(
      [...validateFlowDocument(doc), ...(problem?.errors ?? [])].filter(
        (e, i, all) => all.findIndex((x) => x.path === e.path && x.message === e.message) === i,
      ),
      nodes,
    );
    if (nodes.some(isStep) && !graph?.edges.some((e) => e.source === START))
      placed.byNode.set(START, [{ field: '', message: t('errors.noStart') }]);
    const rfOf = new Map(nodes.filter(isStep).map((n) => [n.data.step.id, n.id]));
    const visited = new Set((report?.path ?? []).map((id) => rfOf.get(id)!).filter(Boolean));
    if (report?.path.length) visited.add(START);
    return { placed, visited, rfOf };
  }, [doc, graph, problem, report, t]);

  const edges = useMemo(() => {
    const path = report?.path ?? [];
    const pairs = new Set(
      path.map((id, i) => `${i ? overlay.rfOf.get(path[i - 1]!) : START}>${overlay.rfOf.get(id)}`),
    );
    return (graph?.edges ?? []).map((e) =>
      pairs.has(`${e.source}>${e.target}`)
        ? {
            ...e,
            animated: true,
            className: 'visited',
            style: { stroke: '#2f9e44', strokeWidth: 3 },
          }
        : e,
    );
  }, [graph, report, overlay]);

  const onDrop = (e: DragEvent) => {
    const type = e.dataTransfer.getData(STEP_MIME) as StepType;
    if (!type) return;
    e.preventDefault();
    g.addStep(type, screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  };

  const selected = graph?.nodes.find((n) => n.selected && isStep(n));
  /** Saves what is drawn (new flows as drafts); false when the API refused it. */
  const save = async (): Promise<FlowResource | null> => {
    const base: FlowResource = loaded ?? {
      id: newId.trim(),
      ouId: null,
      status: 'draft',
      document: {},
    };
    const body: FlowResource = { ...base, document: doc };
    if (name.trim()) body.name = name.trim();
    else delete body.name;
    try {
      const saved = await r.save.mutateAsync(body);
      setDirty(false);
      setProblem(null);
      return saved;
    } catch (e) {
      fail(e);
      return null;
    }
  };
  const fail = (e: unknown) =>
    setProblem({
      title: e instanceof ApiError ? e.message : messageOf(e),
      errors: e instanceof ApiError ? e.fieldErrors : [],
    });
  /** The flow's id once what is drawn is saved (saving it first when it changed); null if refused. */
  const savedId = async (): Promise<string | null> =>
    dirty || !r.id ? ((await save())?.id ?? null) : r.id;
  const publish = async (verb: 'publish' | 'unpublish') => {
    const id = await savedId();
    if (!id) return;
    try {
      await r.publish.mutateAsync({ id, verb });
      setNotice(verb === 'publish' ? t('notice.published') : t('notice.unpublished'));
    } catch (e) {
      fail(e);
    }
  };
  const testCall = async (script: TestCallScript) => {
    const id = await savedId();
    if (!id) return;
    setReport(null);
    try {
      setReport(await r.testCall.mutateAsync({ id, script }));
    } catch (e) {
      fail(e);
    }
  };

  if (!graph)
    return r.flow.error ? <Alert color="red">{messageOf(r.flow.error)}</Alert> : <Loader />;
  fitOnOpen.current ??= graph.nodes.length > 1;
  const status = r.flow.data?.status ?? 'draft';
  const busy = r.save.isPending || r.publish.isPending;
  const general = overlay.placed.general;

  return (
    <Stack
      gap="xs"
      data-testid="flow-designer"
      style={{ height: 'calc(100vh - 120px)', minHeight: 520 }}
    >
      <Group justify="space-between" wrap="nowrap">
        <Group gap="xs" wrap="nowrap">
          <Title order={3}>{r.id ? t('title', { id: r.id }) : t('newFlow')}</Title>
          <Badge color={status === 'published' ? 'green' : 'gray'} data-testid="flow-status">
            {t(`status.${status}`)}
          </Badge>
          {dirty && (
            <Text size="xs" c="dimmed" data-testid="flow-dirty">
              {t('unsaved')}
            </Text>
          )}
        </Group>
        <Group gap="xs" wrap="nowrap">
          {!r.id && (
            <TextInput
              size="xs"
              placeholder={t('fields.flowId')}
              value={newId}
              onChange={(e) => setNewId(e.currentTarget.value)}
              data-testid="flow-id"
            />
          )}
          <TextInput
            size="xs"
            placeholder={t('fields.name')}
            value={name}
            onChange={(e) => (setName(e.currentTarget.value), setDirty(true))}
            data-testid="flow-name"
          />
          <Button size="xs" variant="default" onClick={g.tidy} disabled={!canWrite}>
            {t('actions.tidy')}
          </Button>
          <Button
            size="xs"
            onClick={() => void save().then((s) => s && setNotice(t('notice.saved')))}
            loading={r.save.isPending}
            disabled={!canWrite || busy}
            data-testid="flow-save"
          >
            {t('actions.save')}
          </Button>
          <Button
            size="xs"
            color={status === 'published' ? 'gray' : 'green'}
            onClick={() => void publish(status === 'published' && !dirty ? 'unpublish' : 'publish')}
            loading={r.publish.isPending}
            disabled={!canWrite || busy}
            data-testid="flow-publish"
          >
            {status === 'published' && !dirty ? t('actions.unpublish') : t('actions.publish')}
          </Button>
          <Button
            size="xs"
            variant="subtle"
            onClick={() => (!dirty || window.confirm(t('confirmClose'))) && onClose()}
            data-testid="flow-close"
          >
            {t('actions.close')}
          </Button>
        </Group>
      </Group>
      {notice && (
        <Alert
          color="green"
          py={4}
          withCloseButton
          onClose={() => setNotice(null)}
          data-testid="flow-notice"
        >
          {notice}
        </Alert>
      )}
      {(problem || general.length > 0) && (
        <Alert
          color="red"
          py={4}
          title={problem?.title ?? t('errors.flow')}
          data-testid="flow-problem"
        >
          <List size="xs">
            {general.map((e, i) => (
              <List.Item key={i}>
                {/* The resource's own id is the flow's, not a step's. */}
                {e.path === '/id'
                  ? t('fields.flowId')
                  : t(`fields.${e.path.split('/').filter(Boolean).at(-1) ?? ''}`, {
                      defaultValue: e.path,
                    })}
                : {e.message}
              </List.Item>
            ))}
            {problem && problem.errors.length > general.length && (
              <List.Item>{t('errors.onNodes')}</List.Item>
            )}
          </List>
        </Alert>
      )}
      <Group align="stretch" gap="xs" wrap="nowrap" style={{ flex: 1, minHeight: 0 }}>
        <Box w={150}>
          <Palette onAdd={(type) => g.addStep(type)} disabled={!canWrite} />
        </Box>
        <Box
          style={{ flex: 1, border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8 }}
          onDragOver={(e) => e.preventDefault()}
          onDrop={onDrop}
          data-testid="flow-canvas"
        >
          <OverlayContext.Provider
            value={{ errors: overlay.placed.byNode, visited: overlay.visited }}
          >
            <ReactFlow
              nodes={graph.nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              onNodesChange={g.onNodesChange}
              onEdgesChange={g.onEdgesChange}
              onConnect={g.onConnect}
              isValidConnection={(c) => c.target !== START}
              nodesDraggable={canWrite}
              nodesConnectable={canWrite}
              deleteKeyCode={canWrite ? ['Backspace', 'Delete'] : null}
              // A drawn flow is fitted into view; an empty one starts with Start near the top.
              fitView={fitOnOpen.current}
              fitViewOptions={{ maxZoom: 1 }}
              defaultViewport={{ x: 320, y: 30, zoom: 1 }}
              proOptions={{ hideAttribution: true }}
            >
              <Background />
              <Controls />
            </ReactFlow>
          </OverlayContext.Provider>
        </Box>
        <Box w={330} style={{ overflowY: 'auto' }}>
          <Tabs value={tab} onChange={setTab}>
            <Tabs.List>
              <Tabs.Tab value="step">{selected ? t('tabs.step') : t('tabs.flow')}</Tabs.Tab>
              <Tabs.Tab value="test" data-testid="tab-test">
                {t('tabs.test')}
              </Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="step" pt="xs">
              <fieldset disabled={!canWrite} style={{ border: 0, padding: 0, margin: 0 }}>
                {selected && isStep(selected) ? (
                  <StepForm
                    key={selected.id}
                    step={selected.data.step}
                    errors={overlay.placed.byNode.get(selected.id) ?? []}
                    skillQueues={r.skillQueues}
                    questionnaires={r.questionnaires}
                    onChange={(s) => g.setStep(selected.id, s)}
                    onDelete={() => g.deleteStep(selected.id)}
                    readOnly={!canWrite}
                  />
                ) : (
                  <Stack gap="xs">
                    <Text size="xs" c="dimmed">
                      {t('help.select')}
                    </Text>
                    <Checkbox
                      label={t('fields.record')}
                      checked={graph.meta.record === true}
                      onChange={(e) => g.setMeta('record', e.currentTarget.checked || undefined)}
                    />
                    <NumberInput
                      label={t('fields.maxDurationSec')}
                      min={1}
                      max={7200}
                      value={
                        typeof graph.meta.maxDurationSec === 'number'
                          ? graph.meta.maxDurationSec
                          : ''
                      }
                      onChange={(v) =>
                        g.setMeta('maxDurationSec', typeof v === 'number' ? v : undefined)
                      }
                    />
                  </Stack>
                )}
              </fieldset>
            </Tabs.Panel>
            <Tabs.Panel value="test" pt="xs">
              <TestCallPanel
                questionnaires={r.questionnaires}
                running={r.testCall.isPending || r.save.isPending}
                report={report}
                error={null}
                disabled={!canWrite || (!r.id && !newId.trim())}
                onRun={(s) => void testCall(s)}
                onClear={() => setReport(null)}
              />
            </Tabs.Panel>
          </Tabs>
        </Box>
      </Group>
    </Stack>
  );
}
