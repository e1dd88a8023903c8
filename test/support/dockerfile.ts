import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';

/** One instruction of a Dockerfile, continuation lines joined and comments left out. */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name?: string;
  image: string;
  instructions: Instruction[];
}

/**
 * The stages of a Dockerfile, in order. Only what this project's Dockerfile uses is understood: a
 * test replaying it fails loudly on anything else rather than guess.
 */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (!line && !pending)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (!full) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(full) ?? [];
    instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else if (stages.length) {
      stages.at(-1)?.instructions.push(instruction);
    } else if (instruction.keyword !== 'ARG') {
      throw new Error(`${instruction.keyword} before the first FROM`);
    }
  }
  return stages;
}

/** The arguments of an instruction's exec (JSON array) form, e.g. CMD ["node", "dist/main.js"]. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed;
}

/** `--name=value` flags in front of an instruction's arguments, and what follows them. */
export function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args.trim();
  for (let match = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest); match; match = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest)) {
    flags[match[1] ?? ''] = match[2] ?? '';
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

export function instructionsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** What .dockerignore keeps out of the build context: Docker's rules (rooted, `*`, `**`, `!`), last match wins. */
export function dockerIgnored(patterns: string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = posix.normalize((negated ? raw.slice(1) : raw).replace(/^\/+/, ''));
    const source = pattern
      .split('/')
      .map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
      .join('/');
    // A pattern naming a folder keeps out everything in it.
    if (new RegExp(`^${source}(/.*)?$`).test(path)) ignored = !negated;
  }
  return ignored;
}

export function readDockerignore(contextDir: string): string[] {
  const file = join(contextDir, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/** Where a stage's files are laid out on this machine, standing for its WORKDIR. */
export interface StageDir {
  dir: string;
  workdir: string;
}

/**
 * Does what one COPY instruction does, on this machine: from the build context (refusing what
 * .dockerignore keeps out of it) or from an earlier stage's folder, into `target`.
 */
export function replayCopy(args: string, context: string, stages: Record<string, StageDir>, target: StageDir): void {
  const { flags, rest } = splitFlags(args);
  if (rest.startsWith('[')) throw new Error(`COPY's JSON form is not replayed: ${args}`);
  const parts = rest.split(/\s+/);
  const dest = parts.pop();
  if (!dest || !parts.length) throw new Error(`COPY needs a source and a destination: ${args}`);
  const from = flags.from === undefined ? undefined : stages[flags.from];
  if (flags.from !== undefined && !from) throw new Error(`COPY --from=${flags.from}: no such earlier stage`);
  const ignore = from ? [] : readDockerignore(context);
  const into = inStage(target, dest);
  for (const source of parts) {
    if (/[*?[]/.test(source)) throw new Error(`COPY ${source}: wildcards are not replayed; name the files or folder`);
    const path = from ? inStage(from, source) : join(context, source);
    if (!from && dockerIgnored(ignore, posix.normalize(source))) throw new Error(`COPY ${source}: .dockerignore keeps it out of the build context`);
    if (!existsSync(path)) throw new Error(`COPY ${source}: not found at ${path}`);
    if (statSync(path).isDirectory()) {
      mkdirSync(into, { recursive: true });
      cpSync(path, into, { recursive: true, filter: (file) => from !== undefined || !dockerIgnored(ignore, posix.relative(context, file)) });
    } else {
      const toFolder = dest.endsWith('/') || parts.length > 1;
      mkdirSync(toFolder ? into : join(into, '..'), { recursive: true });
      cpSync(path, toFolder ? join(into, basename(source)) : into);
    }
  }
}

/** A path inside a stage (absolute, or relative to its WORKDIR) as a path on this machine. */
export function inStage(stage: StageDir, path: string): string {
  const absolute = posix.resolve(stage.workdir, path);
  const relative = posix.relative(stage.workdir, absolute);
  if (relative.startsWith('..')) throw new Error(`${path} is outside WORKDIR ${stage.workdir}; the replay only lays out WORKDIR`);
  return join(stage.dir, relative);
}
