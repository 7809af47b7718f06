/**
 * What the journal segments written since the snapshot do to it, read from their bytes for the
 * compaction that merges them (`snapshot-merge.ts`): per document, its latest JSON (or its removal)
 * and where it belongs. Lines as `putLine` and `delLine` write them are read without parsing the
 * document; any other line is parsed in full, and a bad one throws as replay at open would.
 */
import { parseJournal } from './data-file-format.js';
import { forEachLine, QUOTE, startsWith, stringEnd } from './byte-lines.js';
import { isCollectionName } from './store.js';

const PUT_HEAD = Buffer.from('{"op":"put","c":"');
const DEL_HEAD = Buffer.from('{"op":"del","c":"');
const CLEAR_LINE = Buffer.from('{"op":"clear"}');
const ID_KEY = Buffer.from(',"id":');
const DOC_KEY = Buffer.from(',"doc":');

/** A document's latest state in the journal: where its id token and JSON are, in `buf`. */
export interface Latest {
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
export interface JournalEffect {
  /** A `clear` line: nothing of the snapshot remains. */
  cleared: boolean;
  /** Per collection, id token (latin1) → latest state; in the order collections were first seen. */
  collections: Map<string, Map<string, Latest>>;
}

/** Reads the journal segments, oldest first, into what they change. */
export async function readJournal(segments: readonly string[], pieceBytes?: number): Promise<JournalEffect> {
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
    }, { pieceBytes });
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
