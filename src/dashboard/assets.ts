/**
 * The dashboard's and buyer pages' static files: served from the package (no CDN, works offline), read
 * from disk on first request and kept in memory, so they cost the sandbox's start nothing. Chart.js is
 * served from its own package's prebuilt bundle.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/dashboard/assets, from both src/dashboard (tests) and dist/dashboard (the package). */
const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'dashboard', 'assets');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Every file that may be served, by public name; nothing else on disk is reachable. */
const FILES: Record<string, () => string> = {
  'index.html': () => path.join(ASSETS_DIR, 'index.html'),
  'app.js': () => path.join(ASSETS_DIR, 'app.js'),
  'ui.js': () => path.join(ASSETS_DIR, 'ui.js'),
  'views.js': () => path.join(ASSETS_DIR, 'views.js'),
  'views-more.js': () => path.join(ASSETS_DIR, 'views-more.js'),
  'views-settings.js': () => path.join(ASSETS_DIR, 'views-settings.js'),
  'i18n.js': () => path.join(ASSETS_DIR, 'i18n.js'),
  'app.css': () => path.join(ASSETS_DIR, 'app.css'),
  'buyer.css': () => path.join(ASSETS_DIR, 'buyer.css'),
  'favicon.svg': () => path.join(ASSETS_DIR, 'favicon.svg'),
  'chart.umd.min.js': () => path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'),
};

export interface Asset {
  type: string;
  body: Buffer;
}

const cache = new Map<string, Asset>();

/** The asset with this public name, or null when there is none. */
export function asset(name: string): Asset | null {
  const cached = cache.get(name);
  if (cached) return cached;
  const locate = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!locate) return null;
  const file = locate();
  const loaded = { type: TYPES[path.extname(file)] ?? 'application/octet-stream', body: readFileSync(file) };
  cache.set(name, loaded);
  return loaded;
}
