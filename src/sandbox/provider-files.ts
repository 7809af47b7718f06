/**
 * Key files providers hand to merchants' SDKs (PEM keys, certificates), written 0600 under
 * `<data dir>/<provider>/` beside a file-backed store, or under a private temporary folder for an in-memory
 * sandbox (removed on close), so the banner can print paths a developer passes straight to an SDK.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';

export interface ProviderFiles {
  /** provider → file name → absolute path. */
  paths: Record<string, Record<string, string>>;
  /** Removes what only this run owns (the temporary folder of an in-memory sandbox). */
  remove(): Promise<void>;
}

/** How a project names a folder: relative to the working directory when it is inside it, else absolute. */
export function projectPath(dir: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, dir);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? dir : rel;
}

/**
 * Writes each provider's files; `dataFile` null means an in-memory sandbox. `files` gets the folder the
 * files go to (as the project names it), so a README or `.env` among them names the real one.
 */
export async function writeProviderFiles(dataFile: string | null, wanted: { name: string; files: (dir: string) => Record<string, string> }[]): Promise<ProviderFiles> {
  const paths: Record<string, Record<string, string>> = {};
  let temp: string | null = null;
  const remove = async () => (temp ? rm(temp, { recursive: true, force: true }) : undefined);
  try {
    for (const { name, files: filesIn } of wanted) {
      if (dataFile === null && temp === null) temp = await mkdtemp(join(tmpdir(), 'paycli-keys-'));
      const dir = join(temp ?? dirname(dataFile!), name);
      const files = filesIn(projectPath(dir));
      if (Object.keys(files).length === 0) continue;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      paths[name] = {};
      for (const [file, contents] of Object.entries(files)) {
        const path = join(dir, file);
        await writeFile(path, contents, { mode: 0o600 });
        // A file that existed keeps its old mode through writeFile; tighten it.
        await chmod(path, 0o600);
        paths[name][file] = path;
      }
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return { paths, remove };
}
