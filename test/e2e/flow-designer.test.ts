import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, ensureWebBuilt, hasChromium, launch } from './helpers/browser.ts';
import { root, startServe, type Served } from './helpers/serve.ts';
import { seedWorld, type World } from './helpers/world.ts';
import { connect, dropStep, fillStep, flowNode } from './helpers/designer.ts';

/**
 * The IVR flow designer in real Chromium: a flow drawn by dragging steps from the palette and
 * connecting their handles, the engine's validation shown on the node it is about, published, and a
 * test call on the simulated network whose path lights up on the canvas. A flow written through the
 * API without positions opens laid out. `npm run screenshots` keeps the pictures for docs/console.md.
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
if (!hasChromium) console.warn(`flow designer e2e skipped: ${CHROMIUM} is missing`);

const eventually = <T>(read: () => Promise<T>) =>
  expect.poll(read, { timeout: 60_000, interval: 50 });

describe.skipIf(skip)('the IVR flow designer (Chromium)', () => {
  let served: Served;
  let world: World;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  const tmp = mkdtempSync(path.join(tmpdir(), 'outbound-flow-'));
  const shots = process.env.OUTBOUND_SCREENSHOTS
    ? path.join(root, 'docs/screenshots')
    : path.join(tmp, 'screenshots');

  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${served.url}/api/v1/tenants/acme${url}`, {
      method,
      headers: {
        authorization: `Bearer ${world.admin}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await res.json()) as Record<string, any>;
  };

  beforeAll(async () => {
    await ensureWebBuilt();
    served = await startServe();
    world = await seedWorld(served.url, served.key);
    const b = await launch();
    context = b.context;
    closeBrowser = b.close;
    context.setDefaultTimeout(60_000);
    mkdirSync(shots, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await closeBrowser?.();
    await served?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function flowsPage(): Promise<Page> {
    const p = await context.newPage();
    await p.goto(served.url);
    await p.getByTestId('api-key').fill(world.admin);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('current-tenant').waitFor();
    await p.getByTestId('nav-flows').click();
    await p.getByTestId('resource-table').waitFor();
    return p;
  }

  const node = flowNode;
  const drop = dropStep;

  it('draws, validates, publishes and test-calls a flow', async () => {
    const p = await flowsPage();
    await p.getByTestId(/^resource-(empty-)?new$/).click();
    await p.getByTestId('flow-designer').waitFor();
    await p.getByTestId('flow-id').fill('flow-drawn');
    await p.getByTestId('flow-name').fill('Drawn menu');

    // Start sits at (320, 30) of an empty canvas; the steps go below it, the transfer aside.
    await drop(p, 'play', 120, 100);
    await drop(p, 'collect', 120, 220);
    await drop(p, 'branch', 120, 360);
    await drop(p, 'hangup', 40, 540);
    await drop(p, 'transfer', 330, 540);

    // A step's own problem is on the step: the new play step has nothing to say yet.
    await eventually(() =>
      node(p, 'play-1').getByTestId('node-errors-play-1').textContent(),
    ).toContain('Prompt: needs a text to say or an audio file');
    await shot(p, 'flow-designer-drawing');

    await connect(p, 'start-next', 'play-1');
    await connect(p, 'play-1-next', 'collect-1');
    await connect(p, 'collect-1-next', 'branch-1');
    await connect(p, 'branch-1-default', 'hangup-1');
    // The branch's case is not connected yet: said on the branch, gone once it is.
    await eventually(() => node(p, 'branch-1').textContent()).toContain(
      'Case 1 › Next step: is required',
    );
    await connect(p, 'branch-1-case-0', 'transfer-1');
    await eventually(() => node(p, 'branch-1').textContent()).not.toContain('Case 1');

    // Properties of each step, in the panel on the right.
    await node(p, 'play-1').click();
    await p.getByTestId('field-prompt-text').fill('Welcome to Acme');
    await eventually(() => node(p, 'play-1').getAttribute('data-invalid')).toBeNull();
    await fillStep(p, 'collect-1', { 'prompt-text': 'Press 1 for an agent', variable: 'choice' });
    await fillStep(p, 'branch-1', { variable: 'choice' });
    await fillStep(p, 'transfer-1', { 'target-queue': 'VIP care' });
    await eventually(() => p.locator('[data-invalid="true"]').count()).toBe(0);

    // Publish saves the draft first, then publishes it.
    await p.getByTestId('flow-publish').click();
    await eventually(() => p.getByTestId('flow-status').textContent()).toBe('Published');
    const saved = await api('GET', '/flows/flow-drawn');
    expect(saved.status).toBe('published');
    expect(saved.name).toBe('Drawn menu');
    expect(saved.document.nodes.map((n: { id: string }) => n.id)).toEqual([
      'play-1',
      'collect-1',
      'branch-1',
      'hangup-1',
      'transfer-1',
    ]);
    expect(saved.document.nodes[2]).toMatchObject({
      variable: 'choice',
      cases: [{ equals: '1', next: 'transfer-1' }],
      default: 'hangup-1',
    });
    // Where the steps were dropped is kept in the document (hangup at 40, transfer at 330).
    const { layout } = saved.document;
    expect(Object.keys(layout)).toHaveLength(6);
    expect(layout['transfer-1'].x - layout['hangup-1'].x).toBe(290);
    expect(layout['transfer-1'].y).toBe(layout['hangup-1'].y);

    // The test call: the callee presses 1 and is transferred; the path lights up.
    await p.getByTestId('tab-test').click();
    await p.getByTestId('test-digits').fill('1');
    await p.getByTestId('test-run').click();
    await eventually(() => p.getByTestId('test-ending').textContent()).toBe('Transferred');
    for (const id of ['play-1', 'collect-1', 'branch-1', 'transfer-1'])
      expect(await node(p, id).getAttribute('data-visited')).toBe('true');
    expect(await node(p, 'hangup-1').getAttribute('data-visited')).toBeNull();
    expect(await p.locator('.react-flow__edge.visited').count()).toBe(4);
    expect(await p.getByTestId('test-heard').textContent()).toContain('Welcome to Acme');
    expect(await p.getByTestId('test-transfer').textContent()).toContain('VIP care');
    await shot(p, 'flow-designer-test-call');

    // Pressing nothing takes the other way.
    await p.getByTestId('test-digits').fill('');
    await p.getByTestId('test-run').click();
    await eventually(() => p.getByTestId('test-ending').textContent()).toBe('Flow ended');
    expect(await node(p, 'hangup-1').getAttribute('data-visited')).toBe('true');
    expect(await node(p, 'transfer-1').getAttribute('data-visited')).toBeNull();
    await p.close();
  }, 240_000);

  it('opens a flow written through the API laid out top to bottom, no step on another', async () => {
    const nodes = [
      { id: 'hello', type: 'play', prompt: { text: 'Hello' }, next: 'ask' },
      { id: 'ask', type: 'collect', max: 1, variable: 'k', next: 'pick' },
      {
        id: 'pick',
        type: 'branch',
        variable: 'k',
        cases: [{ equals: '1', next: 'q' }],
        default: 'end',
      },
      { id: 'q', type: 'questionnaire', next: 'end' },
      { id: 'end', type: 'hangup', prompt: { text: 'Bye' } },
    ];
    const created = await api('POST', '/flows', {
      id: 'flow-api',
      ouId: null,
      status: 'draft',
      document: { nodes },
    });
    expect(created.id).toBe('flow-api');
    const p = await flowsPage();
    await p.getByTestId('resource-flow-api').getByTestId('flow-design').click();
    await node(p, 'end').waitFor();
    // Every step visible, none on top of another.
    const boxes = [];
    for (const n of nodes) boxes.push((await node(p, n.id).boundingBox())!);
    const canvas = (await p.getByTestId('flow-canvas').boundingBox())!;
    for (const [i, a] of boxes.entries()) {
      expect(a.y).toBeGreaterThanOrEqual(canvas.y);
      expect(a.y + a.height).toBeLessThanOrEqual(canvas.y + canvas.height);
      for (const b of boxes.slice(i + 1))
        expect(
          a.x + a.width <= b.x ||
            b.x + b.width <= a.x ||
            a.y + a.height <= b.y ||
            b.y + b.height <= a.y,
        ).toBe(true);
    }
    // Each link goes down the page, in the order the call runs.
    expect(boxes[1]!.y).toBeGreaterThan(boxes[0]!.y);
    expect(boxes[4]!.y).toBeGreaterThan(boxes[3]!.y);
    await p.getByTestId('flow-close').click();
    await p.close();
  }, 180_000);

  it('speaks Chinese: palette, step names and problems on the node', async () => {
    const p = await flowsPage();
    await p.getByTestId('language').getByText('中文').click();
    await p.getByTestId(/^resource-(empty-)?new$/).click();
    await p.getByTestId('flow-designer').waitFor();
    expect(await p.getByTestId('palette-collect').textContent()).toBe('收号');
    await drop(p, 'play', 120, 100);
    await eventually(() => node(p, 'play-1').textContent()).toContain(
      '提示音: 需要播报文本或语音文件',
    );
    expect(await node(p, 'start').textContent()).toContain('请把“开始”连接到通话的第一个节点');
    // The language is kept for the key: back to English for whoever signs in with it next.
    await p.getByTestId('language').getByText('English').click();
    await eventually(() => p.getByTestId('palette-collect').textContent()).toBe('Collect digits');
    await p.close();
  }, 180_000);

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
  }
});
