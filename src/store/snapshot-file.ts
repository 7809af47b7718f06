/**
 * The lowdb adapter for the file store's snapshot: JSON with one document per line.
 *
 * lowdb's own JSONFile pretty-prints the whole store with one `JSON.stringify(data, null, 2)`: V8 takes
 * its slow path for an indent, the event loop is blocked for the whole serialisation (~3 s at 100k
 * payments), and past V8's longest string (~512 MB, ~140k payments) it throws `Invalid string length`,
 * so a grown store could no longer compact at all. This adapter writes the same JSON value in chunks
 * of about 1 MB, one document per line (still readable, and greppable), to a temp file it then renames
 * over the data file, as lowdb does. It reads any JSON layout whole up to `wholeParseMaxBytes`, and
 * larger files (which only this writer produces) line by line.
 *
 *   {
 *     "version": 1,
 *     "payments": {
 *       "pay_1": {"id":"pay_1","amount":2000,…},
 *       "pay_2": {"id":"pay_2","amount":500,…}
 *     },
 *     "refunds": {}
 *   }
 */
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Adapter } from 'lowdb';
import { openPrivateWrite } from '../private-files.js';
import { mergeSnapshot } from './snapshot-merge.js';

/** Files up to this size are parsed with one JSON.parse (any layout); larger ones line by line. */
export const WHOLE_PARSE_MAX_BYTES = 256 * 1024 * 1024;
/**
 * Characters serialised before each write to the temp file: ~10 ms of work between yields (4 MB held
 * the event loop ~25 ms a chunk while a background compaction ran beside live requests).
 */
const CHUNK_CHARS = 1024 * 1024;

type SnapshotValue = Record<string, unknown>;

