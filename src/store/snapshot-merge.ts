/**
 * A background compaction's snapshot, made from the files rather than from memory: the previous
 * snapshot with the journal segments written since applied to it, as bytes.
 *
 * Serialising every document again (`JSON.stringify` of the whole store) was the largest single cost
 * of a request under sustained load: with compaction due each time the journal grows as large as the
 * snapshot, every document was serialised about twice more after its journal line, on the event loop.
 * The journal already holds each changed document's JSON, and the snapshot every other one's, so a
 * compaction only has to copy bytes: a document untouched since the snapshot keeps its line, a
 * replaced one takes its latest journal text in its place, a removed one is dropped, and one inserted
 * (or removed and inserted again) goes at the end of its collection in the order of that insertion.
 * That is exactly what replaying the same files at open produces, and the same bytes as `writeParts`
 * would write for that state (`snapshot-merge.test.ts` checks both).
 *
 * It reads only the layout `SnapshotFile.writeParts` writes, and journal lines as `putLine` and
 * `delLine` write them (others are parsed in full). Anything else (a snapshot written by hand or by an
 * older paycli) throws `SnapshotLayoutError`; the caller then discards what was written and serialises
 * its memory as before.
 */
import { open } from 'node:fs/promises';
import { parseJournal } from './data-file-format.js';
import { isCollectionName } from './store.js';

/** The previous snapshot or a journal line is not in the layout this merge reads. */
export class SnapshotLayoutError extends Error {}

/** Bytes read from a file at a time; the journal's pieces stay in memory while a line in them is the latest. */
const PIECE_BYTES = 8 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const PUT_HEAD = Buffer.from('{"op":"put","c":"');
const DEL_HEAD = Buffer.from('{"op":"del","c":"');
const CLEAR_LINE = Buffer.from('{"op":"clear"}');
const ID_KEY = Buffer.from(',"id":');
const DOC_KEY = Buffer.from(',"doc":');
const DOC_INDENT = Buffer.from('    ');
const COLLECTION_INDENT = Buffer.from('  ');
const FIRST_DOC = Buffer.from('\n');
const NEXT_DOC = Buffer.from(',\n');
const ID_SEPARATOR = Buffer.from(': ');
/** Bytes of the new snapshot gathered before they are written. */
const WRITE_BYTES = 4 * 1024 * 1024;

/** A document's latest state in the journal: where its id token and JSON are, in `buf`. */
interface Latest {
  /** The bytes holding its id as a JSON string (quotes included) and its JSON; null once removed. */
  buf: Buffer | null;
  tokenStart: number;
  tokenEnd: number;
  docStart: number;
  docEnd: number;
  /** Where it was (re)inserted, in journal order: its place among the collection's new documents. */
  seq: number;
  /** Removed and put again: it is new at the end, wherever it was in the snapshot. */
  reinserted: boolean;
  /** Its place in the snapshot was written (replaced or dropped there). */
  placed: boolean;
}

/** What the journal segments do to the snapshot. */
interface JournalEffect {
  /** A `clear` line: nothing of the snapshot remains. */
  cleared: boolean;
  /** Per collection, id token (latin1) → latest state; in the order collections were first seen. */
  collections: Map<string, Map<string, Latest>>;
}

/**
 * Calls `line(buf, start, end)` for each complete line of the file, and `afterPiece` after each piece
 * read; returns the bytes after the last newline. With `recycle`, two buffers take turns (fresh memory
 * costs a page fault per 4 KB), so `line` must not keep a reference to a piece past `afterPiece`;
 * without it, every piece is a buffer of its own.
 */
