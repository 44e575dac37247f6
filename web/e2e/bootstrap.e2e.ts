// The first admin of an instance others can reach, in the browser: the sign-up screen says
// the instance has no admin yet and how its admin gets in; the setup link the server printed
// (`parley admin bootstrap-token` prints it again; the token rides in the fragment, which no
// server sees) opens a sign-up that says so, takes the token out of the address bar, and
// makes that account the admin.

import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, apiAs, person, register } from "./browser";
import { binary } from "./server";
import { startStack, type Stack } from "./stack";

const PUBLIC_URL = "http://chat.example.org";

describe("setting up an instance others can reach", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { PARLEY_PUBLIC_URL: PUBLIC_URL, PARLEY_REGISTRATION: "open" } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("tells a visitor there is no admin yet, and lets the setup link's holder become it", async () => {
    const visitor = await person(stack.browser, stack.server.url);
    await visitor.getByText("This Parley has no admin yet").waitFor();
    expect(await accessibilityProblems(visitor), "the sign-in screen before setup").toEqual([]);

    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PARLEY_")));
    const token = execFileSync(binary, ["admin", "bootstrap-token"], {
      env: { ...inherited, PARLEY_DATA_DIR: stack.server.dataDir, PARLEY_DATABASE_URL: stack.db.url, PARLEY_PUBLIC_URL: PUBLIC_URL },
      stdio: ["ignore", "pipe", "pipe"],
    })
      .toString()
      .trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);

    // The link as printed, pointed at this test's address.
    const owner = await person(stack.browser, `${stack.server.url}/#bootstrap=${token}`);
    await owner.getByText("You are setting up this Parley").waitFor();
    expect(owner.url(), "the token leaves the address bar").not.toContain(token);
    await register(owner, "root");
    const api = await apiAs(owner, stack.server.url);
    const invites = await api<unknown[]>("GET", "/admin/invites");
    expect(Array.isArray(invites), "the setup link's account is the admin").toBe(true);

    // Once there is an admin, the notice is gone.
    const later = await person(stack.browser, stack.server.url);
    await later.getByRole("button", { name: "I need an account" }).waitFor();
    expect(await later.getByText("This Parley has no admin yet").count()).toBe(0);
  });
});
