import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../platform/errors.ts';
import { insideDir } from '../../engine/recording-worker.ts';
import { audit } from '../../store/audit.ts';
import { getAttemptRecording } from '../../store/recordings.ts';
import { getTask } from '../../store/tasks.ts';
import { maySeePersonalData, requireTenant } from '../auth.ts';
import { assertVisible } from './service.ts';
import type { AppDeps } from '../app.ts';

/** Where recordings are served from when the app is given none (the configuration's default). */
export const DEFAULT_RECORDINGS_DIR = './data/recordings';

/**
 * `GET …/attempts/{attemptId}/recording`: the call's WAV (stereo: customer left, Outbound right),
 * with HTTP Range (browsers' <audio> seeks with it), served by @fastify/static from the
 * recordings directory only. A recording is the customer's voice: roles that may not see personal
 * data get 403, like an unmasked export; every read (each range request too) is audited.
 */
export const recordingRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, clock, recordingsDir = DEFAULT_RECORDINGS_DIR, logger },
) => {
  const root = path.resolve(recordingsDir);
  // Encapsulated in this plugin: `reply.sendFile` here serves from the recordings directory only.
  await app.register(fastifyStatic, { root, serve: false });
  app.get(
    '/tenants/:tenantId/tasks/:taskId/attempts/:attemptId/recording',
    {
      schema: {
        tags: ['results'],
        summary: "An attempt's call recording (audio/wav, HTTP Range; personal data, audited)",
        params: Type.Object({
          tenantId: Type.String(),
          taskId: Type.String(),
          attemptId: Type.Integer({ minimum: 1 }),
        }),
        // Documents the file; it is sent as a stream (no serialisation).
        response: {
          200: {
            description: 'The stereo WAV: customer left, Outbound right',
            content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
          },
          206: {
            description: 'The requested byte range of the WAV',
            content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId, taskId, attemptId } = req.params;
      const p = requireTenant(req, tenantId, 'read');
      assertVisible(await getTask(db, tenantId, taskId), taskId, p);
      if (!maySeePersonalData(p))
        throw new AppError(
          'forbidden',
          'recordings hold personal data, which this key may not hear (role viewer)',
        );
      const row = await getAttemptRecording(db, tenantId, taskId, attemptId);
      if (!row) throw new AppError('not_found', `attempt ${attemptId} not found in this task`);
      if (!row.recording) {
        throw new AppError(
          'not_found',
          row.removedAt
            ? `the recording of attempt ${attemptId} expired and was removed on ${row.removedAt.toISOString()}`
            : `attempt ${attemptId} has no recording`,
        );
      }
      const file = path.resolve(row.recording.file);
      // Only what lies in the recordings directory is ever served, whatever the detail says.
      if (!insideDir(file, root)) {
        logger?.warn({ attemptId, file }, 'recording outside the recordings directory refused');
        throw new AppError('not_found', `the recording of attempt ${attemptId} is not available`);
      }
      if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile())
        throw new AppError('not_found', `the recording file of attempt ${attemptId} is missing`);
      await audit(db, {
        tenantId,
        at: clock.now(),
        actor: p.actor,
        action: 'recordings.read',
        subject: taskId,
        detail: { attemptId, ...(req.headers.range ? { range: req.headers.range } : {}) },
      });
      reply.header('cache-control', 'private, no-store');
      return reply
        .type('audio/wav')
        .sendFile(path.relative(root, file), { cacheControl: false, dotfiles: 'deny' });
    },
  );
};
