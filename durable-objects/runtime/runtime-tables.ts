/** The statements that create one runtime table (its indexes included). */
type TableDefinition = readonly string[];

const registry = new WeakMap<DurableObjectStorage, RuntimeTables>();

/**
 * The runtime's tables of one object (timers, idempotency, faults, lifecycle), created with
 * the object's first write and never before. An object that only served reads of state it
 * never had — a `GET` of an unknown key, which no rate limit counts — keeps no storage at
 * all (`sqlite_master` empty, one 4 KiB page); creating the tables up front left every such
 * object a database of 48 KiB.
 *
 * Every store reads, updates and deletes through `query` (a table that does not exist has
 * no rows to find or change) and adds rows through `write`, which first creates every
 * missing table and runs the first-write hooks (the object's name, `rememberName`) in the
 * caller's transaction; the actor also `prepare`s at the start of every transaction it opens
 * (a write command, a saga step, a timer). A first write that is rolled back takes its
 * tables with it, so no half schema is left for the next incarnation.
 * What exists is read from `sqlite_master` once and then kept; `forget` (after a rollback,
 * an incarnation's end, an erase) makes the next use look again. Objects written by earlier
 * versions, which created every table up front, already have them: nothing changes there.
 *
 * One instance per object's storage (`of`): every store of the object must agree on what
 * exists, or one that created the tables would leave another reading an empty object.
 */
export class RuntimeTables {
  readonly #storage: DurableObjectStorage;
  readonly #tables = new Map<string, TableDefinition>();
  readonly #firstWrite: (() => void)[] = [];
  readonly #erased: (() => void)[] = [];
  /** The runtime tables that exist; `undefined`: not read yet (or forgotten). */
  #existing: Set<string> | undefined;
  /** Every table exists and the first-write hooks ran (in this incarnation). */
  #prepared = false;

  private constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /** The runtime tables of the object whose storage is `storage`. */
  static of(storage: DurableObjectStorage): RuntimeTables {
    let tables = registry.get(storage);
    if (!tables) {
      tables = new RuntimeTables(storage);
      registry.set(storage, tables);
    }
    return tables;
  }

  /** Declares `table` and the statements that create it (`IF NOT EXISTS`); once per name. */
  define(table: string, ...statements: string[]): void {
    if (this.#tables.has(table)) return;
    this.#tables.set(table, statements);
    this.#prepared = false;
  }

  /** Runs before the first write of each incarnation, in its transaction (the object's name). */
  onFirstWrite(hook: () => void): void {
    this.#firstWrite.push(hook);
    this.#prepared = false;
  }

  /** Runs after the object's storage was erased: what a store kept of it in memory goes. */
  onErased(hook: () => void): void {
    this.#erased.push(hook);
  }

  /** Whether `table` exists. */
  has(table: string): boolean {
    return this.#exists().has(table);
  }

  /**
   * Whether the object never committed a write: no runtime table exists (every write
   * creates them all, `prepare`), as in a new object or one that was erased.
   */
  neverWritten(): boolean {
    return this.#exists().size === 0;
  }

  #exists(): Set<string> {
    this.#existing ??= new Set(
      this.#storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB '_bulwark_*'",
        )
        .toArray()
        .map((row) => row.name),
    );
    return this.#existing;
  }

  /**
   * Runs `query` (a read, an update or a delete) on `table` and answers its rows; when the
   * table does not exist there is nothing to find or change, and nothing is created.
   */
  query<T extends Record<string, SqlStorageValue>>(
    table: string,
    query: string,
    ...params: SqlStorageValue[]
  ): T[] {
    if (!this.has(table)) return [];
    return this.#storage.sql.exec<T>(query, ...params).toArray();
  }

  /** A write that may add rows: every runtime table is created first (`prepare`). */
  write(query: string, ...params: SqlStorageValue[]): void {
    this.prepare();
    this.#storage.sql.exec(query, ...params);
  }

  /**
   * Creates every missing runtime table and runs the first-write hooks, once per incarnation
   * (call it inside the write's transaction, so they commit or roll back together).
   */
  prepare(): void {
    if (this.#prepared) return;
    for (const [table, statements] of this.#tables) {
      if (this.has(table)) continue;
      for (const statement of statements) this.#storage.sql.exec(statement);
      this.#existing?.add(table);
    }
    for (const hook of this.#firstWrite) hook();
    this.#prepared = true;
  }

  /**
   * `storage.transactionSync(fn)`; a throw rolled back whatever `fn` created, so what is
   * known of the tables is forgotten before it is rethrown.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.#storage.transactionSync(fn);
    } catch (error) {
      this.forget();
      throw error;
    }
  }

  /** Forgets what exists: the next use reads `sqlite_master` again. */
  forget(): void {
    this.#existing = undefined;
    this.#prepared = false;
  }

  /** The object's storage was erased (`deleteAll`): no table exists, no store remembers one. */
  erased(): void {
    this.#existing = new Set();
    this.#prepared = false;
    for (const hook of this.#erased) hook();
  }
}
