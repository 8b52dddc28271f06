/**
 * @module `plugboard plugins search`: the marketplace, through /api/marketplace.
 */
import type { MarketplaceListing } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { formatTable, json } from './format.ts';

export async function searchMarketplace(
  ctx: OperatorContext,
  text: string | undefined,
): Promise<void> {
  const listing = await ctx.client.call(
    'marketplace',
    text === undefined ? {} : { query: { q: text } },
  );
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
        { header: 'ASKS FOR', max: 40 },
        { header: 'DESCRIPTION', max: 60 },
      ],
      listing.plugins.map((p) => [
        p.name,
        p.latest,
        p.installed === undefined
          ? '-'
          : `${p.installed.version ?? ''} ${p.installed.status}`.trim(),
        asksText(p),
        p.description,
      ]),
    ),
  );
  ctx.output.info(`from ${listing.source}; install with: plugboard plugins install <name>`);
}

/** What the latest version asks for; on an installed plugin, what it asks beyond that version. */
function asksText(plugin: MarketplaceListing['plugins'][number]): string {
  const before = plugin.installed?.asks;
  if (before === undefined) {
    return plugin.asks.join(', ') || '-';
  }
  const more = plugin.asks.filter((ask) => !before.includes(ask));
  return more.length === 0 ? plugin.asks.join(', ') || '-' : `more: ${more.join(', ')}`;
}
