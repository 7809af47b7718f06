/**
 * The JSON Schema of scenario files, generated from the zod schema so the two cannot drift apart. It is
 * shipped as `schema/scenario.schema.json` (a test keeps the file in step); editors use it through
 * `# yaml-language-server: $schema=…` or `"$schema"` in JSON files.
 */
import { z } from 'zod';
import { scenarioSchema } from './schema.js';

export const SCENARIO_SCHEMA_ID = 'https://paycli.dev/schema/scenario.schema.json';

/** The JSON Schema document for scenario files (the input side: durations as written, e.g. "30m"). */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema: schema.$schema, $id: SCENARIO_SCHEMA_ID, ...schema };
}

/** The file's text: pretty JSON with a final newline. */
export function scenarioJsonSchemaText(): string {
  return JSON.stringify(scenarioJsonSchema(), null, 2) + '\n';
}
