/**
 * @module JSON with object keys sorted at every level, so equal values give equal bytes: what the
 * manifest content hash is computed over, and how configurations are compared.
 */

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      return v;
    }
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      sorted[key] = (v as Record<string, unknown>)[key];
    }
    return sorted;
  });
}
