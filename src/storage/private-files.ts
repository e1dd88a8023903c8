import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * What the bot keeps on disk (the database with people's names and callers' numbers, deliveries kept
 * during an outage) is for the user the bot runs as: files 0600 in folders 0700, as the backup is.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_FOLDER_MODE = 0o700;

/** Creates the folder (and those above it that are missing) 0700; an existing folder is left as it is. */
export function makePrivateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER_MODE });
}

/**
 * What became of a file made private: `tightened` when others could read or write it (an earlier
 * version made it so), `could-not` when its mode cannot be changed (another user owns it), which the
 * caller says rather than refusing to start.
 */
export type PrivateFile = 'created' | 'absent' | 'private' | 'tightened' | 'could-not';

/** Makes `path` 0600, creating it empty when `create` is set and it does not exist. */
export function makePrivateFile(path: string, create: boolean): PrivateFile {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (!create) return 'absent';
    closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
    return 'created';
  }
  if (mode === PRIVATE_FILE_MODE) return 'private';
  try {
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch {
    return 'could-not';
  }
  return (mode & 0o077) !== 0 ? 'tightened' : 'private';
}
