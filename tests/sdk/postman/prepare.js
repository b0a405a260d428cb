// Turns the collection openapi-to-postmanv2 converts from the spec into one that runs by itself
// and asserts what the spec declares (the converter writes no tests):
//
//   node prepare.js openapi.json converted.json prepared.json
//
// - a collection-level pre-request signs up an account of the run's own and logs in, once, into
//   {{bearerToken}} (again after the run logs out);
// - every request gets a pm.test that its status is one the spec declares for it, and one that
//   the Content-Type is the one declared for that status (the converter copies every declared
//   response into item.response, so the spec is not read twice);
// - the spec's example account becomes the run's own, the ids and ETags of what the run creates
//   replace the example ids and ETags, and deletions run last, newest things first.
const fs = require("fs");

const [specPath, convertedPath, preparedPath] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
const collection = JSON.parse(fs.readFileSync(convertedPath, "utf8"));

const SIGN_UP = "/api/v1/users";
const LOG_IN = "/api/v1/tokens";
const LOG_OUT = "DELETE /api/v1/tokens/current";
// After it the run has no account to log in with.
const ACCOUNT_DELETION = "DELETE /api/v1/users/me";
// Routes on which the example username means someone other than the caller: new accounts, and
// what one may not do to oneself (share with, or delete as an administrator).
const OTHER_USER = {
  "POST /api/v1/users": "peer",
  "POST /userSignUp": "newcomer",
  "PUT /api/v1/resources/{resource_id}/grants/{username}": "peer",
  "DELETE /api/v1/resources/{resource_id}/grants/{username}": "peer",
  "DELETE /api/v1/users/{username}": "peer",
};
const ETAG_HEADERS = /^if-(none-)?match$/i;
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

const example = spec.components.schemas.UserCreate.properties;
const EXAMPLE = {
  username: example.username.example,
  email: example.email.example,
  password: example.password.example,
};

function requests(items) {
  return items.flatMap((item) => (item.item ? requests(item.item) : [item]));
}

const items = requests(collection.item);
const route = (item) => {
  const path = item.request.url.path.map((part) => part.replace(/^:(.+)$/, "{$1}"));
  return `${item.request.method} /${path.join("/")}`;
};
const depth = (item) => item.request.url.path.length;
const idParameters = (item) =>
  (item.request.url.variable || []).map((v) => v.key).filter((key) => key.endsWith("_id"));
// Path parameters are named <thing>_id (the team's style): POST .../things creates a thing_id.
const createdId = (item) => {
  const things = item.request.url.path.at(-1);
  const id = `${things.replace(/s$/, "")}_id`;
  const used = items.some((other) => idParameters(other).includes(id));
  return item.request.method === "POST" && used ? id : null;
};
// The ETag a request sends back is that of the thing its path ends with.
const addressedId = (item) => {
  const last = item.request.url.path.at(-1);
  return last.startsWith(":") && last.endsWith("_id") ? last.slice(1) : null;
};

function runsAccount(value, user) {
  if (value === EXAMPLE.username) return `{{${user}}}`;
  if (value === EXAMPLE.email) return `{{${user}}}@example.com`;
  if (value === EXAMPLE.password) return "{{password}}";
  return value;
}

function substitute(body, user) {
  if (Array.isArray(body)) return body.map((value) => substitute(value, user));
  if (body === null || typeof body !== "object") return runsAccount(body, user);
  const entries = Object.entries(body).map(([key, value]) => [
    key,
    key === "current_password" ? "{{password}}" : substitute(value, user),
  ]);
  return Object.fromEntries(entries);
}

function rewriteRequest(item) {
  const request = item.request;
  const user = OTHER_USER[route(item)] || "username";
  for (const variable of request.url.variable || []) {
    variable.value = variable.key.endsWith("_id")
      ? `{{${variable.key}}}`
      : runsAccount(variable.value, user);
  }
  for (const parameter of request.url.query || []) {
    parameter.value = runsAccount(parameter.value, user);
  }
  const addressed = addressedId(item);
  for (const header of request.header || []) {
    if (addressed && ETAG_HEADERS.test(header.key)) header.value = `{{${addressed}_etag}}`;
  }
  if (request.body?.options?.raw?.language === "json" && request.body.raw) {
    request.body.raw = JSON.stringify(substitute(JSON.parse(request.body.raw), user), null, 2);
  }
}

function declaredResponses(item) {
  const declared = {};
  for (const response of item.response || []) {
    const contentType = (response.header || []).find((h) => /^content-type$/i.test(h.key));
    declared[response.code] = contentType ? contentType.value.split(";")[0].trim() : null;
  }
  return declared;
}

