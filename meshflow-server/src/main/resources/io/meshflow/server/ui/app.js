// MeshFlow trace viewer: plain JavaScript, no dependencies. Reads the server's API with the key kept in session storage.
"use strict";

const KEY = "meshflow.apiKey";
const $ = (selector) => document.querySelector(selector);

// The step fields shown in their own place in the detail panel; any other field of a step (guardian findings,
// signature status, ... added by later versions of the server) is listed generically under "more".
const KNOWN_STEP_FIELDS = new Set([
  "seq", "step_id", "node_id", "agent_id", "input", "output", "output_truncated", "verdict", "blocked",
  "block_reason", "verdict_detail", "uncertainty", "uncertainty_source", "tokens_used", "cost_usd", "duration_ms",
  "started_at", "ended_at", "tool_calls",
]);

let live = null; // the AbortController of the live event stream, while one is open
let current = { runId: null, trace: null, chain: null, selected: null };

function apiKey() {
  return sessionStorage.getItem(KEY);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    // through the CSSOM: the page's Content-Security-Policy forbids inline style attributes
    else if (name === "style") Object.assign(node.style, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class Unauthorized extends Error {}

async function api(path) {
  const response = await fetch(path, {
    headers: { Authorization: "Bearer " + apiKey(), Accept: "application/json" },
  });
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = null;
  }
  if (response.status === 401) {
    throw new Unauthorized((body && body.message) || "the API key is not valid");
  }
  if (!response.ok) {
    const error = new Error((body && body.message) || "HTTP " + response.status);
    error.status = response.status;
    error.code = body && body.error;
    throw error;
  }
  return body;
}

function show(id) {
  for (const section of ["login", "runs-view", "run-view"]) {
    $("#" + section).hidden = section !== id;
  }
  $("#forget-key").hidden = id === "login";
}

function fail(error) {
  if (error instanceof Unauthorized) {
    sessionStorage.removeItem(KEY);
    showLogin(error.message);
    return;
  }
  $("#error").textContent = String(error.message || error);
}

function showLogin(message) {
  stopLive();
  show("login");
  $("#login-error").textContent = message || "";
  $("#api-key").focus();
}

// ---- runs list -------------------------------------------------------------------------------------------------

function formatCost(usd) {
  return "$" + Number(usd || 0).toFixed(4);
}

function millis(run) {
  if (!run.ended_at) return "-";
  return String(Date.parse(run.ended_at) - Date.parse(run.started_at));
}

function statusBadge(status) {
  return el("span", { class: "badge s-" + status, text: status });
}

async function showRuns() {
  stopLive();
  show("runs-view");
  const status = $("#status-filter").value;
  const body = await api("/runs?limit=100" + (status ? "&status=" + encodeURIComponent(status) : ""));
  const tbody = $("#runs-table tbody");
  tbody.replaceChildren();
  for (const run of body.runs) {
    const open = () => { location.hash = "#/runs/" + encodeURIComponent(run.run_id); };
    tbody.append(el("tr", { class: "run-row", "data-run-id": run.run_id, onclick: open },
      el("td", {}, el("code", { text: run.run_id })),
      el("td", { text: run.workflow_name }),
      el("td", {}, statusBadge(run.status)),
      el("td", { class: "num", text: run.steps }),
      el("td", { class: "num", text: run.tokens_used }),
      el("td", { class: "num", text: formatCost(run.cost_usd) }),
      el("td", { class: "num", text: millis(run) }),
      el("td", { text: new Date(run.started_at).toLocaleString() })));
  }
  $("#runs-empty").hidden = body.runs.length > 0;
}

// ---- one run ---------------------------------------------------------------------------------------------------

async function showRun(runId) {
  stopLive();
  show("run-view");
  current = { runId, trace: null, chain: null, selected: null };
  $("#detail").replaceChildren(el("p", { class: "muted", text: "Click a step to see its prompt, output, tokens, cost and verdict." }));
  await loadTrace();
  if (current.trace && current.trace.run.status === "RUNNING") {
    startLive(runId);
  }
}

async function loadTrace() {
  const runId = current.runId;
  const [trace, chain] = await Promise.all([
    api("/traces/" + encodeURIComponent(runId)),
    api("/runs/" + encodeURIComponent(runId) + "/verify").catch((e) => ({ error: String(e.message || e) })),
  ]);
  if (runId !== current.runId) return;
  current.trace = trace;
  current.chain = chain;
  renderHeader();
  renderWaterfall();
  if (current.selected !== null) {
    const step = trace.steps.find((s) => s.step_id === current.selected);
    if (step) renderDetail(step);
  }
}

function chainText(chain) {
  if (!chain) return el("span", { class: "muted", text: "chain: …" });
  if (chain.error) return el("span", { class: "muted", text: "chain: not verified (" + chain.error + ")" });
  if (chain.valid) {
    return el("span", { class: "chain-ok", id: "chain-status", text: "chain intact (" + chain.records_checked + " records)" });
  }
  return el("span", { class: "chain-bad", id: "chain-status",
    text: "chain BROKEN at step " + chain.step_id + " (seq " + chain.seq + "): " + chain.problem });
}

function renderHeader() {
  const run = current.trace.run;
  const header = $("#run-header");
  header.replaceChildren(
    el("h1", { text: run.workflow_name }),
    statusBadge(run.status),
    el("code", { text: run.run_id }),
    el("span", { text: run.steps + " steps · " + run.tokens_used + " tokens · " + formatCost(run.cost_usd)
      + " · " + millis(run) + " ms" }),
    chainText(current.chain));
  if (run.error) header.append(el("div", { class: "error", text: "reason: " + run.error }));
}

// Parallel branches: each step goes to the first lane that is free when it starts.
function lanes(steps) {
  const ends = [];
  const lane = new Map();
  const byStart = [...steps].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at) || a.seq - b.seq);
  for (const step of byStart) {
    const start = Date.parse(step.started_at);
    let i = ends.findIndex((end) => end <= start);
    if (i < 0) {
      i = ends.length;
      ends.push(0);
    }
    ends[i] = Date.parse(step.ended_at);
    lane.set(step.step_id, i);
  }
  return { lane, count: ends.length };
}

