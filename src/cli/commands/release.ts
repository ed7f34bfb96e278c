import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseImageRef, repositoryName, type ImageRef } from '../../image/index.ts';
import { editFiles, findSlots, readRepoFiles, type Edit, type ImageSlot, type SourceFile } from '../../manifests/index.ts';
import { commitInCheckout } from '../../git/index.ts';
import { checkoutDir } from '../checkout.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { lockText, writeProblems } from '../present.ts';
import { formatOperationTrailer, planOperation } from '../../automation/index.ts';
import { whoAmI } from '../identity.ts';
import { nowSeconds, operate } from '../operations.ts';

export interface ReleaseOptions {
  repo?: string;
  /** Commit to the configured remote instead of a checkout. */
  config?: string;
  workload: string;
  /** False with --no-lock: a manual release pins the slot by default. */
  lock?: boolean;
  reason?: string;
  user?: string;
  image: string;
  container?: string;
  /** False with --no-commit. */
  commit: boolean;
  force?: boolean;
  path?: string[];
  /** With --config: the automation to commit to, when the config has several. */
  automation?: string;
}

/**
 * `tagpilot release`: set a workload's image by hand in a local checkout and commit it there.
 * Without --container, every container of the workload running the image's repository is set.
 */
export async function release(options: ReleaseOptions, io: CliIo): Promise<number> {
  checkImage(options.image);
  if (options.config !== undefined) return releaseRemote(options, io);
  if (options.automation !== undefined) throw new UsageError('--automation names an automation of --config FILE; a --repo checkout has none');
  const dir = await checkoutDir(io.cwd, options.repo ?? '.');
  const read = await readRepoFiles(dir, options.path ?? ['.']);
  const found = findSlots(read.files);
  const chosen = chooseSlots(io, found.slots, options);
  if (chosen === undefined) return EXIT.failed;
  const locked = chosen.find((s) => s.lock.locked);
  if (locked !== undefined && !options.force) {
    io.err.write(`${options.workload} is ${lockText(locked.lock)}; not releasing (use --force to override)\n`);
    return EXIT.failed;
  }
  const by = await whoAmI(options.user, io, dir);
  const at = nowSeconds();
  const plan = planOperation({ verb: 'release', target: options.workload, image: options.image, lock: options.lock !== false, force: true, by, at, ...(options.container === undefined ? {} : { slot: options.container }), ...(options.reason === undefined ? {} : { reason: options.reason }) }, chosen);
  const changed = await writeEdits(io, dir, read.files, plan.edits);
  if (changed === undefined) return EXIT.failed;
  if (changed.length === 0) {
    io.out.write(`${options.workload} already runs ${options.image}; nothing to do\n`);
    return EXIT.ok;
  }
  for (const slot of chosen) io.out.write(`${slot.file}:${slot.line} ${options.workload} ${slot.container ?? slot.kind}: ${slot.image} -> ${options.image}\n`);
  if (!options.commit) return EXIT.ok;
  const trailers = plan.trailers.map(formatOperationTrailer).join('\n');
  const oid = await commitInCheckout(dir, changed, `${releaseMessage(options.workload, options.image, chosen)}\n${trailers}\n`, io.env);
  io.out.write(`committed ${oid.slice(0, 12)}\n`);
  return EXIT.ok;
}

function checkImage(image: string): void {
  try {
    parseImageRef(image);
  } catch (error) {
    throw new UsageError(`--image: ${(error as Error).message}`);
  }
}

function chooseSlots(io: CliIo, slots: readonly ImageSlot[], options: ReleaseOptions): ImageSlot[] | undefined {
  const mine = slots.filter((s) => s.workload === options.workload);
  if (mine.length === 0) {
    io.err.write(`no workload ${options.workload} found (ids look like default:deployment/web; see tagpilot workloads)\n`);
    return undefined;
  }
  const names = [...new Set(mine.map((s) => s.container ?? s.kind))].join(', ');
  if (options.container !== undefined) {
    const named = mine.filter((s) => s.container === options.container);
    if (named.length === 0) io.err.write(`${options.workload} has no container ${options.container} (it has: ${names})\n`);
    return named.length === 0 ? undefined : named;
  }
  const wanted = repositoryName(parseImageRef(options.image));
  const same = mine.filter((s) => repositoryOf(s) === wanted);
  if (same.length === 0) io.err.write(`no container of ${options.workload} runs ${wanted}; name one with --container (it has: ${names})\n`);
  return same.length === 0 ? undefined : same;
}

function repositoryOf(slot: ImageSlot): string | undefined {
  let ref: ImageRef;
  try {
    ref = parseImageRef(slot.image);
  } catch {
    return undefined;
  }
  return repositoryName(ref);
}

/** Edits through the one edit path; writes only once every file's edit is verified, so a refusal leaves the checkout untouched. Returns the paths written, or undefined after reporting a refusal. */
async function writeEdits(io: CliIo, dir: string, files: readonly SourceFile[], edits: readonly Edit[]): Promise<string[] | undefined> {
  const edited = editFiles(files, edits);
  if (edited.refused.length > 0) {
    writeProblems(io, edited.refused);
    return undefined;
  }
  for (const [path, text] of edited.files) await writeFile(join(dir, path), text);
  return [...edited.files.keys()];
}

export function releaseMessage(workload: string, image: string, slots: readonly ImageSlot[]): string {
  const lines = slots.map((s) => `- ${s.file}:${s.line} ${s.container ?? s.kind}: ${s.image} -> ${image}`);
  return `Release ${image} to ${workload}\n\n${lines.join('\n')}\n\nSet by hand with tagpilot release.\n`;
}

/** `release --config`: the operation through the remote's fetch, edit, commit, push and retry. */
function releaseRemote(options: ReleaseOptions, io: CliIo): Promise<number> {
  return operate('release')(
    {
      workload: options.workload,
      image: options.image,
      config: options.config,
      lock: options.lock,
      force: options.force,
      ...(options.container === undefined ? {} : { container: options.container }),
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.automation === undefined ? {} : { automation: options.automation }),
    },
    io,
  );
}
