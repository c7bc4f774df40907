#!/usr/bin/env node
// Thin launcher for the CLI compiled to dist/. The published package ships dist/, so installing
// it builds nothing; a checkout builds with `npm run build` (npm start and npm test do it first).
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
let cli;
try {
  cli = await import(entry.href);
} catch (error) {
  const notBuilt = error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(`'${decodeURIComponent(entry.pathname)}'`);
  if (!notBuilt) throw error;
  console.error('upgrant: dist/ is not built; in a checkout of upgrant run `npm run build` first');
  process.exitCode = 1;
}
if (cli) await cli.main();
