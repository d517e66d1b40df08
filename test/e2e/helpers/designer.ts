import type { Locator, Page } from 'playwright-core';

/**
 * Drawing in the IVR flow designer as a person does, for browser tests: steps dragged from the
 * palette onto the canvas, links dragged from a handle to the next step's input. Step ids are the
 * designer's own (`play-1`, `collect-1`, … in the order each type is added).
 */

/** A step's node on the canvas, by its step id (or `start`). */
export const flowNode = (p: Page, id: string): Locator => p.getByTestId(`flow-node-${id}`);

/**
 * Drops a step of `type` from the palette at (x, y) from the canvas's top-left corner (an empty
 * flow's Start sits at (320, 30)); resolves once its node `id` is drawn.
 */
export async function dropStep(
  p: Page,
  type: string,
  x: number,
  y: number,
  id = `${type}-1`,
): Promise<void> {
  await p.getByTestId(`palette-${type}`).dragTo(p.getByTestId('flow-canvas'), {
    targetPosition: { x, y },
  });
  await flowNode(p, id).waitFor();
}

/**
 * Links a handle to a step: `from` is `{stepId}-{handle}` (`play-1-next`, `branch-1-case-0`,
 * `branch-1-default`, `start-next`), `to` a step id.
 */
export async function connect(p: Page, from: string, to: string): Promise<void> {
  await p.getByTestId(`handle-${from}`).dragTo(p.getByTestId(`handle-${to}-in`));
}

/** Selects a step and fills one of its fields in the properties panel (`field-{name}`). */
export async function fillStep(p: Page, id: string, fields: Record<string, string>): Promise<void> {
  await flowNode(p, id).click();
  await p.getByTestId('step-form').waitFor();
  for (const [name, value] of Object.entries(fields))
    await p.getByTestId(`field-${name}`).fill(value);
}
