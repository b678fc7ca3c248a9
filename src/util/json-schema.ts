/**
 * A JSON Schema object (draft-07 with $defs, which yaml-language-server and ajv both understand).
 * Shared by the config loader, the connector specs and the mapping and code-table schemas: it
 * lives here, below all of them.
 */
export type JsonSchema = { readonly [key: string]: unknown };
