// The gateway's console: plain DOM, no framework, nothing from a CDN. Every request goes
// to this gateway's /graphql with the caller's own credentials (kept in sessionStorage,
// for this tab only); what a reader may not do, the API refuses.
"use strict";

const GROUPS = [
  ["Sign-in", ["usernameConfiguration", "policies.signInPolicy", "mfaConfiguration",
    "userAttributeUpdateSettings", "autoVerifiedAttributes", "accountRecoverySetting"]],
  ["Security", ["policies.passwordPolicy", "deletionProtection", "userPoolAddOns",
    "userPoolTier", "adminCreateUserConfig"]],
  ["Messaging", ["emailConfiguration", "smsConfiguration", "verificationMessageTemplate",
    "emailVerificationMessage", "emailVerificationSubject", "smsVerificationMessage",
    "smsAuthenticationMessage"]],
  ["Triggers", ["lambdaConfig"]],
  ["Tags", ["userPoolTags"]],
];
const state = { pools: [], pool: null, versions: [], selected: [] };
const $ = (id) => document.getElementById(id);

function say(text) { $("status").textContent = text; }

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function shown(value) { return value === undefined || value === null ? "—" : JSON.stringify(value); }

async function graphql(query, variables) {
  const headers = { "content-type": "application/json" };
  const secret = sessionStorage.getItem("gateway-credentials");
  if (secret) {
    if (secret.split(".").length === 3) headers.authorization = `Bearer ${secret}`;
    else headers["x-api-key"] = secret;
  }
  const response = await fetch("/graphql", {
    method: "POST", headers, body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) {
    const error = body.errors[0];
    const code = (error.extensions || {}).code || response.status;
    throw new Error(`${code}: ${error.message}`);
  }
  return body.data;
}

async function loadPools() {
  say("Loading pools…");
  try {
    const data = await graphql("{ userPools(first: 60) { nodes { id name } } }");
    state.pools = data.userPools.nodes;
    renderPools();
    say(`${state.pools.length} pools`);
  } catch (error) { say(`Could not list pools: ${error.message}`); }
}

function renderPools() {
  const wanted = $("search").value.trim().toLowerCase();
  const list = $("pools");
  list.replaceChildren();
  for (const pool of state.pools) {
    if (wanted && !`${pool.name} ${pool.id}`.toLowerCase().includes(wanted)) continue;
    const button = element("button", `${pool.name} (${pool.id})`);
    button.type = "button";
    button.addEventListener("click", () => openPool(pool));
    const item = element("li");
    item.append(button);
    list.append(item);
  }
  const other = $("other-pool");
  other.replaceChildren();
  for (const pool of state.pools) {
    const option = element("option", `${pool.name} (${pool.id})`);
    option.value = pool.id;
    other.append(option);
  }
}

async function openPool(pool) {
  state.pool = pool;
  state.selected = [];
  $("pool").hidden = false;
  $("pool-title").textContent = `${pool.name} (${pool.id})`;
  $("diff").replaceChildren();
  $("plan").replaceChildren();
  say(`Loading ${pool.name}…`);
  try {
    await Promise.all([loadSettings(), loadHistory()]);
    say(`${pool.name}: ${state.versions.length} versions`);
    $("pool-title").focus();
  } catch (error) { say(`Could not read ${pool.name}: ${error.message}`); }
}

function valueAt(document, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), document);
}

async function loadSettings() {
  const data = await graphql("query($id: ID!) { exportUserPool(id: $id) }", { id: state.pool.id });
  const settings = $("settings");
  settings.replaceChildren();
  for (const [title, paths] of GROUPS) {
    const group = element("div", undefined, "group");
    group.append(element("h4", title));
    const list = element("dl");
    for (const path of paths) {
      const value = valueAt(data.exportUserPool, path);
      if (value === undefined) continue;
      list.append(element("dt", path));
      const detail = element("dd");
      detail.append(element("pre", JSON.stringify(value, null, 2)));
      list.append(detail);
    }
    group.append(list);
    settings.append(group);
  }
}

async function loadHistory() {
  const data = await graphql(`query($id: ID!) { userPoolHistory(id: $id, first: 100) {
    nodes { version recordedAt source principal requestId changes { path before after risk } } } }`,
  { id: state.pool.id });
  state.versions = data.userPoolHistory.nodes;
  renderTimeline();
}

function changesTable(changes, caption) {
  const table = element("table");
  table.append(element("caption", caption));
  const head = element("tr");
  for (const name of ["Setting", "Before", "", "After", "Risk"]) head.append(element("th", name));
  table.append(head);
  for (const change of changes) {
    const row = element("tr", undefined, change.risk === "HIGH" ? "high" : "");
    row.append(element("td", change.path), element("td", shown(change.before)),
      element("td", "→"), element("td", shown(change.after)),
      element("td", change.risk, change.risk === "HIGH" ? "high" : ""));
    table.append(row);
  }
  return table;
}

