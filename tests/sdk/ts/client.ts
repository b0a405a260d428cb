// A typed client of the API: openapi-fetch over the types openapi-typescript generates
// (schema.d.ts). Signs up, logs in, creates a resource, reads it back, comments on it and
// reads a missing one;
// prints a JSON summary and exits 1 if any answer is not what the contract promises.
//
//   node out/client.js [base URL] [username]    (or API_BASE_URL, API_USERNAME)
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];

const baseUrl = process.argv[2] ?? process.env.API_BASE_URL ?? "http://127.0.0.1:8000";
const username = process.argv[3] ?? process.env.API_USERNAME ?? `ts-${Date.now()}`;
const password = "correct horse battery";
const missingId = 999999;

const api = createClient<paths>({ baseUrl });
const mismatches: string[] = [];

function check(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) {
    mismatches.push(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  }
}

const signUp = await api.POST("/api/v1/users", { body: { username, password } });
check("sign-up status", signUp.response.status, 201);
check("sign-up username", signUp.data?.username, username);

const logIn = await api.POST("/api/v1/tokens", { body: { username, password } });
check("log-in status", logIn.response.status, 201);
const headers = { Authorization: `Bearer ${logIn.data?.access_token ?? ""}` };

const created = await api.POST("/api/v1/resources", {
  headers,
  body: { name: "Notes", data: { color: "green" } },
});
check("create status", created.response.status, 201);
check("create Location", created.response.headers.has("Location"), true);
const resourceId = created.data?.id ?? missingId;

const read = await api.GET("/api/v1/resources/{resource_id}", {
  headers,
  params: { path: { resource_id: resourceId } },
});
check("read status", read.response.status, 200);
check("read name", read.data?.name, "Notes");
check("read owner", read.data?.owner, username);

const commented = await api.POST("/api/v1/resources/{resource_id}/comments", {
  headers,
  params: { path: { resource_id: resourceId } },
  body: { body: "Looks right." },
});
check("comment status", commented.response.status, 201);
check("comment author", commented.data?.author, username);
check("comment ETag", commented.response.headers.get("ETag"), '"v1"');

const missing = await api.GET("/api/v1/resources/{resource_id}", {
  headers,
  params: { path: { resource_id: missingId } },
});
const problem: Problem | undefined = missing.error;
check("missing status", missing.response.status, 404);
check("missing content type", missing.response.headers.get("Content-Type"), "application/problem+json");
check("missing problem status", problem?.status, 404);

console.log(
  JSON.stringify({
    created: { status: created.response.status, id: created.data?.id, version: created.data?.version },
    read: { status: read.response.status, name: read.data?.name },
    comment: { status: commented.response.status, id: commented.data?.id },
    missing: { status: missing.response.status, problem },
    mismatches,
  }),
);
process.exit(mismatches.length === 0 ? 0 : 1);
