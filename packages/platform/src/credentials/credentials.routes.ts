/**
 * @module `/api/.../credentials`: store credentials for a plugin's integration (checked against
 * its schema and its ready check first), list them, re-test, replace and delete them. Answers
 * never carry the data.
 */
import { errorEnvelopeSchema } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkedCredentialSchema, credentialViewSchema } from '@plugboard/platform-api';
import { PlatformError } from '../errors.ts';
import type { CredentialChecks } from './credential-checks.ts';
import type { CredentialRecord, CredentialsRepository } from './credentials-repository.ts';

const data = z
  .record(z.string(), z.unknown())
  .describe("Matches the integration's credential schema; stored encrypted, never shown again.");
const idParams = z.object({ id: z.string().min(1).max(128) });
const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
  422: errorEnvelopeSchema,
  502: errorEnvelopeSchema,
};

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

  app.post('/api/plugins/:pluginId/integrations/:integration/credentials', {
    schema: {
      summary:
        "Store credentials for a plugin's integration, once they match its schema and its ready check accepts them",
      params: z.object({
        pluginId: z.string().min(1).max(128),
        integration: z.string().min(1).max(128),
      }),
      body: z.object({ name: z.string().min(1).max(128), data }),
      response: { 201: checkedCredentialSchema, ...errors },
    },
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

  app.get('/api/credentials', {
    schema: {
      summary: 'Stored credentials (names and owners only, never the data), newest first',
      querystring: z.strictObject({ pluginId: z.string().min(1).max(128).optional() }),
      response: { 200: z.object({ credentials: z.array(credentialViewSchema) }), ...errors },
    },
    handler: async (request) => ({
      credentials: await credentials.list({ pluginId: request.query.pluginId }),
    }),
  });

  app.get('/api/credentials/:id', {
    schema: {
      summary: 'One stored credential (never the data)',
      params: idParams,
      response: { 200: credentialViewSchema, ...errors },
    },
    handler: async (request) => existing(request.params.id),
  });

  app.post('/api/credentials/:id/test', {
    schema: {
      summary: "Run the plugin's ready check on stored credentials again",
      params: idParams,
      response: {
        200: z.object({
          id: z.string(),
          ready: z.boolean(),
          message: z.string().optional().describe('Why not, when the plugin says.'),
        }),
        ...errors,
      },
    },
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

  app.put('/api/credentials/:id', {
    schema: {
      summary: "Replace stored credentials' data, with the same checks as storing them",
      params: idParams,
      body: z.object({ data }),
      response: { 200: checkedCredentialSchema, ...errors },
    },
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

  app.delete('/api/credentials/:id', {
    schema: {
      summary: 'Delete stored credentials',
      params: idParams,
      response: { 204: z.null().describe('Deleted.'), ...errors },
    },
    handler: async (request, reply) => {
      if (!(await credentials.delete(request.params.id))) {
        throw new PlatformError('PLAT_CREDENTIAL_NOT_FOUND', `no credentials ${request.params.id}`);
      }
      return reply.code(204).send(null);
    },
  });
};