function renderTimeline() {
  const highOnly = $("high-only").checked;
  const externalOnly = $("external-only").checked;
  const timeline = $("timeline");
  timeline.replaceChildren();
  for (const version of state.versions) {
    const high = version.changes.some((change) => change.risk === "HIGH");
    if ((highOnly && !high) || (externalOnly && version.source !== "EXTERNAL")) continue;
    const item = element("li");
    item.dataset.source = version.source;
    const pick = element("input");
    pick.type = "checkbox";
    pick.id = `pick-${version.version}`;
    pick.checked = state.selected.includes(version.version);
    pick.addEventListener("change", () => {
      state.selected = state.selected.filter((v) => v !== version.version);
      if (pick.checked) state.selected = [...state.selected, version.version].slice(-2);
      renderTimeline();
    });
    const label = element("label");
    label.htmlFor = pick.id;
    label.append(element("span", version.source, "source"),
      element("span", ` ${version.recordedAt} · ${version.principal || "outside the gateway"}` +
        `${version.requestId ? ` · request ${version.requestId}` : ""} · version ${version.version}`));
    item.append(pick, label);
    if (version.changes.length) item.append(changesTable(version.changes, `Changes in ${version.version}`));
    const restore = element("button", `Preview a restore to ${version.version}`);
    restore.type = "button";
    restore.addEventListener("click", () => previewRestore(version.version));
    item.append(restore);
    timeline.append(item);
  }
}

async function compareVersions() {
  if (state.selected.length !== 2) { say("Select two versions to compare."); return; }
  const [newer, older] = [...state.selected].sort((a, b) => position(a) - position(b));
  try {
    const data = await graphql(`query($id: ID!, $left: String!, $right: String!) {
      compareUserPoolVersions(id: $id, left: $left, right: $right) { path before after risk } }`,
    { id: state.pool.id, left: older, right: newer });
    showDiff(data.compareUserPoolVersions, `From version ${older} to version ${newer}`);
  } catch (error) { say(`Could not compare: ${error.message}`); }
}

function position(version) { return state.versions.findIndex((v) => v.version === version); }

async function comparePools(event) {
  event.preventDefault();
  const other = $("other-pool").value;
  try {
    const data = await graphql(`query($left: ID!, $right: ID!) {
      compareUserPools(left: $left, right: $right) { path before after risk } }`,
    { left: state.pool.id, right: other });
    showDiff(data.compareUserPools, `From ${state.pool.id} to ${other}`);
  } catch (error) { say(`Could not compare: ${error.message}`); }
}

function showDiff(changes, caption) {
  const diff = $("diff");
  diff.replaceChildren(changes.length ? changesTable(changes, caption) : element("p", `${caption}: no differences`));
  say(`${changes.length} differences`);
}

const UPDATE = `mutation($id: ID!, $patch: UserPoolPatch!, $dryRun: Boolean, $confirm: Boolean) {
  updateUserPool(id: $id, patch: $patch, dryRun: $dryRun, confirmHighRisk: $confirm) {
    dryRun changes { path before after risk } pool { version } } }`;
const RESTORE = `mutation($id: ID!, $version: String!, $dryRun: Boolean, $confirm: Boolean) {
  restoreUserPool(id: $id, version: $version, dryRun: $dryRun, confirmHighRisk: $confirm) {
    dryRun changes { path before after risk } pool { version } } }`;

async function previewPatch(event) {
  event.preventDefault();
  let patch;
  try { patch = JSON.parse($("patch").value); } catch (error) {
    say(`The patch is not JSON: ${error.message}`); return;
  }
  await plan("the patch", (confirm, dryRun) => graphql(UPDATE,
    { id: state.pool.id, patch, dryRun, confirm }).then((d) => d.updateUserPool));
}

async function previewRestore(version) {
  await plan(`the restore to ${version}`, (confirm, dryRun) => graphql(RESTORE,
    { id: state.pool.id, version, dryRun, confirm }).then((d) => d.restoreUserPool));
}

async function plan(what, send) {
  const area = $("plan");
  area.replaceChildren();
  let planned;
  try { planned = await send(false, true); } catch (error) {
    say(`Refused: ${error.message}`); return;
  }
  const high = planned.changes.some((change) => change.risk === "HIGH");
  area.append(changesTable(planned.changes, `Plan of ${what} (nothing written yet)`));
  const confirm = element("input");
  confirm.type = "checkbox";
  confirm.id = "confirm-high";
  const label = element("label", " I confirm the HIGH-risk changes");
  label.htmlFor = "confirm-high";
  const apply = element("button", `Apply ${what}`);
  apply.type = "button";
  apply.id = "apply";
  if (high) area.append(confirm, label);
  area.append(apply);
  apply.addEventListener("click", async () => {
    if (high && !confirm.checked) {
      say("Not applied: confirm the HIGH-risk changes first.");
      confirm.focus();
      return;
    }
    try {
      const done = await send(high, false);
      say(`Applied: version ${done.pool.version}, ${done.changes.length} changes.`);
      area.replaceChildren(changesTable(done.changes, `Applied ${what}`));
      await loadSettings();
      await loadHistory();
    } catch (error) { say(`Not applied: ${error.message}`); }
  });
  say(high ? `The plan of ${what} has HIGH-risk changes: confirm them to apply.`
    : `The plan of ${what}: ${planned.changes.length} changes.`);
}

$("credentials").addEventListener("submit", (event) => {
  event.preventDefault();
  const secret = $("secret").value.trim();
  if (secret) sessionStorage.setItem("gateway-credentials", secret);
  else sessionStorage.removeItem("gateway-credentials");
  $("secret").value = "";
  loadPools();
});
$("search").addEventListener("input", renderPools);
$("high-only").addEventListener("change", renderTimeline);
$("external-only").addEventListener("change", renderTimeline);
$("compare-versions").addEventListener("click", compareVersions);
$("compare-pools").addEventListener("submit", comparePools);
$("patch-form").addEventListener("submit", previewPatch);
$("pool-title").tabIndex = -1;
loadPools();
