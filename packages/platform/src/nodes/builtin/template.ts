/**
 * @module `core/template`: text with `{{ name }}` / `{{ a.b[0].c }}` placeholders filled from
 * whatever inputs are wired to it.
 */
import { z } from 'zod';
import { defineBuiltin } from './define-builtin.ts';
import { parsePath, readPath } from './value-path.ts';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Missing values render as nothing, so an optional input does not print "undefined". */
function display(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  // Inputs arrive as JSON, so what is not a string is a number, a boolean or structure.
  return JSON.stringify(value);
}

function renderTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_, path: string) =>
    display(readPath(values, parsePath(path))),
  );
}

export const templateNode = defineBuiltin({
  name: 'template',
  title: 'Template',
  description:
    'Builds text from a template: {{ name }} or {{ name.field[0] }} inserts an input. Connect any inputs you name.',
  category: 'text',
  config: z.strictObject({ template: z.string().max(1_000_000) }),
  inputs: z.looseObject({}),
  outputs: z.object({ text: z.string() }),
  run: ({ config, inputs }) => ({ text: renderTemplate(config.template, inputs) }),
});
