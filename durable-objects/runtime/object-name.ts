/** Where an object keeps the name it was first reached by. */
const NAME_KEY = "_bulwark:name";

/**
 * The name an object was created with (`idFromName`), even when this invocation does not
 * carry it. The platform gives `ctx.id.name` to requests through a named stub, but not to
 * every wake-up (an alarm after the object was evicted, say). An actor that fell back to
 * its hex id there reported crashes under a child id its supervisor does not know, which
 * ignored them: no restart counted, restart intensity never reached. So the name is kept in
 * the object's storage (`rememberName`) and read from there when the invocation lacks it;
 * the hex id only for an object never reached by name. Reads only: a visit that writes
 * nothing else leaves nothing behind. Synchronous (the SQLite-backed key-value API).
 */
export function objectName(ctx: DurableObjectState): string {
  return ctx.id.name ?? ctx.storage.kv.get<string>(NAME_KEY) ?? ctx.id.toString();
}

/**
 * Keeps the name this invocation carries in the object's storage, unless it is kept already
 * (one write per object, ever), and answers `objectName`. An actor runs it with its first
 * write (`RuntimeTables.onFirstWrite`): a wake-up without the name is an alarm (which needs
 * a stored timer, so the object wrote) or a hibernated socket's event (an entity's socket
 * comes with its enrolment, a write); a supervisor runs it at once.
 */
export function rememberName(ctx: DurableObjectState): string {
  const named = ctx.id.name;
  if (named !== undefined && ctx.storage.kv.get<string>(NAME_KEY) !== named) {
    ctx.storage.kv.put(NAME_KEY, named);
  }
  return objectName(ctx);
}
