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
 * Creates the file empty and 0600, or tightens an existing one to 0600. Returns whether an existing
 * file was open to others (an earlier version made it so), for the caller to say so.
 */
export function makePrivateFile(path: string): boolean {
  const mode = fileMode(path);
  if (mode === undefined) {
    closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
    return false;
  }
  return tighten(path, mode);
}

/** Tightens the file if it exists; returns whether it was open to others. */
export function tightenIfPresent(path: string): boolean {
  const mode = fileMode(path);
  return mode !== undefined && tighten(path, mode);
}

function tighten(path: string, mode: number): boolean {
  if (mode !== PRIVATE_FILE_MODE) chmodSync(path, PRIVATE_FILE_MODE);
  return (mode & 0o077) !== 0;
}

function fileMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