function testScript(item) {
  const declared = declaredResponses(item);
  const name = route(item);
  const lines = [
    `const route = ${JSON.stringify(name)};`,
    `const declared = ${JSON.stringify(declared)};`,
    "const answered = pm.response.code;",
    "const statuses = Object.keys(declared);",
    "pm.test(`declared status: ${route} answered ${answered} (declares ${statuses})`, () => {",
    "  pm.expect(statuses.map(Number)).to.include(answered);",
    "});",
    "const mediaType = declared[answered];",
    "if (mediaType) {",
    "  pm.test(`declared Content-Type: ${route} answered ${answered} as ${mediaType}`, () => {",
    '    const got = (pm.response.headers.get("Content-Type") || "").split(";")[0].trim();',
    "    pm.expect(got).to.eql(mediaType);",
    `    if (${JSON_MEDIA_TYPE}.test(mediaType)) pm.response.json();`,
    "  });",
    "}",
    'const etag = pm.response.headers.get("ETag");',
  ];
  const created = createdId(item);
  if (created) {
    lines.push(
      "if (answered === 201) {",
      `  pm.collectionVariables.set("${created}", String(pm.response.json().id));`,
      `  pm.collectionVariables.set("${created}_etag", etag);`,
      "}",
    );
  }
  const addressed = addressedId(item);
  if (addressed) lines.push(`if (etag) pm.collectionVariables.set("${addressed}_etag", etag);`);
  const body = item.request.body || {};
  if (body.mode === "raw" && /"new_password"/.test(body.raw || "")) {
    lines.push(
      "if (answered < 300) {",
      '  pm.collectionVariables.set("password", JSON.parse(pm.request.body.raw).new_password);',
      "}",
    );
  }
  if (name === LOG_OUT) {
    lines.push('if (answered < 300) pm.collectionVariables.unset("bearerToken");');
  }
  return lines;
}

// Runs before every request: the run's accounts are made up once, and whenever there is no token
// the run's account logs in (signing up the first time); a failure is a failed assertion.
const PRE_REQUEST = `
if (!pm.collectionVariables.get("username")) {
  const name = "pm-" + Math.random().toString(36).slice(2, 10);
  pm.collectionVariables.set("username", name);
  pm.collectionVariables.set("peer", name + "-peer");
  pm.collectionVariables.set("newcomer", name + "-new");
}
if (!pm.collectionVariables.get("bearerToken")) {
  const post = (path) => ({
    url: pm.variables.get("baseUrl") + path,
    method: "POST",
    header: { "Content-Type": "application/json" },
    body: { mode: "raw", raw: JSON.stringify({
      username: pm.collectionVariables.get("username"),
      password: pm.collectionVariables.get("password"),
    }) },
  });
  const logIn = () => pm.sendRequest(post("${LOG_IN}"), (error, response) => {
    pm.test("the run's account logs in", () => pm.expect(error || response.code).to.equal(201));
    if (!error && response.code === 201) {
      pm.collectionVariables.set("bearerToken", response.json().access_token);
    }
  });
  if (pm.collectionVariables.get("signedUp")) {
    logIn();
  } else {
    pm.sendRequest(post("${SIGN_UP}"), (error, response) => {
      pm.test("the run's account signs up", () => pm.expect(error || response.code).to.equal(201));
      pm.collectionVariables.set("signedUp", "1");
      logIn();
    });
  }
}`;

const creators = items.filter(createdId).map(createdId);
const creationRank = (id) => creators.indexOf(id);
// Deleting a thing deletes what hangs off it, so the newest things go first (a comment before its
// resource), then deeper paths (a grant before its resource); the account goes last of all.
const deletionOrder = (a, b) => {
  const [aIds, bIds] = [idParameters(a), idParameters(b)];
  const newest = (ids) => Math.max(-1, ...ids.map(creationRank));
  const last = (item) => (route(item) === ACCOUNT_DELETION ? 1 : 0);
  return (
    last(a) - last(b) ||
    (aIds.length ? 0 : 1) - (bIds.length ? 0 : 1) ||
    newest(bIds) - newest(aIds) ||
    depth(b) - depth(a)
  );
};
const posts = items.filter((item) => item.request.method === "POST");
const deletions = items.filter((item) => item.request.method === "DELETE");
const rest = items.filter((item) => !posts.includes(item) && !deletions.includes(item));

for (const item of items) {
  rewriteRequest(item);
  item.event = [{ listen: "test", script: { type: "text/javascript", exec: testScript(item) } }];
}
// What is created first is what later paths need: shallow creations first.
collection.item = [
  ...posts.sort((a, b) => depth(a) - depth(b)),
  ...rest,
  ...deletions.sort(deletionOrder),
];
collection.variable = [
  { key: "baseUrl", value: "http://127.0.0.1:8000" },
  { key: "password", value: EXAMPLE.password },
  ...["username", "peer", "newcomer", "signedUp", "bearerToken"].map((key) => ({ key, value: "" })),
  ...creators.flatMap((id) => [id, `${id}_etag`]).map((key) => ({ key, value: "" })),
];
collection.event = [
  { listen: "prerequest", script: { type: "text/javascript", exec: PRE_REQUEST.split("\n") } },
];
fs.writeFileSync(preparedPath, JSON.stringify(collection, null, 2));
console.log(`${collection.item.length} requests: ${collection.item.map(route).join(", ")}`);
