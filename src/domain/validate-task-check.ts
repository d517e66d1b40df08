import { ValuePointer } from '@sinclair/typebox/value';
import type { FieldError } from '../platform/errors.ts';
import { RESOURCE_KINDS, ouAllowed, type World } from './resources.ts';
import { isResultName } from './result-codes.ts';

/** Every kind of resource a task may refer to (the keys of `World` apart from the tenant). */
export type RefKind = Exclude<keyof World, 'tenant'>;
export type Resource<K extends RefKind> = World[K][number];

/**
 * State shared by the semantic rules of one validation: the defaulted document, the tenant's
 * world, the paths that failed structurally, and the errors found so far.
 *
 * Rules read the document only through `get`/`indices`, which refuse any part that has a
 * structural error at, above or below it. That is what lets every rule run on the usable parts of
 * a broken document without tripping over a wrong type, and without repeating a structural error
 * as a semantic one.
 */
export class Check {
  readonly errors: FieldError[] = [];
  /** The OU whose isolation applies; `undefined` when isolation cannot be judged (see setTaskOu). */
  private taskOu: { id: string | null } | undefined = { id: null };

  constructor(
    private readonly doc: unknown,
    readonly world: World,
    private readonly brokenPaths: readonly string[],
  ) {}

  get tenant(): World['tenant'] {
    return this.world.tenant;
  }

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** True when no structural error touches `path`: not at it, not in an ancestor, not inside it. */
  ok(path: string): boolean {
    return !this.brokenPaths.some(
      (b) => b === '' || b === path || b.startsWith(`${path}/`) || path.startsWith(`${b}/`),
    );
  }

  /** The value at `path` when it is structurally sound (it may be undefined: an absent optional). */
  get<T>(path: string): T | undefined {
    if (!this.ok(path)) return undefined;
    return this.raw(path) as T | undefined;
  }

  /** The value at `path` whatever its shape, for presence tests only. */
  raw(path: string): unknown {
    try {
      return ValuePointer.Get(this.doc, path);
    } catch {
      return undefined;
    }
  }

  /** Indices of the array at `path`, or none when it is not an array (its items may be broken). */
  indices(path: string): number[] {
    const v = this.raw(path);
    return Array.isArray(v) ? v.map((_, i) => i) : [];
  }

  /**
   * Sets the OU isolation applies to. `undefined` skips isolation checks: when the task's own OU
   * is broken or unknown, every OU-bound resource would be reported, burying the one real error.
   */
  setTaskOu(ou: { id: string | null } | undefined): void {
    this.taskOu = ou;
  }

  find<K extends RefKind>(kind: K, id: string): Resource<K> | undefined {
    const field = RESOURCE_KINDS[kind].idField;
    const all = this.world[kind] as readonly Resource<K>[];
    return all.find((r) => (r as unknown as Record<string, unknown>)[field] === id);
  }

  /**
   * Looks up a referenced resource, reporting at `path` when it does not exist or when OU
   * isolation forbids it. A forbidden resource is still returned so that its other rules
   * (published, kind, …) are reported too.
   */
  use<K extends RefKind>(
    kind: K,
    id: string,
    path: string,
    missing?: string,
  ): Resource<K> | undefined {
    const found = this.find(kind, id);
    if (found === undefined) {
      this.add(path, missing ?? `${RESOURCE_KINDS[kind].label} '${id}' does not exist`);
      return undefined;
    }
    this.checkOu(kind, id, found, path);
    return found;
  }

  checkOu<K extends RefKind>(kind: K, id: string, found: Resource<K>, path: string): void {
    if (this.taskOu === undefined || !('ouId' in found)) return;
    const resourceOu = found.ouId ?? null;
    if (ouAllowed(this.tenant, this.taskOu.id, resourceOu)) return;
    const task =
      this.taskOu.id === null
        ? 'this task has no OU'
        : `this task belongs to OU '${this.taskOu.id}'`;
    this.add(
      path,
      `${RESOURCE_KINDS[kind].label} '${id}' belongs to OU '${String(resourceOu)}' but ${task}; ` +
        'with OU isolation on, a task may use only resources of its own OU or unorganized ones',
    );
  }

  /** A result named in a policy: a §6 result name or a tenant result definition code. */
  resultRef(ref: string, path: string): void {
    if (isResultName(ref)) return;
    this.use(
      'resultDefinitions',
      ref,
      path,
      `'${ref}' is neither a result name (such as busy or no_answer) nor a result definition code`,
    );
  }
}

export const isNonEmptyArray = (v: unknown): v is unknown[] => Array.isArray(v) && v.length > 0;
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;
