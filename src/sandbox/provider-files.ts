/**
 * Key files providers hand to merchants' SDKs (PEM keys, certificates), written 0600 under
 * `<data dir>/<provider>/` beside a file-backed store, or under a private temporary folder for an in-memory
 * sandbox (removed on close), so the banner can print paths a developer passes straight to an SDK.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ProviderFiles {
  /** provider → file name → absolute path. */
  paths: Record<string, Record<string, string>>;
  /** Removes what only this run owns (the temporary folder of an in-memory sandbox). */
  remove(): Promise<void>;
}

/** Writes each provider's files; `dataFile` null means an in-memory sandbox. */
export async function writeProviderFiles(dataFile: string | null, wanted: { name: string; files: Record<string, string> }[]): Promise<ProviderFiles> {
  const paths: Record<string, Record<string, string>> = {};
  const withFiles = wanted.filter((w) => Object.keys(w.files).length > 0);
  if (withFiles.length === 0) return { paths, remove: async () => {} };
  const temp = dataFile === null ? await mkdtemp(join(tmpdir(), 'paycli-keys-')) : null;
  const root = temp ?? dirname(dataFile!);
  for (const { name, files } of withFiles) {
    const dir = join(root, name);
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
  return { paths, remove: async () => (temp ? rm(temp, { recursive: true, force: true }) : undefined) };
}
