/**
 * @module A plugin source in one line, as the lists show it.
 */
export function describeSource(source: Record<string, unknown>): string {
  const text = (key: string) => (typeof source[key] === 'string' ? source[key] : '');
  switch (source['type']) {
    case 'git':
      return [
        `git ${text('url')}`,
        text('ref') === '' ? '' : `@${text('ref')}`,
        text('commit') === '' ? '' : ` (${text('commit').slice(0, 10)})`,
        text('subdirectory') === '' ? '' : ` in ${text('subdirectory')}`,
      ].join('');
    case 'upload':
      return 'uploaded archive';
    case 'marketplace':
      return `marketplace: ${text('name')}${text('version') === '' ? '' : `@${text('version')}`}`;
    case 'local':
      return `local folder ${text('path')}`;
    default:
      return JSON.stringify(source);
  }
}
