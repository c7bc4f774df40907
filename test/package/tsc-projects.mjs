// Type-checks several tsconfig projects in ONE process with the TypeScript at <typescript dir>, each
// as its own program, exactly as `tsc -p <project>` with noEmit would (same options, same
// diagnostics, in tsc's plain format): one compiler load and JIT warm-up instead of one per
// project. Prints a JSON object, project -> diagnostics ('' when it compiles).
// Usage: node tsc-projects.mjs <typescript dir> <tsconfig>...
import { createRequire } from 'node:module';

const [typescriptDir, ...projects] = process.argv.slice(2);
const ts = createRequire(import.meta.url)(typescriptDir);
const format = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
const out = {};
for (const project of projects) {
  const configErrors = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(project, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => configErrors.push(d) });
  if (!parsed) {
    out[project] = ts.formatDiagnostics(configErrors, format);
    continue;
  }
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed) });
  out[project] = ts.formatDiagnostics(ts.getPreEmitDiagnostics(program), format);
}
process.stdout.write(JSON.stringify(out));
