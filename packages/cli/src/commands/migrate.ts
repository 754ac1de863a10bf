/**
 * `weft migrate [--dry-run] <dir>`: converts a Flux repository in place (src/migrate). The
 * report, every change and everything that could not be mapped, goes to stdout; with
 * `--dry-run` nothing is written.
 */
import { stat } from 'node:fs/promises';
import { CliError, ExitCode } from '../exit.ts';
import { applyMigration, MigrationConflict, type MigrationPlan, planMigration } from '../migrate/plan.ts';
import { Output } from '../output.ts';

export interface MigrateOptions {
  dryRun: boolean;
}

/** The report, one block per file: its move, its edits by line, and what stays as it was. */
export function migrationReport(plan: MigrationPlan): string {
  let report = '';
  for (const file of plan.files) {
    report += file.to === file.from ? `${file.from}\n` : `${file.from} → ${file.to}\n`;
    if (file.replacement) report += `  replaced: ${file.replacement.reason}\n`;
    for (const edit of file.edits) {
      report += `  ${edit.line}: ${edit.before} → ${edit.after} (${edit.rule})\n`;
      if (edit.warning) report += `  ${edit.line}: ⚠ ${edit.warning}\n`;
    }
    for (const entry of file.unmapped)
      report += `  ${entry.line}: ✗ not mapped: ${entry.text}: ${entry.reason}\n`;
  }
  return report;
}

export async function migrate(dir: string, options: MigrateOptions): Promise<void> {
  const isDir = await stat(dir).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isDir)
    throw new CliError(`${dir} is not a directory: give the root of the Flux repository`, ExitCode.Usage);
  const output = new Output();
  const plan = await planMigration(dir);
  process.stdout.write(migrationReport(plan));
  const edits = plan.files.reduce((sum, file) => sum + file.edits.length, 0);
  const moves = plan.files.filter((file) => file.to !== file.from).length;
  const unmapped = plan.files.reduce((sum, file) => sum + file.unmapped.length, 0);
  const summary = `${edits} edits, ${moves} files moved, ${unmapped} not mapped`;
  if (options.dryRun) {
    output.ok(`dry run: ${summary}; nothing written`);
    return;
  }
  try {
    await applyMigration(plan);
  } catch (error) {
    if (error instanceof MigrationConflict)
      throw new CliError(`${error.message}; nothing written`, ExitCode.Failed);
    throw error;
  }
  output.ok(`migrated ${dir}: ${summary}`);
  if (unmapped > 0) output.warn('the lines marked ✗ need a decision by hand');
}
