/**
 * Reads the examples out of README.md and docs/*.md, as a reader sees them: fenced blocks in document
 * order, split into the commands a reader would type, each with the output the docs show for it. Which
 * blocks run and how their text is adapted to the test's sandbox is described in CONTRIBUTING.md
 * ("Examples are run"); the runner is doc-examples.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type Language = 'shell' | 'js' | 'ts' | 'scenario';

export interface Command {
  /** 1-based line in the file where the command starts. */
  line: number;
  /** The command as the shell will get it (notation already expanded, comments removed). */
  text: string;
  /** `# → …` after the command: the status and answer it shows. */
  arrow: string | null;
  /** Output lines the docs show for it (a `$ ` transcript's lines, or `# ` comment lines after it). */
  output: string[];
}

export interface Block {
  file: string;
  line: number;
  /** What the fence says (`sh`, `js`, …, or '' for none). */
  info: string;
  /** How it runs, or null when the block is not an example (usage notation, output, other files). */
  language: Language | null;
  /** Why it is not run, from a `<!-- not run: … -->` comment right before the fence. */
  notRun: string | null;
  /** The block's text, indentation of the fence removed. */
  code: string;
  commands: Command[];
}

const SHELL = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
const JS = new Set(['js', 'javascript', 'mjs']);
const TS = new Set(['ts', 'typescript']);

/** README.md and every docs/*.md, in that order. */
export function documentedFiles(root: string): string[] {
  return ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

/** Every fenced block of a Markdown file, in document order. */
export function blocksOf(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith(fence!)) end++;
    const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l.trimStart()));
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = before >= 0 ? /<!--\s*not run:\s*([\s\S]*?)\s*-->/.exec(lines[before]!) : null;
    const code = body.join('\n');
    const transcript = body.some((l) => /^\$ /.test(l));
    // A YAML block with `version:` and `steps:` at its top level is a scenario file.
    const scenario = /^ya?ml$/.test(info!) && /^version:/m.test(code) && /^steps:/m.test(code);
    const language: Language | null = SHELL.has(info!) || (info === '' && transcript) ? 'shell' : JS.has(info!) ? 'js' : TS.has(info!) ? 'ts' : scenario ? 'scenario' : null;
    blocks.push({ file, line: i + 1, info: info!, language, notRun: marker ? marker[1]! : null, code, commands: language === 'shell' ? shellCommands(body, i + 2, transcript) : [] });
    i = end;
  }
  return blocks;
}

/** Blocks of every documented file. */
export function allBlocks(root: string): Block[] {
  return documentedFiles(root).flatMap((f) => blocksOf(f, readFileSync(path.join(root, f), 'utf8')));
}

/**
 * Splits a shell block into commands. A command continues over lines while a quote is open or a line ends
 * with `\`; `;` between commands splits them; a trailing `# → …` is what the command answers, and `# `
 * lines right after a command are its output. In a transcript only `$ ` lines are commands and the lines
 * up to the next one are their output.
 */
function shellCommands(lines: string[], firstLine: number, transcript: boolean): Command[] {
  const commands: Command[] = [];
  let current: { line: number; text: string } | null = null;
  let last = null as Command | null;
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    if (current) {
      current.text += `\n${raw}`;
    } else if (transcript) {
      if (!raw.startsWith('$ ')) {
        if (last && raw.trim() !== '') last.output.push(raw);
        continue;
      }
      current = { line: firstLine + n, text: raw.slice(2) };
    } else {
      const trimmed = raw.trim();
      if (trimmed === '') continue;
      if (trimmed.startsWith('#')) {
        const said = trimmed.replace(/^#\s?/, '');
        if (last && /^→/.test(said) && last.arrow === null) last.arrow = said.replace(/^→\s*/, '');
        else if (last && !trimmed.startsWith('#!')) last.output.push(said);
        continue;
      }
      current = { line: firstLine + n, text: raw };
    }
    const scan = scanShell(current.text);
    if (scan.open) continue;
    const comment = scan.comment === null ? null : current.text.slice(scan.comment);
    const code = (scan.comment === null ? current.text : current.text.slice(0, scan.comment)).trimEnd();
    const arrow = comment ? (/^#\s*→\s*(.*)$/.exec(comment.trim())?.[1] ?? null) : null;
    const parts = splitTopLevel(code, ';').map((p) => expandNotation(p.trim())).filter((p) => p !== '');
    for (const [k, text] of parts.entries()) {
      last = { line: current.line, text, arrow: k === parts.length - 1 ? arrow : null, output: [] };
      commands.push(last);
    }
    current = null;
  }
  return commands;
}

/** Where the quotes stand at the end of `text`, and where a comment starts (outside quotes). */
function scanShell(text: string): { open: boolean; comment: number | null } {
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return { open: false, comment: i };
  }
  return { open: quote !== null || /\\$/.test(text), comment: null };
}

/** Splits on `sep` where it is outside quotes and brackets. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Usage notation in a runnable example, read the way a reader tries it: `[--flag value]` is run with the
 * flag (an optional part that still holds a `<placeholder>` is left out), and `a|b` or `[a | b]` with its
 * first choice. A `|` with spaces around it outside brackets is a shell pipe and stays.
 */
export function expandNotation(command: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = null;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '[' && (i === 0 || /\s/.test(command[i - 1]!))) {
      let depth = 1;
      let j = i + 1;
      while (j < command.length && depth > 0) {
        if (command[j] === '[') depth++;
        else if (command[j] === ']') depth--;
        j++;
      }
      const inner = command.slice(i + 1, j - 1);
      if (!/<[^>]+>/.test(inner)) out += expandNotation(inner.split(/\s+\|\s+/)[0]!);
      i = j - 1;
    } else out += c;
  }
  // Word alternatives (`show|capture|cancel`, `request|delivery`): the first.
  return out.replace(/(^|\s)([\w.*-]+)(\|[\w.*-]+)+(?=\s|$)/g, '$1$2').trim();
}
