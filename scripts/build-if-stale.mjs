// `npm start` builds only when a source is newer than the build: tsc takes 8–10 s here and
// `npm ci` has already built through `prepare`. Stale means: dist/cli/main.js is missing, or
// a file under src/ (or the tsconfigs, package.json) changed after the newest file in dist/.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

const built = mtime('dist/cli/main.js') === 0 ? 0 : newest('dist');
const inputs = Math.max(newest('src'), mtime('tsconfig.json'), mtime('tsconfig.build.json'), mtime('package.json'));
if (built < inputs) {
  process.stderr.write('medibus: building (src/ is newer than dist/)\n');
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
