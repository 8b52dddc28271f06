// Markdown → HTML with marked, optional GitHub-style heading ids, and sanitising with sanitize-html;
// Markdown → plain text by walking marked's tokens.
import { Marked, Parser, TextRenderer, type Token, type Tokens } from 'marked';
import { gfmHeadingId, getHeadingList } from 'marked-gfm-heading-id';
import sanitizeHtml from 'sanitize-html';

export interface RenderOptions {
  readonly gfm: boolean;
  readonly breaks: boolean;
  readonly headingIds: boolean;
  readonly headingIdPrefix: string;
  readonly sanitize: boolean;
}

export interface Heading {
  level: number;
  text: string;
  id?: string;
}

/**
 * What survives sanitising: sanitize-html's conservative defaults (no script, style, iframe,
 * form, event handler or javascript: URL) plus what Markdown itself produces: images, heading
 * ids, code language classes, table alignment, task-list checkboxes and list start numbers.
 */
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'input', 'del', 's'],
  allowedAttributes: {
    a: ['href', 'name', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    h1: ['id'],
    h2: ['id'],
    h3: ['id'],
    h4: ['id'],
    h5: ['id'],
    h6: ['id'],
    code: ['class'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedClasses: { code: ['language-*'] },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  exclusiveFilter: (frame) =>
    frame.tag === 'input' &&
    (frame.attribs['type'] !== 'checkbox' || !('disabled' in frame.attribs)),
};

function sanitize(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

export function renderHtml(
  markdown: string,
  options: RenderOptions,
): { html: string; headings: Heading[] } {
  const marked = new Marked({ gfm: options.gfm, breaks: options.breaks });
  if (options.headingIds) {
    marked.use(gfmHeadingId({ prefix: options.headingIdPrefix }));
  }
  const tokens = marked.lexer(markdown);
  // parse() is synchronous without async extensions; the heading list is the extension's record
  // of this very parse (it resets it in its preprocess hook), read before anything else runs.
  const html = marked.parse(markdown, { async: false });
  const headings: Heading[] = options.headingIds
    ? getHeadingList().map(({ level, raw, id }) => ({ level, text: raw, id }))
    : collectHeadings(tokens);
  return { html: options.sanitize ? sanitize(html) : html, headings };
}

/** marked's text renderer, minus inline HTML tags (the text between them is kept). */
class PlainTextRenderer extends TextRenderer {
  override html(): string {
    return '';
  }

  override br(): string {
    return '\n';
  }
}

const textParser = new Parser();
const textRenderer = new PlainTextRenderer();
textRenderer.parser = textParser;

/** Inline tokens as the words a reader sees: no markup, entities decoded, images by alt text. */
function inlineText(tokens: Token[] | undefined, fallback: string): string {
  if (tokens === undefined) {
    return fallback;
  }
  return decodeEntities(textParser.parseInline(tokens, textRenderer));
}

function decodeEntities(text: string): string {
  return text.replace(
    /&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|#39|apos|nbsp);/gi,
    (match, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#x')) {
        return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
      }
      if (lower.startsWith('#')) {
        return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
      }
      const named: Record<string, string> = {
        amp: '&',
        lt: '<',
        gt: '>',
        quot: '"',
        apos: "'",
        nbsp: '\u00a0',
      };
      return named[lower] ?? match;
    },
  );
}

function collectHeadings(tokens: Token[]): Heading[] {
  const found: Heading[] = [];
  const visit = (list: Token[]): void => {
    for (const token of list) {
      if (token.type === 'heading') {
        const heading = token as Tokens.Heading;
        found.push({ level: heading.depth, text: inlineText(heading.tokens, heading.text) });
      } else if (token.type === 'blockquote') {
        visit((token as Tokens.Blockquote).tokens);
      } else if (token.type === 'list') {
        for (const item of (token as Tokens.List).items) {
          visit(item.tokens);
        }
      }
    }
  };
  visit(tokens);
  return found;
}

/** Plain text for search indexes, previews and messages: block structure kept as line breaks. */
export function renderText(markdown: string, gfm: boolean): string {
  const marked = new Marked({ gfm });
  const blocks = (tokens: Token[], indent: string): string[] => {
    const out: string[] = [];
    for (const token of tokens) {
      switch (token.type) {
        case 'heading':
        case 'paragraph':
        case 'text': {
          const t = token as Tokens.Heading | Tokens.Paragraph | Tokens.Text;
          out.push(indent + inlineText(t.tokens, t.text));
          break;
        }
        case 'code':
          out.push((token as Tokens.Code).text.replace(/^/gm, indent));
          break;
        case 'blockquote':
          out.push(...blocks((token as Tokens.Blockquote).tokens, indent));
          break;
        case 'list': {
          const list = token as Tokens.List;
          const start = typeof list.start === 'number' ? list.start : 1;
          list.items.forEach((item, i) => {
            const bullet = list.ordered ? `${String(start + i)}. ` : '- ';
            const box = item.task ? (item.checked === true ? '[x] ' : '[ ] ') : '';
            const inner = blocks(item.tokens, `${indent}  `).join('\n').trimStart();
            out.push(`${indent}${bullet}${box}${inner}`);
          });
          break;
        }
        case 'table': {
          const table = token as Tokens.Table;
          const row = (cells: Tokens.TableCell[]): string =>
            indent + cells.map((c) => inlineText(c.tokens, c.text)).join('\t');
          out.push([row(table.header), ...table.rows.map(row)].join('\n'));
          break;
        }
        case 'html':
          out.push(
            decodeEntities(
              sanitizeHtml((token as Tokens.HTML).text, { allowedTags: [], allowedAttributes: {} }),
            ).trim(),
          );
          break;
        default:
          break;
      }
    }
    return out.filter((block) => block.trim() !== '');
  };
  return blocks(marked.lexer(markdown), '').join('\n\n');
}
