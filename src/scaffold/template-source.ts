/**
 * Reads template layers from disk. Templates are plain files under src/scaffold/templates/<layer>/, each
 * named `<target>.tmpl` so neither tsc nor vitest mistakes them for the project's own code. They are read
 * from the package's own `src/scaffold/templates` at run time (tsc does not copy non-TS files into dist/),
 * which works from src/ (tests), from dist/ (the built CLI) and from an installed package (listed in
 * package.json `files`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaycliError } from '../errors.js';

/** src/scaffold/templates of this package, from src/scaffold/ and from dist/scaffold/ alike. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../src/scaffold/templates/', import.meta.url));

/** One layer's files: target path (posix, relative) → template text. */
export type TemplateLayer = ReadonlyMap<string, string>;

/** Where templates come from; tests can pass an in-memory source. */
export interface TemplateSource {
  layer(name: string): TemplateLayer;
}

/**
 * Maps a template file's path to the path it is written to: drops `.tmpl`, and turns a leading `dot-` in
 * any segment into `.` (npm drops `.gitignore` files from packages, so templates never start with a dot).
 *
 * @example
 * targetPath('dot-github/workflows/paycli.yml.tmpl') // '.github/workflows/paycli.yml'
 */
export function targetPath(templatePath: string): string {
  return templatePath
    .replace(/\.tmpl$/, '')
    .split('/')
    .map((segment) => (segment.startsWith('dot-') ? `.${segment.slice(4)}` : segment))
    .join('/');
}

function walk(dir: string, prefix: string, out: Map<string, string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, rel, out);
    else if (entry.name.endsWith('.tmpl')) out.set(targetPath(rel), readFileSync(full, 'utf8'));
  }
}

/** Reads layers from a templates directory (default: this package's), caching each layer. */
export function directoryTemplateSource(root: string = TEMPLATES_DIR): TemplateSource {
  const cache = new Map<string, TemplateLayer>();
  return {
    layer(name) {
      let layer = cache.get(name);
      if (!layer) {
        const files = new Map<string, string>();
        try {
          walk(path.join(root, name), '', files);
        } catch (err) {
          throw new PaycliError('internal_error', `Template layer "${name}" is missing from ${root}.`, { cause: err });
        }
        layer = files;
        cache.set(name, layer);
      }
      return layer;
    },
  };
}