async function forEachLine(
  path: string,
  line: (buf: Buffer, start: number, end: number) => void,
  afterPiece?: () => Promise<void>,
  recycle = false,
): Promise<number> {
  const handle = await open(path, 'r');
  const buffers = recycle ? [Buffer.allocUnsafe(PIECE_BYTES), Buffer.allocUnsafe(PIECE_BYTES)] : [];
  let turn = 0;
  try {
    let carry: Buffer | null = null;
    for (;;) {
      // The piece read before this one may still hold `carry`: it is the other buffer.
      const piece = recycle ? buffers[turn++ % 2]! : Buffer.allocUnsafe(PIECE_BYTES);
      const { bytesRead } = await handle.read(piece, 0, PIECE_BYTES, null);
      if (bytesRead === 0) return carry?.length ?? 0;
      const buf = piece.subarray(0, bytesRead);
      let start = 0;
      if (carry !== null) {
        // The line begun in the previous piece: joined on its own, not by copying this whole piece.
        const nl = buf.indexOf(NEWLINE);
        if (nl < 0) {
          carry = Buffer.concat([carry, buf]);
          continue;
        }
        const joined = Buffer.concat([carry, buf.subarray(0, nl)]);
        line(joined, 0, joined.length);
        start = nl + 1;
      }
      for (let nl = buf.indexOf(NEWLINE, start); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
        line(buf, start, nl);
        start = nl + 1;
      }
      carry = start < buf.length ? buf.subarray(start) : null;
      await afterPiece?.();
    }
  } finally {
    await handle.close();
  }
}