/** One top-level key of a snapshot: any JSON value, or documents written one a line keyed by their id. */
export type SnapshotPart = { key: string; value: unknown } | { key: string; docs: readonly { readonly id: string }[] };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` is an object of documents each stored under its own id (what a collection is). */
function isDocsById(value: unknown): value is Record<string, { id: string }> {
  return isPlainObject(value) && Object.entries(value).every(([id, doc]) => isPlainObject(doc) && doc.id === id);
}

/**
 * Reads and writes a snapshot: an object whose values are scalars or objects of documents.
 *
 * @example
 * const db = new Low(new SnapshotFile<Snapshot>('.paycli/sandbox.json'), emptySnapshot());
 */
export class SnapshotFile<T extends SnapshotValue> implements Adapter<T> {
  readonly filename: string;
  readonly #wholeParseMaxBytes: number;

  constructor(filename: string, options: { wholeParseMaxBytes?: number } = {}) {
    this.filename = filename;
    this.#wholeParseMaxBytes = options.wholeParseMaxBytes ?? WHOLE_PARSE_MAX_BYTES;
  }

  /** The parsed file, or null when it does not exist. Throws SyntaxError when it is not valid JSON. */
  async read(): Promise<T | null> {
    let size: number;
    try {
      size = (await stat(this.filename)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (size <= this.#wholeParseMaxBytes) return JSON.parse(await readFile(this.filename, 'utf8')) as T;
    return (await this.#readByLine()) as T;
  }

  /** Writes `data` to a temp file in chunks, then renames it over the file (a kill leaves the old one). */
  async write(data: T): Promise<void> {
    await this.writeParts(
      Object.keys(data).map((key): SnapshotPart => {
        const value = data[key];
        return isDocsById(value) ? { key, docs: Object.values(value) } : { key, value };
      }),
    );
  }

  /**
   * Writes the snapshot made of `parts`, in order, as `write()` does. Documents are serialised about 1 MB
   * at a time with a file write (so the event loop runs) between chunks; the caller must not change
   * the `docs` arrays meanwhile. `beforeRename` may veto the rename by throwing (the temp file is removed).
   * The file is private (0600); a temp path that is a symbolic link is refused, not followed.
   */
  async writeParts(parts: readonly SnapshotPart[], beforeRename?: () => Promise<void>): Promise<void> {
    await this.#writeThenRename(async (file) => {
      let chunk: string[] = ['{'];
      let chars = 1;
      const push = (text: string): void => {
        chunk.push(text);
        chars += text.length;
      };
      for (const [k, part] of parts.entries()) {
        const comma = k < parts.length - 1 ? ',' : '';
        const key = JSON.stringify(part.key);
        if (!('docs' in part) || part.docs.length === 0) {
          push(`\n  ${key}: ${'docs' in part ? '{}' : JSON.stringify(part.value)}${comma}`);
          continue;
        }
        push(`\n  ${key}: {`);
        const last = part.docs.length - 1;
        for (const [d, doc] of part.docs.entries()) {
          push(`\n    ${JSON.stringify(doc.id)}: ${JSON.stringify(doc)}${d < last ? ',' : ''}`);
          if (chars >= CHUNK_CHARS) {
            await file.write(chunk.join('')); // the event loop runs while the chunk is written
            chunk = [];
            chars = 0;
          }
        }
        push(`\n  }${comma}`);
      }
      push('\n}\n');
      await file.write(chunk.join(''));
    }, beforeRename);
  }

  /**
   * Writes, as `writeParts` would, the snapshot this file holds now with the journal `segments` applied
   * (oldest first), copying the documents' bytes from both instead of serialising them again
   * (`snapshot-merge.ts`); returns how many documents it holds. Throws SnapshotLayoutError when this
   * file is not in the layout `writeParts` writes (the file is then left as it was).
   */
  async writeMerged(segments: readonly string[]): Promise<number> {
    let docs = 0;
    await this.#writeThenRename(async (file) => {
      docs = await mergeSnapshot(this.filename, segments, async (chunks) => {
        const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        const { bytesWritten } = await file.writev(chunks);
        if (bytesWritten !== total) throw new Error(`short write: ${bytesWritten} of ${total} bytes`);
      });
    });
    return docs;
  }

  /**
   * Fills a private temp file beside the data file through `fill`, then renames it over the data file
   * (a kill leaves the old one). `beforeRename` may veto the rename by throwing; the temp file is then
   * removed, as after any failure. A temp path that is a symbolic link is refused, not followed.
   */
  async #writeThenRename(fill: (file: FileHandle) => Promise<void>, beforeRename?: () => Promise<void>): Promise<void> {
    const dir = path.dirname(this.filename);
    const tmp = path.join(dir, `.${path.basename(this.filename)}.tmp`);
    const file = await openPrivateWrite(tmp);
    let ok = false;
    let closed = false;
    try {
      await fill(file);
      closed = true;
      await file.close();
      await beforeRename?.();
      ok = true;
    } finally {
      if (!closed) await file.close();
      if (!ok) await rm(tmp, { force: true });
    }
    await rename(tmp, this.filename);
  }

  /** Parses the layout `write()` produces, one line at a time (no string as long as the file). */
  async #readByLine(): Promise<SnapshotValue> {
    const result: SnapshotValue = {};
    let collection: Record<string, unknown> | null = null;
    let lineNo = 0;
    let ended = false;
    const bad = (what: string) => new SyntaxError(`line ${lineNo} of a snapshot too large to parse whole: ${what}`);
    const entry = (text: string): [string, unknown] => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(`{${text}}`);
      } catch (err) {
        throw bad((err as Error).message);
      }
      const pairs = Object.entries(parsed as object);
      if (pairs.length !== 1) throw bad('expected one "key": value per line');
      return pairs[0]!;
    };
    const lines = createInterface({ input: createReadStream(this.filename, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const raw of lines) {
      lineNo++;
      const line = raw.trim().replace(/,$/, '');
      if (line === '') continue;
      if (ended) throw bad('text after the closing brace');
      if (lineNo === 1) {
        if (line !== '{') throw bad('expected "{"');
      } else if (collection !== null) {
        if (line === '}') collection = null;
        else {
          const [id, doc] = entry(line);
          collection[id] = doc;
        }
      } else if (line === '}') {
        ended = true;
      } else if (line.endsWith('{')) {
        const [key] = entry(`${line}}`);
        collection = {};
        result[key] = collection;
      } else {
        const [key, value] = entry(line);
        result[key] = value;
      }
    }
    if (!ended) throw bad('the file ends before its closing brace');
    return result;
  }
}
