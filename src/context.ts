// Everything a running gateway holds, built once from Config and passed explicitly (no module
// singletons), so a test can hand in a fresh SQLite, a simulator URL or a temp directory.
import type { Config } from './config.js';
import { AuthService } from './auth/service.js';
import { ApiKeyStore } from './auth/store.js';
import { ContactService } from './contacts/service.js';
import { ContactStore } from './contacts/store.js';
import { migrate, openDatabase, type Db, type OpenOptions } from './db/database.js';
import { OrganizationService } from './organizations/service.js';
import { OrganizationStore } from './organizations/store.js';
import { TokenCipher } from './organizations/token-cipher.js';

export interface AppContext {
  config: Readonly<Config>;
  secret: string;
  db: Db;
  organizations: OrganizationService;
  organizationStore: OrganizationStore;
  auth: AuthService;
  contacts: ContactService;
  close(): Promise<void>;
}

export interface ContextOptions {
  db?: Db;
  dbOptions?: OpenOptions;
  migrate?: boolean;
  onBackgroundError?: (err: unknown) => void;
}

export async function createContext(config: Readonly<Config>, secret: string, opts: ContextOptions = {}): Promise<AppContext> {
  const db = opts.db ?? openDatabase(config.database, opts.dbOptions);
  if (opts.migrate !== false) await migrate(db);
  const organizationStore = new OrganizationStore(db);
  const organizations = new OrganizationService(organizationStore, new TokenCipher(secret));
  const auth = new AuthService(new ApiKeyStore(db), organizationStore, opts.onBackgroundError);
  const contacts = new ContactService(new ContactStore(db));
  return {
    config,
    secret,
    db,
    organizations,
    organizationStore,
    auth,
    contacts,
    close: async () => {
      await db.close();
    },
  };
}
