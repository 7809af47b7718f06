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
import { forEachLine, startsWith, stringEnd } from './byte-lines.js';
import { readJournal, type JournalEffect, type Latest } from './journal-effect.js';
import { isCollectionName } from './store.js';

/** The previous snapshot or a journal line is not in the layout this merge reads. */
export class SnapshotLayoutError extends Error {}

const COMMA = 0x2c;
const DOC_INDENT = Buffer.from('    ');
const COLLECTION_INDENT = Buffer.from('  ');
const FIRST_DOC = Buffer.from('\n');
const NEXT_DOC = Buffer.from(',\n');
const ID_SEPARATOR = Buffer.from(': ');
/** Bytes of the new snapshot gathered before they are written. */
const WRITE_BYTES = 4 * 1024 * 1024;

/**
 * Writes, through `write`, the snapshot `snapshotPath` with `segments` applied (oldest first); returns
 * how many documents it holds. Throws SnapshotLayoutError when the snapshot is not in the layout
 * `SnapshotFile.writeParts` writes (what was written by then is to be discarded). `pieceBytes`: how
 * much of a file is read at a time (by default up to 8 MB).
 */
export async function mergeSnapshot(
  snapshotPath: string,
  segments: readonly string[],
  write: (chunks: readonly Buffer[]) => Promise<void>,
  pieceBytes?: number,
): Promise<number> {
  const journal = await readJournal(segments, pieceBytes);
  const out = new MergeWriter(journal, write);
  const tail = await forEachLine(snapshotPath, (buf, start, end) => out.snapshotLine(buf, start, end), {
    afterPiece: () => out.flush(false),
    recycle: true,
    pieceBytes,
  });
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