function startsWith(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  return end - at >= prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** The end (index of the closing quote) of the JSON string starting at `at`, or -1. */
function stringEnd(buf: Buffer, at: number, end: number): number {
  if (buf[at] !== QUOTE) return -1;
  // Byte by byte: ids are short, and a search for a backslash would run on to the end of the piece.
  let i = at + 1;
  while (i < end && buf[i] !== QUOTE) i += buf[i] === BACKSLASH ? 2 : 1;
  return i < end ? i : -1;
}

/** Reads the journal segments, oldest first, into what they change. */
async function readJournal(segments: readonly string[]): Promise<JournalEffect> {
  const effect: JournalEffect = { cleared: false, collections: new Map() };
  let seq = 0;
  const collection = (name: string): Map<string, Latest> => {
    let docs = effect.collections.get(name);
    if (docs === undefined) effect.collections.set(name, (docs = new Map()));
    return docs;
  };
  const put = (name: string, buf: Buffer, tokenStart: number, tokenEnd: number, docStart: number, docEnd: number): void => {
    const docs = collection(name);
    const key = buf.toString('latin1', tokenStart, tokenEnd);
    const latest = docs.get(key);
    if (latest === undefined) {
      docs.set(key, { buf, tokenStart, tokenEnd, docStart, docEnd, seq: seq++, reinserted: false, placed: false });
      return;
    }
    // Replaced where it is; or removed before, and now inserted again at the end.
    if (latest.buf === null) Object.assign(latest, { seq: seq++, reinserted: true });
    Object.assign(latest, { buf, tokenStart, tokenEnd, docStart, docEnd });
  };
  const remove = (name: string, key: string): void => {
    const docs = collection(name);
    const latest = docs.get(key);
    if (latest === undefined) docs.set(key, { buf: null, tokenStart: 0, tokenEnd: 0, docStart: 0, docEnd: 0, seq: seq++, reinserted: false, placed: false });
    else latest.buf = null;
  };
  /** A put parsed in full: its token and JSON in a buffer of their own. */
  const putParsed = (name: string, id: string, doc: unknown): void => {
    const token = JSON.stringify(id);
    const buf = Buffer.from(token + JSON.stringify(doc));
    const tokenEnd = Buffer.byteLength(token);
    put(name, buf, 0, tokenEnd, tokenEnd, buf.length);
  };
  for (const segment of segments) {
    let lineNo = 0;
    await forEachLine(segment, (buf, start, end) => {
      lineNo++;
      if (end === start) return;
      if (fastLine(buf, start, end, put, remove)) return;
      if (end - start === CLEAR_LINE.length && startsWith(buf, start, end, CLEAR_LINE)) {
        effect.cleared = true;
        for (const docs of effect.collections.values()) docs.clear();
        return;
      }
      // Not as putLine/delLine write it: parse it in full (a bad line throws, as replay at open would).
      for (const entry of parseJournal(`${buf.toString('utf8', start, end)}\n`, segment, lineNo)) {
        if (entry.op === 'clear') {
          effect.cleared = true;
          for (const docs of effect.collections.values()) docs.clear();
        } else if (entry.op === 'put') putParsed(entry.c, entry.id, entry.doc);
        else remove(entry.c, Buffer.from(JSON.stringify(entry.id)).toString('latin1'));
      }
    });
    // A last line without its newline was torn by a kill, never acknowledged: dropped, as at open.
  }
  return effect;
}

/** A put or del line exactly as putLine/delLine write it, applied; false for anything else. */
function fastLine(
  buf: Buffer,
  start: number,
  end: number,
  put: (c: string, buf: Buffer, tokenStart: number, tokenEnd: number, docStart: number, docEnd: number) => void,
  remove: (c: string, key: string) => void,
): boolean {
  const isPut = startsWith(buf, start, end, PUT_HEAD);
  if (!isPut && !startsWith(buf, start, end, DEL_HEAD)) return false;
  const cStart = start + PUT_HEAD.length;
  const cEnd = buf.indexOf(QUOTE, cStart);
  if (cEnd < 0 || cEnd >= end) return false;
  const c = buf.toString('latin1', cStart, cEnd);
  if (!isCollectionName(c) || !startsWith(buf, cEnd + 1, end, ID_KEY)) return false;
  const idStart = cEnd + 1 + ID_KEY.length;
  const idEnd = stringEnd(buf, idStart, end);
  if (idEnd < 0) return false;
  if (!isPut) {
    if (idEnd + 2 !== end || buf[idEnd + 1] !== 0x7d) return false;
    remove(c, buf.toString('latin1', idStart, idEnd + 1));
    return true;
  }
  const docStart = idEnd + 1 + DOC_KEY.length;
  if (!startsWith(buf, idEnd + 1, end, DOC_KEY) || buf[docStart] !== 0x7b || buf[end - 1] !== 0x7d) return false;
  put(c, buf, idStart, idEnd + 1, docStart, end - 1);
  return true;
}

/**
 * Writes, through `write`, the snapshot `snapshotPath` with `segments` applied (oldest first); returns
 * how many documents it holds. Throws SnapshotLayoutError, having written nothing, when the snapshot
 * is not in the layout `SnapshotFile.writeParts` writes.
 */
export async function mergeSnapshot(snapshotPath: string, segments: readonly string[], write: (chunks: readonly Buffer[]) => Promise<void>): Promise<number> {
  const journal = await readJournal(segments);
  const out = new MergeWriter(journal, write);
  const tail = await forEachLine(
    snapshotPath,
    (buf, start, end) => out.snapshotLine(buf, start, end),
    () => out.flush(false),
    true,
  );
  if (tail !== 0) throw new SnapshotLayoutError('the snapshot does not end with a newline');
  return out.finish();
}

type Where = 'start' | 'version' | 'collections' | 'docs' | 'end' | 'done';

/** The new snapshot's bytes, copied into chunks of WRITE_BYTES; full chunks wait to be written. */
class ChunkedOutput {
  #full: Buffer[] = [];
  /** Chunks written already, to fill again rather than fault in fresh memory. */
  #spare: Buffer[] = [];
  #chunk: Buffer = Buffer.allocUnsafe(WRITE_BYTES);
  #at = 0;

  /** Chunks `take()` handed out are written: they may be filled again. */
  recycle(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) if (chunk.length === WRITE_BYTES && this.#spare.length < 4) this.#spare.push(chunk);
  }

  #next(): Buffer {
    return this.#spare.pop() ?? Buffer.allocUnsafe(WRITE_BYTES);
  }

  copy(from: Buffer, start: number, end: number): void {
    while (start < end) {
      const n = Math.min(end - start, this.#chunk.length - this.#at);
      from.copy(this.#chunk, this.#at, start, start + n);
      this.#at += n;
      start += n;
      if (this.#at === this.#chunk.length) {
        this.#full.push(this.#chunk);
        this.#chunk = this.#next();
        this.#at = 0;
      }
    }
  }

  /** The full chunks (and with `all`, the last one too), taken out. */
  take(all: boolean): Buffer[] {
    const taken = this.#full;
    this.#full = [];
    if (all && this.#at > 0) {
      taken.push(this.#chunk.subarray(0, this.#at));
      this.#chunk = this.#next();
      this.#at = 0;
    }
    return taken;
  }
}

/** Reads the previous snapshot line by line and writes the new one. */
class MergeWriter {
  readonly #journal: JournalEffect;
  readonly #write: (chunks: readonly Buffer[]) => Promise<void>;
  readonly #out = new ChunkedOutput();
  #where: Where = 'start';
  /** The collection whose documents are being read, and whether one was written yet. */
  #collection: Map<string, Latest> | undefined;
  #firstDoc = true;
  #docs = 0;
  /** Collections the snapshot had. */
  readonly #seen = new Set<string>();
  /**
   * Untouched documents' lines read but not yet copied: consecutive ones are copied as one range, the
   * `,\n` between them included, which is what would be written between them anyway.
   */
  #run: { buf: Buffer; start: number; end: number } | null = null;

  constructor(journal: JournalEffect, write: (chunks: readonly Buffer[]) => Promise<void>) {
    this.#journal = journal;
    this.#write = write;
  }

  /**
   * Writes the chunks filled so far (`all`: everything gathered). Called after each piece of the
   * snapshot: the run of untouched lines is copied first, since that piece's buffer is read into again.
   */
  async flush(all: boolean): Promise<void> {
    this.#endRun();
    const chunks = this.#out.take(all);
    if (chunks.length === 0) return;
    await this.#write(chunks);
    this.#out.recycle(chunks);
  }

  snapshotLine(buf: Buffer, start: number, end: number): void {
    const text = (): string => buf.toString('utf8', start, Math.min(end, start + 80));
    const bad = (what: string): SnapshotLayoutError => new SnapshotLayoutError(`${what}: ${text()}`);
    switch (this.#where) {
      case 'start':
        if (end - start !== 1 || buf[start] !== 0x7b) throw bad('expected "{"');
        this.#emit('{');
        this.#where = 'version';
        return;
      case 'version': {
        const line = buf.toString('latin1', start, end);
        if (line !== '  "version": 1,' && line !== '  "version": 1') throw bad('expected the version');
        this.#emit('\n  "version": 1');
        this.#where = line.endsWith(',') ? 'collections' : 'end';
        return;
      }
      case 'collections':
        return this.#collectionLine(buf, start, end, bad);
      case 'docs':
        if (startsWith(buf, start, end, DOC_INDENT)) return this.#docLine(buf, start, end, bad);
        if (!startsWith(buf, start, end, COLLECTION_INDENT) || buf[start + 2] !== 0x7d) throw bad('expected a document or "}"');
        this.#appendNew(this.#collection);
        this.#closeCollection();
        this.#where = end - start === 4 && buf[start + 3] === COMMA ? 'collections' : 'end';
        if (this.#where === 'end' && end - start !== 3) throw bad('expected "}"');
        return;
      case 'end':
        if (end - start !== 1 || buf[start] !== 0x7d) throw bad('expected the closing "}"');
        this.#where = 'done';
        return;
      default:
        throw bad('text after the closing brace');
    }
  }

  #collectionLine(buf: Buffer, start: number, end: number, bad: (what: string) => SnapshotLayoutError): void {
    const nameEnd = startsWith(buf, start, end, COLLECTION_INDENT) ? stringEnd(buf, start + 2, end) : -1;
    if (nameEnd < 0) throw bad('expected a collection');
    const name = buf.toString('latin1', start + 3, nameEnd);
    const rest = buf.toString('latin1', nameEnd + 1, end);
    if (!isCollectionName(name) || this.#seen.has(name)) throw bad('expected a collection name');
    this.#seen.add(name);
    this.#emit(`,\n  "${name}": {`);
    this.#collection = this.#journal.collections.get(name);
    this.#firstDoc = true;
    if (rest === ': {') {
      this.#where = 'docs';
      return;
    }
    if (rest !== ': {},' && rest !== ': {}') throw bad('expected a collection');
    this.#appendNew(this.#collection);
    this.#closeCollection();
    this.#where = rest.endsWith(',') ? 'collections' : 'end';
  }

  #docLine(buf: Buffer, start: number, end: number, bad: (what: string) => SnapshotLayoutError): void {
    const idStart = start + DOC_INDENT.length;
    const idEnd = stringEnd(buf, idStart, end);
    if (idEnd < 0 || buf[idEnd + 1] !== 0x3a || buf[idEnd + 2] !== 0x20 || buf[idEnd + 3] !== 0x7b) throw bad('expected a document');
    const lineEnd = buf[end - 1] === COMMA ? end - 1 : end;
    if (this.#journal.cleared) return;
    const latest = this.#collection?.get(buf.toString('latin1', idStart, idEnd + 1));
    if (latest === undefined) {
      // Untouched: its line as it is, joined to the run of untouched lines just before it if any.
      const run = this.#run;
      if (run !== null && run.buf === buf && run.end + 2 === start && buf[run.end] === COMMA) run.end = lineEnd;
      else {
        this.#endRun();
        this.#separator();
        this.#run = { buf, start, end: lineEnd };
      }
      this.#docs++;
      return;
    }
    latest.placed = true;
    // Removed (or removed and put again, which places it at the end): nothing here.
    if (latest.buf !== null && !latest.reinserted) this.#journalDoc(latest);
  }

  /** The collection's documents that are new since the snapshot, in the order they were inserted. */
  #appendNew(docs: Map<string, Latest> | undefined): void {
    if (docs === undefined) return;
    const fresh: Latest[] = [];
    for (const latest of docs.values()) if (latest.buf !== null && (latest.reinserted || !latest.placed)) fresh.push(latest);
    fresh.sort((a, b) => a.seq - b.seq);
    for (const latest of fresh) this.#journalDoc(latest);
  }

  #closeCollection(): void {
    this.#emit(this.#firstDoc ? '}' : '\n  }');
  }

  /** `    "<id>": <doc>`, from the journal's bytes. */
  #journalDoc(latest: Latest): void {
    const buf = latest.buf!;
    this.#endRun();
    this.#separator();
    this.#copy(DOC_INDENT, 0, DOC_INDENT.length);
    this.#copy(buf, latest.tokenStart, latest.tokenEnd);
    this.#copy(ID_SEPARATOR, 0, ID_SEPARATOR.length);
    this.#copy(buf, latest.docStart, latest.docEnd);
    this.#docs++;
  }

  /** What goes before a document: a newline, and a comma after the first. */
  #separator(): void {
    const sep = this.#firstDoc ? FIRST_DOC : NEXT_DOC;
    this.#copy(sep, 0, sep.length);
    this.#firstDoc = false;
  }

  #endRun(): void {
    const run = this.#run;
    if (run === null) return;
    this.#run = null;
    this.#copy(run.buf, run.start, run.end);
  }

  #copy(buf: Buffer, start: number, end: number): void {
    this.#out.copy(buf, start, end);
  }

  #emit(text: string): void {
    this.#endRun();
    const bytes = Buffer.from(text, 'latin1');
    this.#copy(bytes, 0, bytes.length);
  }

  /** Collections only the journal has, then the closing brace; writes the rest; returns the documents written. */
  async finish(): Promise<number> {
    if (this.#where !== 'done') throw new SnapshotLayoutError('the snapshot ends before its closing brace');
    for (const [name, docs] of this.#journal.collections) {
      if (this.#seen.has(name)) continue;
      this.#emit(`,\n  "${name}": {`);
      this.#firstDoc = true;
      this.#appendNew(docs);
      this.#closeCollection();
      await this.flush(false);
    }
    this.#emit('\n}\n');
    await this.flush(true);
    return this.#docs;
  }
}
