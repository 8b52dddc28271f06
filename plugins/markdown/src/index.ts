// Official plugin: Markdown to HTML (sanitised unless you say otherwise) and to plain text.
import {
  defineNode,
  definePlugin,
  file,
  PluginError,
  z,
  type ExecutionContext,
  type FileRef,
} from '@plugboard/sdk';
import { renderHtml, renderText } from './render.ts';

/** Markdown files are read whole (the renderer needs the whole text); this keeps that bounded. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

const source = z.object({
  markdown: z.string().optional().describe('The Markdown text. Give this or file, not both.'),
  file: file().optional().describe('A Markdown file (UTF-8, up to 10 MiB). Give this or markdown.'),
});

const gfm = z
  .boolean()
  .default(true)
  .describe('GitHub Flavored Markdown: tables, ~~strikethrough~~, task lists and bare-URL links.');

async function readSource(
  ctx: Pick<ExecutionContext<unknown, unknown>, 'files'>,
  inputs: z.output<typeof source>,
): Promise<{ text: string; name: string | undefined }> {
  if ((inputs.markdown === undefined) === (inputs.file === undefined)) {
    throw new PluginError('Give the Markdown either as text (markdown) or as a file, not both', {
      code: 'ONE_SOURCE_NEEDED',
    });
  }
  if (inputs.markdown !== undefined) {
    return { text: inputs.markdown, name: undefined };
  }
  const ref = inputs.file as FileRef;
  if (ref.size !== undefined && ref.size > MAX_FILE_BYTES) {
    throw new PluginError(
      `${ref.name} is ${String(ref.size)} bytes; Markdown files up to ${String(MAX_FILE_BYTES)} bytes are rendered`,
      { code: 'FILE_TOO_LARGE', details: { size: ref.size, limit: MAX_FILE_BYTES } },
    );
  }
  // Read as a stream so a file without a declared size still cannot exceed the limit.
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of await ctx.files.open(ref).stream()) {
    size += chunk.byteLength;
    if (size > MAX_FILE_BYTES) {
      throw new PluginError(
        `${ref.name} is larger than ${String(MAX_FILE_BYTES)} bytes, the most that is rendered`,
        { code: 'FILE_TOO_LARGE', details: { limit: MAX_FILE_BYTES } },
      );
    }
    chunks.push(chunk);
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    return { text, name: ref.name };
  } catch {
    throw new PluginError(`${ref.name} is not UTF-8 text; give a Markdown file`, {
      code: 'NOT_TEXT',
    });
  }
}

const heading = z.object({
  level: z.number().int().min(1).max(6).describe('1 for #, 2 for ##, …'),
  text: z.string().describe('The heading as plain text.'),
  id: z.string().optional().describe('The id given to the heading element (with headingIds).'),
});

export const toHtml = defineNode({
  name: 'to-html',
  title: 'Markdown to HTML',
  description:
    'Renders Markdown (text or file) to HTML with marked. The HTML is SANITISED by default with sanitize-html: scripts, styles, iframes, forms, event handlers and javascript: links are removed, so it is safe to show. Turn sanitize off only for Markdown you trust; the HTML it contains then passes through unchanged (sanitized = false tells). Also lists the headings, for a table of contents.',
  category: 'text',
  inputs: source,
  outputs: z.object({
    html: z
      .string()
      .describe('The HTML fragment; sanitised unless the sanitize setting is off (see sanitized).'),
    sanitized: z.boolean().describe('Whether the HTML was sanitised.'),
    headings: z.array(heading).describe('Every heading in document order.'),
    file: file()
      .optional()
      .describe(
        'The HTML as a .html file, when outputFile is on (a full page with <meta charset>).',
      ),
  }),
  config: z.object({
    gfm,
    breaks: z
      .boolean()
      .default(false)
      .describe('Turn single line breaks into <br> (as in GitHub comments); needs gfm.'),
    headingIds: z
      .boolean()
      .default(true)
      .describe('Give headings GitHub-style ids ("## Get started" → id="get-started") for links.'),
    headingIdPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]*$/, 'use letters, digits, - and _')
      .default('')
      .describe('Put before every heading id, e.g. "doc-", to avoid clashes in a larger page.'),
    sanitize: z
      .boolean()
      .default(true)
      .describe(
        'Remove anything that can run code or change the page (script, style, iframe, on* attributes, javascript: URLs). Off: raw HTML in the Markdown is kept as written; only for trusted input.',
      ),
    outputFile: z.boolean().default(false).describe('Also save the HTML as a file.'),
    fileName: z
      .string()
      .min(1)
      .optional()
      .describe('Name of the HTML file; default: the Markdown file name with .html, or page.html.'),
  }),
  run: async (ctx, inputs, config) => {
    const { text, name } = await readSource(ctx, inputs);
    const { html, headings } = renderHtml(text, config);
    if (!config.outputFile) {
      return { html, sanitized: config.sanitize, headings };
    }
    const title = headings[0]?.text ?? name ?? 'Document';
    const page = `<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n</head>\n<body>\n${html}</body>\n</html>\n`;
    const fileName =
      config.fileName ?? `${(name ?? 'page').replace(/\.(md|markdown|txt)$/i, '')}.html`;
    const created = await ctx.files.create(page, {
      name: fileName,
      contentType: 'text/html; charset=utf-8',
    });
    return { html, sanitized: config.sanitize, headings, file: created };
  },
});

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

export const toText = defineNode({
  name: 'to-text',
  title: 'Markdown to plain text',
  description:
    'Strips Markdown formatting and returns the readable text (for previews, search or messages): paragraphs separated by blank lines, list bullets and code kept, links and images reduced to their text, HTML tags dropped.',
  category: 'text',
  inputs: source,
  outputs: z.object({ text: z.string().describe('The plain text.') }),
  config: z.object({ gfm }),
  run: async (ctx, inputs, config) => {
    const { text } = await readSource(ctx, inputs);
    return { text: renderText(text, config.gfm) };
  },
});

export default definePlugin({
  id: 'markdown',
  version: '1.0.0',
  displayName: 'Markdown',
  description:
    'Render Markdown to HTML (sanitised by default; GFM, line breaks, heading ids, optional .html file) and to plain text.',
  author: 'Plugboard',
  nodes: [toHtml, toText],
});
