/**
 * @module `/api/.../credentials`: store credentials for a plugin's integration (checked against
 * its schema and its ready check first), list them, re-test, replace and delete them. Answers
 * never carry the data.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchema, errorAnswers } from '../http/api-schema.ts';
import { z } from 'zod';
import { API_ROUTES as at } from '@plugboard/platform-api';
import { PlatformError } from '../errors.ts';
import type { CredentialChecks } from './credential-checks.ts';
import type { CredentialRecord, CredentialsRepository } from './credentials-repository.ts';

const errors = errorAnswers(400, 401, 404, 409, 422, 502);

export const credentialsRoutes: FastifyPluginAsyncZod<{
  credentials: CredentialsRepository;
  checks: CredentialChecks;
}> = async (app, { credentials, checks }) => {
  const existing = async (id: string): Promise<CredentialRecord> => {
    const record = await credentials.get(id);
    if (record === undefined) {
      throw new PlatformError('PLAT_CREDENTIAL_NOT_FOUND', `no credentials ${id}`);
    }
    return record;
  };

  app.post(at.createCredential.path, {
    schema: apiSchema('createCredential', errors),
    handler: async (request, reply) => {
      const target = request.params;
      // Checked before the ready call: no plugin round trip for a name that cannot be stored.
      const taken = (await credentials.list({ pluginId: target.pluginId })).some(
        (c) => c.integration === target.integration && c.name === request.body.name,
      );
      if (taken) {
        throw new PlatformError(
          'PLAT_CONFLICT',
          `${target.pluginId}'s integration ${target.integration} already has credentials named "${request.body.name}"`,
        );
      }
      await checks.accept(target, request.body.data);
      const record = await credentials.create({
        ...target,
        name: request.body.name,
        data: request.body.data,
      });
      return reply.code(201).send({ ...record, ready: true as const });
    },
  });

  app.get(at.listCredentials.path, {
    schema: apiSchema('listCredentials', errors),
    handler: async (request) => ({
      credentials: await credentials.list({ pluginId: request.query.pluginId }),
    }),
  });

  app.get(at.getCredential.path, {
    schema: apiSchema('getCredential', errors),
    handler: async (request) => existing(request.params.id),
  });

  app.post(at.testCredential.path, {
    schema: apiSchema('testCredential', errors),
    handler: async (request) => {
      const opened = await credentials.open(request.params.id);
      if (opened === undefined) {
        throw new PlatformError('PLAT_CREDENTIAL_NOT_FOUND', `no credentials ${request.params.id}`);
      }
      await checks.declaration(opened.record);
      const verdict = await checks.ready(opened.record, opened.data);
      return { id: opened.record.id, ...verdict };
    },
  });

  app.put(at.replaceCredential.path, {
    schema: apiSchema('replaceCredential', errors),
    handler: async (request) => {
      const record = await existing(request.params.id);
      await checks.accept(record, request.body.data);
      const replaced = await credentials.replaceData(record.id, request.body.data);
      if (replaced === undefined) {
        throw new PlatformError('PLAT_CREDENTIAL_NOT_FOUND', `no credentials ${record.id}`);
      }
      return { ...replaced, ready: true as const };
    },
  });

  app.delete(at.deleteCredential.path, {
    schema: apiSchema('deleteCredential', { 204: z.null().describe('Deleted.'), ...errors }),
    handler: async (request, reply) => {
      if (!(await credentials.delete(request.params.id))) {
        throw new PlatformError('PLAT_CREDENTIAL_NOT_FOUND', `no credentials ${request.params.id}`);
      }
      return reply.code(204).send(null);
    },
  });
};