function renderWaterfall() {
  const { run, steps } = current.trace;
  const box = $("#waterfall");
  box.replaceChildren();
  const t0 = Math.min(Date.parse(run.started_at), ...steps.map((s) => Date.parse(s.started_at)));
  const t1 = Math.max(run.ended_at ? Date.parse(run.ended_at) : Date.now(), ...steps.map((s) => Date.parse(s.ended_at)));
  const span = Math.max(t1 - t0, 1);
  const pct = (t) => (100 * (t - t0)) / span;

  const axis = el("div", { class: "track" });
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const shift = f === 0 ? "none" : f === 1 ? "translateX(-100%)" : "translateX(-50%)";
    axis.append(el("span", { class: "tick", style: { left: f * 100 + "%", transform: shift },
      text: Math.round(f * span) + " ms" }));
  }
  box.append(el("div", { class: "wf-axis" }, el("div", { class: "label muted", text: "step" }), axis));

  const { lane, count } = lanes(steps);
  const ordered = [...steps].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at) || a.seq - b.seq);
  for (const step of ordered) {
    const start = Date.parse(step.started_at);
    const end = Date.parse(step.ended_at);
    const select = () => selectStep(step);
    const label = el("div", { class: "label", title: step.node_id },
      el("span", { text: step.seq + " " + step.node_id + (step.agent_id ? " · " + step.agent_id : "") }),
      count > 1 ? el("span", { class: "lane", text: "branch " + (lane.get(step.step_id) + 1) }) : null);
    const bar = el("div", {
      class: "bar step v-" + step.verdict,
      "data-step-id": step.step_id,
      title: step.node_id + ": " + step.verdict + ", " + step.duration_ms + " ms, " + step.tokens_used + " tokens",
      style: { left: pct(start) + "%", width: Math.max(pct(end) - pct(start), 0.3) + "%" },
    });
    box.append(el("div", { class: "wf-row step", "data-step-id": step.step_id, onclick: select },
      label, el("div", { class: "track" }, bar)));
    // tool calls, nested under their step: the ledger keeps each call's duration, not its start, so they are laid
    // out one after another from the step's start
    let at = start;
    for (const call of step.tool_calls || []) {
      const callEnd = Math.min(at + call.duration_ms, end);
      box.append(el("div", { class: "wf-row tool", onclick: select },
        el("div", { class: "label", text: "↳ " + call.tool_name }),
        el("div", { class: "track" }, el("div", {
          class: "bar tool" + (call.error ? " error" : ""),
          title: call.tool_name + ": " + call.duration_ms + " ms",
          style: { left: pct(at) + "%", width: Math.max(pct(callEnd) - pct(at), 0.3) + "%" },
        }))));
      at = callEnd;
    }
  }
  if (steps.length === 0) box.append(el("p", { class: "muted", text: "No step recorded yet." }));
}

