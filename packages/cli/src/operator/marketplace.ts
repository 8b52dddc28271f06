/**
 * @module `plugboard plugins search`: the marketplace, through /api/marketplace.
 */
import type { OperatorContext } from './context.ts';
import { formatTable, json } from './format.ts';

interface Listing {
  readonly source: string;
  readonly plugins: readonly {
    name: string;
    description: string;
    versions: string[];
    latest: string;
    installed?: { status: string; version?: string };
  }[];
}

export async function searchMarketplace(
  ctx: OperatorContext,
  text: string | undefined,
): Promise<void> {
  const query = text === undefined ? '' : `?q=${encodeURIComponent(text)}`;
  const listing = await ctx.client.json<Listing>('GET', `/api/marketplace${query}`);
  if (ctx.json) {
    ctx.output.result(json(listing));
    return;
  }
  if (listing.plugins.length === 0) {
    ctx.output.result(
      text === undefined
        ? 'The marketplace is empty.'
        : `Nothing in the marketplace matches "${text}".`,
    );
    return;
  }
  ctx.output.result(
    formatTable(
      [
        { header: 'NAME' },
        { header: 'LATEST' },
        { header: 'INSTALLED' },
        { header: 'DESCRIPTION', max: 70 },
      ],
      listing.plugins.map((p) => [
        p.name,
        p.latest,
        p.installed === undefined
          ? '-'
          : `${p.installed.version ?? ''} ${p.installed.status}`.trim(),
        p.description,
      ]),
    ),
  );
  ctx.output.info(`from ${listing.source}; install with: plugboard plugins install <name>`);
}
