// FLOWIQ_SECRET: from the environment, or (outside production) generated once into the data
// directory with 0600 permissions so a laptop install needs no setup and keeps its keys across restarts.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ResolvedSecret {
  secret: string;
  generatedAt?: string;
  file?: string;
}

export function resolveSecret(fromEnv: string | undefined, dataDir: string): ResolvedSecret {
  if (fromEnv !== undefined) return { secret: fromEnv };
  const file = path.join(dataDir, 'flowiq-secret');
  try {
    return { secret: fs.readFileSync(file, 'utf8').trim(), file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx' so two processes starting together cannot overwrite each other's secret.
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { secret: fs.readFileSync(file, 'utf8').trim(), file };
    throw err;
  }
  return { secret, file, generatedAt: file };
}
