/**
 * Each stored document's JSON text, serialised once. The journal line of a put holds a document's JSON;
 * a compaction writes the same text into the snapshot instead of serialising the document again (it
 * rewrites every document, so without this each one was serialised once per compaction on top of its
 * journal line). Sound because stored documents are immutable values (the Store contract): a document
 * put again is a new object, with its own text.
 *
 * Held weakly, keyed by the document object: a text lives as long as its document is stored (or a
 * compaction's view still holds it), so a replaced document's text goes with it. Documents loaded from
 * the snapshot at open have no text until they are put again: a compaction serialises them, without
 * keeping the result, so the memory this costs is that of the documents written since the process started.
 */
export class DocJson {
  readonly #texts = new WeakMap<object, string>();

  /** The document's JSON, kept for a later compaction. */
  remember(doc: object): string {
    let text = this.#texts.get(doc);
    if (text === undefined) {
      text = JSON.stringify(doc);
      this.#texts.set(doc, text);
    }
    return text;
  }

  /** The document's JSON: the text kept for it, or a fresh serialisation that is not kept. */
  of(doc: object): string {
    return this.#texts.get(doc) ?? JSON.stringify(doc);
  }
}
