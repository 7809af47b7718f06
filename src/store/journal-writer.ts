/**
 * The file store's journal on disk, write side: its segments (`<data>.journal`, `<data>.journal.<n>`),
 * the newest one, where appends go, and how many lines and bytes the segments hold beyond the snapshot.
 * A failed append is cut back off the file, so lines never acknowledged do not replay on the next open.
 * `FileStore` (file-store.ts) decides when to append, when to switch to a new segment (a compaction in
 * the background) and when to start again at `<data>.journal` (after a fold); replay is in
 * journal-segments.ts.
 */
import type { FileHandle } from 'node:fs/promises';
import { PaycliError } from '../errors.js';
import { openPrivateAppend } from '../private-files.js';
import { journalPathFor, segmentPathFor } from './data-file-format.js';
import { dropSegmentsBefore, listSegments } from './journal-segments.js';

/** A segment opened for appends, not yet the one appends go to (`switchTo`). */
export interface NextSegment {
  handle: FileHandle;
  generation: number;
}

export class JournalWriter {
  /** The newest segment, where appends go; null when closed, or while a restart is under way. */
  #handle: FileHandle | null = null;
  /** Generations of the segments on disk, oldest first; the last is `#handle`'s. */
  #segments: number[] = [];
  /** Bytes in the newest segment: where a failed append is truncated back to. */
  #segmentBytes = 0;
  /** Lines and bytes appended since the state the snapshot holds (in every segment). */
  lines = 0;
  bytes = 0;

  constructor(private readonly dataPath: string) {}

  /** The segment appends go to now: `<data>.journal`, or `<data>.journal.<n>` after compactions. */
  get path(): string {
    return segmentPathFor(this.dataPath, this.#segments.at(-1) ?? 0);
  }

  /** Lists the segments left on disk, oldest first (open replays them). */
  async discover(): Promise<readonly number[]> {
    this.#segments = await listSegments(this.dataPath);
    return this.#segments;
  }

  /**
   * Appends `text` (`lines` journal lines) to the newest segment. A failed append is truncated away;
   * `onUncut` is told when even that fails, so the caller rewrites everything instead.
   */
  async append(text: string, lines: number, onUncut: () => void): Promise<void> {
    const handle = this.#handle;
    if (handle === null) throw new PaycliError('internal_error', `The store for ${this.dataPath} is not open`);
    const before = this.#segmentBytes;
    try {
      await handle.appendFile(text, 'utf8');
    } catch (err) {
      // Part of it may be on disk (a disk that filled up mid-write): those lines were never
      // acknowledged and must not come back on the next open.
      await handle.truncate(before).catch(onUncut);
      throw err;
    }
    const bytes = Buffer.byteLength(text);
    this.#segmentBytes += bytes;
    this.lines += lines;
    this.bytes += bytes;
  }

  /** Opens the segment after the newest one; null when it cannot be created. */
  async openNext(): Promise<NextSegment | null> {
    const generation = (this.#segments.at(-1) ?? 0) + 1;
    const handle = await openPrivateAppend(segmentPathFor(this.dataPath, generation)).catch(() => null);
    return handle === null ? null : { handle, generation };
  }

  /** Appends go to `next` from now on (synchronous: the caller takes its view in the same tick); returns the previous segment's handle. */
  switchTo(next: NextSegment): FileHandle | null {
    const previous = this.#handle;
    this.#handle = next.handle;
    this.#segments.push(next.generation);
    this.#segmentBytes = 0;
    return previous;
  }

  /** The paths of the segments older than `generation`, oldest first. */
  pathsBefore(generation: number): string[] {
    return this.#segments.filter((g) => g < generation).map((g) => segmentPathFor(this.dataPath, g));
  }

  /** Deletes the segments older than `generation` (a snapshot now holds them). */
  async dropBefore(generation: number): Promise<void> {
    await dropSegmentsBefore(this.dataPath, this.#segments, generation);
  }

  /** After a snapshot holding everything: drops every segment and starts again at an empty `<data>.journal`. */
  async restart(): Promise<void> {
    this.lines = 0;
    this.bytes = 0;
    const previous = this.#handle;
    this.#handle = null; // a failure from here on leaves no segment to append to
    await previous?.close().catch(() => undefined);
    await dropSegmentsBefore(this.dataPath, this.#segments, Infinity);
    this.#handle = await openPrivateAppend(journalPathFor(this.dataPath));
    this.#segments = [0];
    this.#segmentBytes = 0;
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}
