import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { BusyError, Client, ResultCodeError, SizeLimitExceededError, UnavailableError, type Entry } from 'ldapts';
import type { LdapSettings } from '../../config/ldap-settings.js';
import { groupNameFromDn } from './group-name.js';
import { fillFilter } from './ldap-filter.js';

/** No directory answered (refused, timed out, TLS not verified, the service account refused). */
export class DirectoryUnavailableError extends Error {
  readonly code = 'ERR_DIRECTORY_UNAVAILABLE';
}

export interface DirectoryUser {
  readonly dn: string;
  /** Group names, as labels: the `PURSER_LDAP_GROUP_NAME` of each group. */
  readonly groups: readonly string[];
}

export type UserSearch = { readonly found: DirectoryUser } | { readonly found: undefined; readonly why: 'none' | 'several' };

export interface DirectoryHooks {
  /** Called when the directory goes from answering to not, and back. */
  readonly onAvailability?: (up: boolean, error?: Error) => void;
}

const MAX_IDLE_BINDERS = 8;

/**
 * The directory, through ldapts. Searches run on one connection bound as the service account and
 * shared by concurrent searches; password checks bind as the user on connections of their own,
 * kept for reuse (a bind changes who a connection is, so it never shares one). Every connection
 * tries the URLs in order, upgrades with StartTLS first when asked (a failed upgrade is a failure,
 * never a plain-text fallback) and verifies the server's certificate. A connection that breaks is
 * dropped and made again on the next request, once, so a directory restart costs no request.
 */
export class Directory {
  readonly #settings: LdapSettings;
  readonly #hooks: DirectoryHooks;
  #search: Promise<Client> | undefined;
  readonly #idle: Client[] = [];
  #up = true;

  constructor(settings: LdapSettings, hooks: DirectoryHooks = {}) {
    this.#settings = settings;
    this.#hooks = hooks;
  }

  get up(): boolean {
    return this.#up;
  }

  /** The one entry the user filter finds, with its groups; none or several is no user. */
  async findUser(username: string): Promise<UserSearch> {
    const s = this.#settings;
    const filter = fillFilter(s.userFilter, { username });
    const attributes = s.groupFilter === undefined ? [s.groupAttribute] : ['1.1'];
    let entries: Entry[];
    try {
      entries = (await this.#searching((client) => client.search(s.baseDn, { scope: 'sub', filter, attributes, sizeLimit: 2 }))).searchEntries;
    } catch (err) {
      if (err instanceof SizeLimitExceededError) return { found: undefined, why: 'several' };
      throw err;
    }
    if (entries.length !== 1) return { found: undefined, why: entries.length === 0 ? 'none' : 'several' };
    const entry = entries[0] as Entry;
    const groups = s.groupFilter === undefined ? this.#groupsFromAttribute(entry) : await this.#searchGroups(s.groupFilter, entry.dn, username);
    return { found: { dn: entry.dn, groups } };
  }

  /** Binds as `dn` with `password`: true when the directory accepts it. */
  async verify(dn: string, password: string): Promise<boolean> {
    return this.#connected(async () => {
      const client = this.#idle.pop() ?? (await this.#open(false));
      try {
        await client.bind(dn, password);
        this.#keep(client);
        return true;
      } catch (err) {
        if (err instanceof ResultCodeError && !isOutage(err)) {
          this.#keep(client);
          return false;
        }
        // One broken connection means the others from before are likely broken too (a restart).
        for (const stale of [client, ...this.#idle.splice(0)]) void stale.unbind().catch(() => {});
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    const search = this.#search;
    this.#search = undefined;
    const clients = [...this.#idle.splice(0), ...(search ? [await search.catch(() => undefined)] : [])];
    await Promise.all(clients.map((client) => client?.unbind().catch(() => {})));
  }

  #groupsFromAttribute(entry: Entry): string[] {
    return values(entry[this.#settings.groupAttribute]).map((dn) => groupNameFromDn(dn, this.#settings.groupName));
  }

  async #searchGroups(template: string, dn: string, username: string): Promise<string[]> {
    const s = this.#settings;
    const filter = fillFilter(template, { dn, username });
    const result = await this.#searching((client) => client.search(s.groupBaseDn, { scope: 'sub', filter, attributes: [s.groupName] }));
    return result.searchEntries.flatMap((group) => values(group[s.groupName]).slice(0, 1));
  }

  /** A search on the shared service connection, made again once if it broke. */
  async #searching<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    return this.#connected(async () => {
      this.#search ??= this.#open(true);
      const current = this.#search;
      try {
        return await operation(await current);
      } catch (err) {
        if (err instanceof ResultCodeError && !isOutage(err)) throw err;
        if (this.#search === current) this.#search = undefined;
        void current.then((client) => client.unbind()).catch(() => {});
        throw err;
      }
    });
  }

  /** Runs `operation`, and once more on a fresh connection if the first broke; tracks availability. */
  async #connected<T>(operation: () => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const result = await operation();
        this.#availability(true);
        return result;
      } catch (err) {
        if (err instanceof ResultCodeError && !isOutage(err)) {
          this.#availability(true);
          throw err;
        }
        lastError = err;
      }
    }
    const error = new DirectoryUnavailableError(`no directory answered: ${(lastError as Error)?.message ?? String(lastError)}`);
    this.#availability(false, error);
    throw error;
  }

