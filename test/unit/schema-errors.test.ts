import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { schemaErrors } from '../../src/domain/schema-errors.ts';

describe('schemaErrors', () => {
  const S = Type.Object(
    {
      n: Type.Integer({ minimum: 5, maximum: 120 }),
      s: Type.String({ maxLength: 3 }),
      k: Type.Union([Type.Literal('a'), Type.Literal('b')]),
      req: Type.String(),
    },
    { additionalProperties: false },
  );
  it('names every bad field at once with its path and rule', () => {
    const errs = schemaErrors(S, { n: 200, s: 'abcd', k: 'c', extra: 1 }, '/x');
    expect(errs).toEqual(
      expect.arrayContaining([
        { path: '/x/n', message: 'must be between 5 and 120' },
        { path: '/x/s', message: 'must be at most 3 characters' },
        { path: '/x/k', message: 'must be one of "a", "b"' },
        { path: '/x/req', message: 'is required' },
        { path: '/x/extra', message: 'is not a known field' },
      ]),
    );
  });
  it('returns nothing for a valid value', () => {
    expect(schemaErrors(S, { n: 5, s: 'ab', k: 'a', req: '' })).toEqual([]);
  });
});
