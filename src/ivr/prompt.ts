import { Type, type Static } from '@sinclair/typebox';

/** What a flow or a dialogue plays: a WAV file, or text spoken by espeak-ng. */
export const Prompt = Type.Union([
  Type.Object(
    {
      file: Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'a WAV file (any rate, converted at publish time)',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      text: Type.String({ minLength: 1, maxLength: 2000 }),
      voice: Type.Optional(
        Type.String({ pattern: '^[A-Za-z0-9+_-]{1,32}$', description: 'an espeak-ng voice' }),
      ),
    },
    { additionalProperties: false },
  ),
]);
export type Prompt = Static<typeof Prompt>;