  /** A new connection to the first URL that answers; bound as the service account when asked. */
  async #open(asService: boolean): Promise<Client> {
    const s = this.#settings;
    let lastError: unknown;
    for (const url of s.urls) {
      const tls = tlsOptions(url, s.caFile);
      // ldapts speaks TLS from the first byte whenever tlsOptions are given: for ldaps:// only.
      const secure = url.startsWith('ldaps://') ? { tlsOptions: tls } : {};
      const client = new Client({ url, timeout: s.timeoutMs, connectTimeout: s.timeoutMs, strictDN: false, ...secure });
      try {
        if (s.startTls) await client.startTLS(tls);
        if (asService && s.bindDn !== undefined && s.bindPasswordFile !== undefined) {
          await client.bind(s.bindDn, readFileSync(s.bindPasswordFile, 'utf8').replace(/\r?\n$/, ''));
        } else if (!s.startTls) {
          // ldapts connects on the first operation: make that happen here, while other URLs can still be tried.
          await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] }).catch((err: unknown) => {
            if (!(err instanceof ResultCodeError)) throw err;
          });
        }
        return client;
      } catch (err) {
        lastError = err;
        await client.unbind().catch(() => {});
      }
    }
    // A service account the directory refuses is as good as no directory: nobody can be searched.
    throw lastError instanceof ResultCodeError ? new DirectoryUnavailableError(`the directory refused the service account: ${lastError.message}`) : lastError;
  }

  #keep(client: Client): void {
    if (this.#idle.length < MAX_IDLE_BINDERS) this.#idle.push(client);
    else void client.unbind().catch(() => {});
  }

  #availability(up: boolean, error?: Error): void {
    if (up === this.#up) return;
    this.#up = up;
    this.#hooks.onAvailability?.(up, error);
  }
}

/** Result codes that mean the directory could not answer, not that the answer is no. */
function isOutage(err: ResultCodeError): boolean {
  return err instanceof BusyError || err instanceof UnavailableError;
}

function values(attribute: Entry[string] | undefined): string[] {
  if (attribute === undefined) return [];
  const list = Array.isArray(attribute) ? attribute : [attribute];
  return list.map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value)));
}

/** Certificates are always verified: against PURSER_LDAP_CA, or the system store. */
function tlsOptions(url: string, caFile: string | undefined): ConnectionOptions {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const ca = caFile === undefined ? {} : { ca: readFileSync(caFile, 'utf8') };
  return { ...ca, host, ...(isIP(host) === 0 ? { servername: host } : {}), rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}
