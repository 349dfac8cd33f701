/** The TypeScript source for every schema of `doc.components.schemas`, in name order; throws on what it cannot map. */
export function generate(doc: unknown): string;
