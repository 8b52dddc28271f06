/**
 * @module The one JSON shape of a plugin source, wherever a source is named: the Plugin Server's
 * API, the platform's API and the desired state.
 */
import { z } from 'zod';
import { checkGitUrlRules } from './git-url-rules.ts';

export const gitSourceSchema = z
  .object({
    type: z.literal('git'),
    url: z
      .string()
      .min(1)
      .max(2048)
      .refine((url) => !hasCredentials(url), {
        message: 'put no credentials in the URL; give the token as "token" (it is kept encrypted)',
      })
      .superRefine((url, ctx) => {
        const checked = checkGitUrlRules(url);
        if (!checked.ok && !hasCredentials(url)) {
          ctx.addIssue({ code: 'custom', message: checked.problem });
        }
      })
      .describe('https URL of the repository (no credentials in it).'),
    ref: z.string().min(1).max(256).optional().describe('Branch or tag.'),
    commit: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/)
      .optional()
      .describe('Exact commit; wins over ref.'),
    subdirectory: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe('Folder of the plugin inside the repository.'),
    token: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('Token for a private repository; never logged or reported.'),
  })
  .meta({ id: 'GitSource' });

export const uploadSourceSchema = z
  .object({ type: z.literal('upload'), fileId: z.string().min(1).max(256) })
  .meta({ id: 'UploadSource' });

export const marketplaceSourceSchema = z
  .object({
    type: z.literal('marketplace'),
    name: z.string().min(1).max(128),
    version: z.string().min(1).max(64).optional(),
  })
  .meta({ id: 'MarketplaceSource' });

export const localSourceSchema = z
  .object({ type: z.literal('local'), path: z.string().min(1).max(4096) })
  .meta({ id: 'LocalSource' });

export const pluginSourceSchema = z
  .discriminatedUnion('type', [
    gitSourceSchema,
    uploadSourceSchema,
    marketplaceSourceSchema,
    localSourceSchema,
  ])
  .meta({ id: 'PluginSource' });

export type GitSource = z.infer<typeof gitSourceSchema>;
export type UploadSource = z.infer<typeof uploadSourceSchema>;
export type MarketplaceSource = z.infer<typeof marketplaceSourceSchema>;
export type LocalSource = z.infer<typeof localSourceSchema>;
export type PluginSource = z.infer<typeof pluginSourceSchema>;

/** user:password@ in the URL would be stored and shown as the source; tokens go in `token`. */
function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    // Not a URL at all: the Plugin Server's URL checks refuse it with their own reason.
    return /^[^/]*\/\/[^/]*@/.test(url);
  }
}

/** What is shown in place of a secret (a git token, a secret config field); sent back, it keeps it. */
export const MASKED = '********';

/**
 * A source as it may be shown, logged or stored outside its sealed place: a git token, given
 * here or (`hasSealedToken`) kept apart, reads as MASKED.
 */
export function redactSource(
  source: PluginSource,
  hasSealedToken = false,
): Record<string, unknown> {
  if (source.type !== 'git') {
    return { ...source };
  }
  const { token, ...rest } = source;
  return token === undefined && !hasSealedToken ? rest : { ...rest, token: MASKED };
}
