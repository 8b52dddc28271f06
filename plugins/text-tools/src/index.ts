// Official plugin: everyday text operations. Pure functions; users' regular expressions run on
// re2js (RE2), so none of them can backtrack catastrophically.
import { definePlugin } from '@plugboard/sdk';
import { changeCase, cleanWhitespace, count, truncate } from './format-nodes.ts';
import { join, replace, split } from './list-nodes.ts';

export { changeCase, cleanWhitespace, count, join, replace, split, truncate };

export default definePlugin({
  id: 'text-tools',
  version: '1.0.0',
  displayName: 'Text tools',
  description:
    'Everyday text operations: change case, clean whitespace, find and replace (literal or regular expression), split, join, count and truncate.',
  author: 'Plugboard',
  nodes: [changeCase, cleanWhitespace, replace, split, join, count, truncate],
});
