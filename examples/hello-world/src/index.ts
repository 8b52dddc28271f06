// The example plugin `npm start` serves: one node with config, one that streams a file.
import { defineNode, definePlugin, file, PluginError, z } from '@plugboard/sdk';

export const greet = defineNode({
  name: 'greet',
  title: 'Greet',
  description: 'Greets someone by name.',
  category: 'text',
  inputs: z.object({ name: z.string().min(1) }),
  outputs: z.object({ greeting: z.string() }),
  config: z.object({ punctuation: z.enum(['.', '!']).default('.') }),
  run: (_ctx, { name }, { punctuation }) => ({ greeting: `Hello, ${name}${punctuation}` }),
});

export const wordCount = defineNode({
  name: 'word-count',
  title: 'Count words',
  description: 'Counts the words of a text file, reading it as a stream.',
  category: 'files',
  inputs: z.object({ document: file() }),
  outputs: z.object({ words: z.number().int(), bytes: z.number().int() }),
  run: async (ctx, { document }) => {
    if (!document.contentType.startsWith('text/')) {
      throw new PluginError(`${document.name} is ${document.contentType}; give a text file`, {
        code: 'NOT_TEXT',
      });
    }
    let words = 0;
    let bytes = 0;
    let inWord = false;
    const decoder = new TextDecoder();
    for await (const chunk of await ctx.files.open(document).stream()) {
      bytes += chunk.byteLength;
      for (const char of decoder.decode(chunk, { stream: true })) {
        const space = /\s/.test(char);
        if (!space && !inWord) {
          words += 1;
        }
        inWord = !space;
      }
    }
    return { words, bytes };
  },
});

export default definePlugin({
  id: 'hello-world',
  version: '1.0.0',
  displayName: 'Hello world',
  description: 'Example plugin: a greeting and a streaming word count.',
  author: 'Plugboard',
  nodes: [greet, wordCount],
});