function selectStep(step) {
  current.selected = step.step_id;
  for (const row of document.querySelectorAll(".wf-row.step")) {
    row.classList.toggle("selected", row.dataset.stepId === step.step_id);
  }
  renderDetail(step);
}

function field(dl, name, value) {
  if (value === undefined || value === null || value === "") return;
  dl.append(el("dt", { text: name }), el("dd", {}, value instanceof Node ? value : String(value)));
}

function renderDetail(step) {
  const panel = $("#detail");
  const dl = el("dl");
  field(dl, "verdict", el("span", { class: "badge v-" + step.verdict, text: step.verdict }));
  field(dl, "reason", step.block_reason);
  field(dl, "detail", step.verdict_detail);
  field(dl, "agent", step.agent_id);
  field(dl, "tokens", step.tokens_used);
  field(dl, "cost", formatCost(step.cost_usd));
  field(dl, "duration", step.duration_ms + " ms");
  field(dl, "uncertainty", Number(step.uncertainty).toFixed(2) + " (" + step.uncertainty_source + ")");
  field(dl, "started", step.started_at);
  field(dl, "ended", step.ended_at);
  field(dl, "step id", step.step_id);
  field(dl, "chain", chainText(current.chain));
  const parts = [
    el("h2", { text: "Step " + step.seq + " · " + step.node_id }),
    dl,
    el("h3", { text: "Prompt / input" }),
    el("pre", { id: "detail-input", text: step.input }),
    el("h3", { text: "Output" + (step.output_truncated ? " (truncated by the policy)" : "") }),
    el("pre", { id: "detail-output", text: step.output }),
  ];
  for (const call of step.tool_calls || []) {
    parts.push(el("h3", { text: "Tool " + call.tool_name + " (" + call.duration_ms + " ms" + (call.error ? ", error" : "") + ")" }),
      el("pre", { text: call.arguments }), el("pre", { text: "→ " + call.result }));
  }
  const extra = Object.keys(step).filter((name) => !KNOWN_STEP_FIELDS.has(name));
  if (extra.length > 0) {
    parts.push(el("h3", { text: "More" }));
    const more = el("dl", { id: "detail-more" });
    for (const name of extra) {
      const value = step[name];
      field(more, name.replace(/_/g, " "), typeof value === "object" && value !== null
        ? el("pre", { text: JSON.stringify(value, null, 2) }) : value);
    }
    parts.push(more);
  }
  panel.replaceChildren(...parts);
}

// ---- live view -------------------------------------------------------------------------------------------------

function stopLive() {
  if (live) live.abort();
  live = null;
  $("#live").hidden = true;
}

async function startLive(runId) {
  const controller = new AbortController();
  live = controller;
  $("#live").hidden = false;
  $("#live-tokens").textContent = "";
  let reload = null;
  const scheduleReload = () => {
    if (reload) return;
    reload = setTimeout(() => { reload = null; loadTrace().catch(fail); }, 250);
  };
  try {
    const response = await fetch("/runs/" + encodeURIComponent(runId) + "/events", {
      headers: { Authorization: "Bearer " + apiKey(), Accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (!response.ok) {
      // the run is not live on this server (another server runs it): poll its trace instead
      while (live === controller && current.trace && current.trace.run.status === "RUNNING") {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        if (live === controller) await loadTrace();
      }
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (!data) continue;
        const event = JSON.parse(data);
        if (event.type === "TOKEN_DELTA") {
          const box = $("#live-tokens");
          box.textContent += event.text;
          box.scrollTop = box.scrollHeight;
        } else if (event.type !== "STEP_START") {
          scheduleReload();
        }
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") fail(e);
  } finally {
    if (live === controller) {
      live = null;
      $("#live").hidden = true;
      loadTrace().catch(fail);
    }
  }
}

// ---- routing ---------------------------------------------------------------------------------------------------

async function route() {
  $("#error").textContent = "";
  if (!apiKey()) {
    showLogin();
    return;
  }
  const match = location.hash.match(/^#\/runs\/(.+)$/);
  try {
    if (match) await showRun(decodeURIComponent(match[1]));
    else await showRuns();
  } catch (e) {
    fail(e);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("#api-key").value.trim());
    $("#api-key").value = "";
    route();
  });
  $("#forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    showLogin();
  });
  $("#refresh-runs").addEventListener("click", () => showRuns().catch(fail));
  $("#status-filter").addEventListener("change", () => showRuns().catch(fail));
  window.addEventListener("hashchange", route);
  route();
});
