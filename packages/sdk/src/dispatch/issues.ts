/**
 * @module zod issues → protocol issues, rooted at the part of the request they came from.
 */
import type { z } from 'zod';
import type { Issue } from '@plugboard/protocol';

export function toIssues(error: z.ZodError, root: readonly (string | number)[]): Issue[] {
  return error.issues.map((issue) => ({
    path: [...root, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: issue.message,
    code: issue.code,
  }));
}

export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
