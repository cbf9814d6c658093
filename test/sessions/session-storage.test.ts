import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { storedState } from "../../durable-objects/runtime/testing";
import { expectProblem, http } from "../workers/client";
import { openPresence, session, sessionStub, uniqueUser } from "./helpers";

const stored = (user: string) =>
  runInDurableObject(sessionStub(user), (_actor, state) => storedState(state.storage));

/** What an object that never wrote (or was erased) keeps: nothing. */
const NOTHING = { tables: [], keys: [], alarm: null };

describe("Sessions: storage of users who never had a session", () => {
  it("a GET of an unknown user, a read and a refused presence socket leave the object no storage", async () => {
    const user = uniqueUser("stranger");
    expectProblem(await http("GET", `/v1/sessions/${user}`), 404, "not-found");
    expect(await session(user).call("get", null)).toMatchObject({ ok: false, code: "not-found" });
    const refused = await openPresence(user);
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(409);
    // Not one table (the runtime's are created with the first write), not the object's name,
    // no alarm: the empty database of a never-written object (one 4 KiB page).
    const after = await stored(user);
    expect(after).toMatchObject(NOTHING);
    expect(after.databaseSize).toBeLessThanOrEqual(4096);
    // Evicted and read again: still nothing.
    await abortAllDurableObjects();
    expect(await session(user).call("get", null)).toMatchObject({ code: "not-found" });
    expect(await stored(user)).toMatchObject(NOTHING);
  });
});
