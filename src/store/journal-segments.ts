/**
 * The file store's journal segments on disk: `<data>.journal` (generation 0), then `<data>.journal.1`,
 * `.2`, …. Appends go to the newest; a compaction starts a new one and, once the snapshot holding
 * everything before it is in place, deletes the older ones, oldest first.
 *
 * Why oldest first: the segments left on disk are then always a suffix of the history, and replaying a
 * suffix over a snapshot that already holds it changes nothing (a put carries the whole document, a del
 * and a clear are idempotent, and a document's last entry in the suffix is its last entry overall). A
 * prefix would not be safe: a put in an old segment whose del sat in a deleted newer one would return.
 */
import { createReadStream } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { PaycliError } from '../errors.js';
import { dataFileUnreadable, describeFsError, journalPathFor, parseJournal, segmentPathFor, type JournalEntry } from './data-file-format.js';

/** The generations of the journal segments beside `dataPath`, oldest first. */
export async function listSegments(dataPath: string): Promise<number[]> {
  const prefix = basename(journalPathFor(dataPath));
  let names: string[];
  try {
    names = await readdir(dirname(dataPath));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw dataFileUnreadable(dataPath, `cannot list its folder (${describeFsError(err)})`, err);
  }
  const generations: number[] = [];
  for (const name of names) {
    if (name === prefix) generations.push(0);
    else if (name.startsWith(`${prefix}.`) && /^[1-9]\d{0,8}$/.test(name.slice(prefix.length + 1))) {
      generations.push(Number(name.slice(prefix.length + 1)));
    }
  }
  return generations.sort((a, b) => a - b);
}

/**
 * Applies every entry of one segment, in order; returns whether it had any bytes. Read in 8 MB
 * pieces: a journal can outgrow the longest string V8 allows (~512 MB). A last line without its
 * newline is a write torn by a kill (never acknowledged) and is skipped.
 */
export async function replaySegment(file: string, apply: (entry: JournalEntry) => void): Promise<boolean> {
  let carry = ''; // the start of a line whose end is in the next piece
  let nextLine = 1;
  let hadBytes = false;
  try {
    for await (const piece of createReadStream(file, { encoding: 'utf8', highWaterMark: 8 * 1024 * 1024 })) {
      hadBytes = true;
      const text = carry + (piece as string);
      const end = text.lastIndexOf('\n') + 1;
      carry = text.slice(end);
      if (end === 0) continue;
      for (const entry of parseJournal(text.slice(0, end), file, nextLine)) apply(entry);
      for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) nextLine++;
    }
  } catch (err) {
    if (err instanceof PaycliError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw dataFileUnreadable(file, describeFsError(err), err);
  }
  return hadBytes;
}

/**
 * Deletes the segments of `generations` (oldest first, as given) that are older than `before`,
 * removing each from the array as it goes, so the array still lists what is on disk if one fails.
 */
export async function dropSegmentsBefore(dataPath: string, generations: number[], before: number): Promise<void> {
  while (generations.length > 0 && generations[0]! < before) {
    try {
      await unlink(segmentPathFor(dataPath, generations[0]!));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    generations.shift();
  }
}
