// Lifeboat's dashboard: reads /api/v1/status every 5 s and each database's /history every 30 s (or when its newest
// backup or drill changed), draws its own small SVG charts, and starts on-demand jobs with the API token. No library,
// no build step. Every string from the agent reaches the DOM as text (textContent / createTextNode), never as HTML.
// One file over 400 lines on purpose: a page with no build step loads one script, and its parts (verdict, charts,
// cards, polling, jobs) are sections below that share the el()/svg() helpers.
"use strict";

const STATUS_EVERY_MS = 5000;
const HISTORY_EVERY_MS = 30000;
const JOB_POLL_MS = 1000;
const TOKEN_KEY = "lifeboat.token";
const SVG = "http://www.w3.org/2000/svg";

// ---- small helpers -------------------------------------------------------------------------------------------

/** An element with attributes and children; strings become text nodes (never parsed as HTML). */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => { if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v); });
  children.flat().forEach(c => { if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c))); });
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return "—";
  const s = Math.abs(seconds);
  if (s < 1) return Math.round(seconds * 1000) + " ms";
  if (s < 60) return (s < 10 ? seconds.toFixed(1) : Math.round(seconds)) + " s";
  if (s < 3600) return Math.round(seconds / 60) + " min";
  if (s < 172800) return (seconds / 3600).toFixed(s < 36000 ? 1 : 0) + " h";
  return Math.round(seconds / 86400) + " d";
}

function ago(iso) {
  if (!iso) return "never";
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  return seconds < 0 ? "in " + duration(-seconds) : duration(seconds) + " ago";
}

function bytes(n) {
  if (n === null || n === undefined || n < 0) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + " " + units[i];
}

function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function authHeaders() {
  const t = token();
  return t ? {accept: "application/json", authorization: "Bearer " + t} : {accept: "application/json"};
}

// ---- the verdict -----------------------------------------------------------------------------------------------

/**
 * The database's state as the verdict's reasons say it (the same conditions that drive the alerts): only a reason
 * makes it failing or degraded, so the page never disagrees with the API; a replica not proven restorable without
 * one (nothing shipped yet, not audited yet) is waiting.
 */
function databaseState(name, db, reasons) {
  const mine = reasons.filter(r => r.subject === name);
  if (mine.some(r => r.severity === "critical")) return "failing";
  if (mine.length) return "degraded";
  if (!db.audit || db.audit.restorable !== true) return "waiting";
  return "ok";
}

function problemOf(name, db, reasons) {
  const mine = reasons.filter(r => r.subject === name);
  if (mine.length) return mine[0].summary;
  if (db.audit && db.audit.problems) return db.audit.problems[0];
  return "not restorable";
}

/** [class, sentence]: what a person woken at 3 a.m. needs first. */
function headline(s) {
  const reasons = s.reasons || [];
  if (s.config && s.config.valid === false) {
    return ["failing", "Configuration invalid: " + (s.config.problems || []).join("; ")];
  }
  const dbs = Object.entries(s.databases || {});
  const n = dbs.length;
  if (!n) {
    return [s.status || "unknown", "No databases configured" + (reasons.length ? "; " + reasons[0].summary : "")];
  }
  const failing = dbs.filter(([name, db]) => databaseState(name, db, reasons) === "failing");
  if (failing.length) {
    return ["failing", failing.length + " of " + plural(n, "database") + " failing: "
        + failing.map(([name, db]) => problemOf(name, db, reasons)).join("; ")];
  }
  if (s.status === "failing") {
    return ["failing", "Failing: " + reasons.filter(r => r.severity === "critical").map(r => r.summary).join("; ")];
  }
  const restorable = dbs.filter(([, db]) => db.audit && db.audit.restorable === true);
  const newest = restorable.map(([, db]) => db.audit.restorablePoint).filter(Boolean).sort().pop();
  const tail = newest ? "; newest backup " + ago(newest) : "";
  let text;
  if (restorable.length === n) {
    text = (n === 1 ? "The database is restorable" : "All " + n + " databases restorable") + tail;
  } else {
    const waiting = dbs.filter(([, db]) => !(db.audit && db.audit.restorable === true)).map(([name]) => name);
    text = restorable.length + " of " + plural(n, "database") + " proven restorable" + tail + "; waiting for a first backup or audit: " + waiting.join(", ");
  }
  if (s.status === "degraded") {
    text += " — " + plural(reasons.length, "warning") + ": " + reasons[0].summary + (reasons.length > 1 ? " (and more below)" : "");
  }
  return [s.status || "unknown", text];
}

function renderVerdict(s) {
  const [cls, text] = headline(s);
  const v = document.getElementById("verdict");
  v.className = "verdict " + cls;
  v.dataset.status = s.status || "";
  v.textContent = text;
  document.getElementById("reasons").replaceChildren(...(s.reasons || []).map(r =>
      el("li", {}, el("span", {class: "badge " + (r.severity === "critical" ? "failing" : "degraded")}, r.severity), " ",
          r.summary, r.since ? " (since " + ago(r.since) + ")" : "")));
}

// ---- charts ----------------------------------------------------------------------------------------------------

/**
 * A small chart: bars or a line of points {x: epoch ms, y: number, label}. Marks the SVG with data-points (the number
 * drawn) so tests and people can tell an empty chart from a drawn one.
 */
function chart(caption, points, kind, format, emptyText) {
  const w = 330, h = 96, left = 52, right = 6, top = 8, bottom = 16;
  const box = svg("svg", {class: "chart", width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img", "data-points": points.length});
  box.append(svg("title", {}, caption));
  if (!points.length) {
    box.append(svg("text", {x: w / 2, y: h / 2, "text-anchor": "middle", class: "axis"}, emptyText));
    return el("figure", {}, box, el("figcaption", {}, caption));
  }
  const max = Math.max(...points.map(p => p.y), 0) || 1;
  const minX = Math.min(...points.map(p => p.x)), maxX = Math.max(...points.map(p => p.x));
  const plotW = w - left - right, plotH = h - top - bottom;
  const y = v => top + plotH - (v / max) * plotH;
  box.append(svg("line", {x1: left, x2: w - right, y1: top + plotH, y2: top + plotH, class: "grid"}));
  box.append(svg("line", {x1: left, x2: w - right, y1: top, y2: top, class: "grid"}));
  box.append(svg("text", {x: left - 4, y: top + 8, "text-anchor": "end", class: "axis"}, format(max)));
  box.append(svg("text", {x: left - 4, y: top + plotH, "text-anchor": "end", class: "axis"}, "0"));
  box.append(svg("text", {x: left, y: h - 3, class: "axis"}, ago(new Date(minX).toISOString())));
  box.append(svg("text", {x: w - right, y: h - 3, "text-anchor": "end", class: "axis"}, ago(new Date(maxX).toISOString())));
  if (kind === "bar") {
    const slot = plotW / points.length;
    points.forEach((p, i) => {
      const r = svg("rect", {class: "bar", x: left + i * slot + slot * 0.15, width: Math.max(1, slot * 0.7), y: y(p.y), height: Math.max(1, top + plotH - y(p.y))});
      r.append(svg("title", {}, p.label));
      box.append(r);
    });
  } else {
    const span = Math.max(1, maxX - minX);
    const x = v => left + ((v - minX) / span) * plotW;
    box.append(svg("polyline", {class: "line", points: points.map(p => x(p.x).toFixed(1) + "," + y(p.y).toFixed(1)).join(" ")}));
    if (points.length <= 60) {
      points.forEach(p => {
        const c = svg("circle", {class: "dot", cx: x(p.x), cy: y(p.y), r: 2});
        c.append(svg("title", {}, p.label));
        box.append(c);
      });
    }
  }
  return el("figure", {}, box, el("figcaption", {}, caption));
}

function backupCharts(history) {
  const runs = (history && history.backups) || [];
  const when = r => new Date(r.startedAt).toLocaleString();
  return [
    chart(runs.length === 1 ? "Backup size, one run" : runs.length ? "Backup size, last " + runs.length + " runs" : "Backup size", runs.map(r => ({x: Date.parse(r.startedAt), y: r.storedBytes,
      label: when(r) + ": " + bytes(r.storedBytes)})), "bar", bytes, history ? "no backups yet" : "loading…"),
    chart("Backup duration", runs.map(r => ({x: Date.parse(r.startedAt), y: r.durationSeconds,
      label: when(r) + ": " + duration(r.durationSeconds)})), "line", duration, history ? "no backups yet" : "loading…"),
  ];
}

function lagChart(history) {
  const samples = (history && history.lag && history.lag.samples) || [];
  return [chart("Replication lag, last hour", samples.map(p => ({x: p.epochSecond * 1000, y: p.lagSeconds,
    label: new Date(p.epochSecond * 1000).toLocaleTimeString() + ": " + duration(p.lagSeconds)})), "line", duration,
    history ? "no samples since the agent started" : "loading…")];
}

// ---- cards -----------------------------------------------------------------------------------------------------

const histories = new Map(); // database -> {at, key, data}

function historyKey(db) {
  // Not the audit's time: with a short audit-interval it changes on every poll; what an audit finds shows within 30 s.
  return JSON.stringify([db.backup && db.backup.lastBackupId, db.drill && db.drill.last && db.drill.last.id]);
}

async function refreshHistory(name, db) {
  const known = histories.get(name);
  const key = historyKey(db);
  if (known && known.key === key && Date.now() - known.at < HISTORY_EVERY_MS) return false;
  histories.set(name, {at: Date.now(), key, data: known && known.data});
  const r = await fetch("api/v1/databases/" + encodeURIComponent(name) + "/history", {headers: authHeaders()});
  if (!r.ok) return false;
  histories.set(name, {at: Date.now(), key, data: await r.json()});
  return true;
}

function row(label, ...value) { return [el("dt", {}, label), el("dd", {}, ...value)]; }

function databaseCard(name, db, reasons) {
  const state = databaseState(name, db, reasons);
  const history = (histories.get(name) || {}).data;
  const postgres = db.type === "postgres";
  const rows = [];
  const audit = db.audit || {};
  rows.push(...row("RPO now", audit.rpoSeconds !== undefined ? duration(audit.rpoSeconds) : audit.error ? el("span", {class: "problem"}, "unknown: " + audit.error) : "not audited yet"));
  if (audit.problems) rows.push(...row("Problems", el("span", {class: "problem"}, audit.problems.join("; "))));
  if (postgres) {
    const b = db.backup || {};
    rows.push(...row("Last backup", b.lastSuccessAt ? ago(b.lastSuccessAt) + " · " + bytes(b.lastStoredBytes) + " in " + duration(b.lastDurationSeconds) : "none yet",
        b.running ? el("span", {class: "badge running"}, "running") : null));
    if (b.lastFailureAt && (!b.lastSuccessAt || b.lastFailureAt > b.lastSuccessAt)) {
      rows.push(...row("Last failure", el("span", {class: "problem"}, ago(b.lastFailureAt) + ": " + (b.lastFailure || "failed"))));
    }
    rows.push(...row("Next backup", b.nextRunAt ? (Date.parse(b.nextRunAt) <= Date.now() ? "due now" : ago(b.nextRunAt)) + " (every " + db.schedule + ")" : db.schedule || "—"));
  } else {
    const r = db.replication || {};
    if (r.refused) {
      rows.push(...row("Replication", el("span", {class: "problem"}, "refused: " + r.refused)));
    } else {
      rows.push(...row("Replication", (r.state || "not started") + (r.lagSeconds !== undefined ? " · lag " + duration(r.lagSeconds) : "")
          + (r.lastShipAt ? " · last shipped " + ago(r.lastShipAt) : "")));
      if (r.lastError) rows.push(...row("Last error", el("span", {class: "problem"}, ago(r.lastErrorAt) + ": " + r.lastError)));
    }
  }
  const d = db.drill || {};
  const last = d.last;
  rows.push(...row("Last drill", last ? el("span", {}, el("span", {class: "badge " + last.outcome}, last.outcome), " " + ago(last.finishedAt)
      + (last.restoreMillis != null ? " · RTO " + duration(last.restoreMillis / 1000) : "") + (last.error ? " · " + last.error : "")) : d.off || d.waiting || "none yet"));
  if (d.runningSince) rows.push(...row("Drill", el("span", {class: "badge running"}, "running"), " since " + ago(d.runningSince)));
  else if (d.nextRunAt) rows.push(...row("Next drill", Date.parse(d.nextRunAt) <= Date.now() ? "due now" : ago(d.nextRunAt)));
  const drills = (history && history.drills) || [];
  const drillStrip = el("div", {class: "drills", "aria-label": "drill history"}, drills.slice().reverse().map(x =>
      el("span", {class: "drill " + x.outcome, title: new Date(x.startedAt).toLocaleString() + ": " + x.outcome
          + (x.restoreMillis != null ? ", RTO " + duration(x.restoreMillis / 1000) : "") + (x.error ? " — " + x.error : "")})));
  const title = el("h3", {}, name, el("span", {class: "badge"}, db.type), el("span", {class: "badge " + state}, state === "waiting" ? "not yet proven" : state));
  return el("div", {class: "card " + state, "data-database": name},
      title, el("dl", {}, rows),
      el("div", {class: "charts"}, postgres ? backupCharts(history) : lagChart(history)),
      drills.length ? el("div", {}, el("figcaption", {}, "Drills, oldest to newest (" + drills.filter(x => x.outcome === "passed").length + " of " + drills.length + " passed)"), drillStrip) : null,
      el("div", {class: "actions"},
          el("button", {type: "button", "data-job": "backup", "data-db": name}, postgres ? "Back up now" : "Snapshot now"),
          el("button", {type: "button", "data-job": "drill", "data-db": name}, "Drill now")));
}

function renderVolumes(volumes) {
  const names = Object.keys(volumes || {});
  if (!names.length) return el("p", {class: "empty"}, "no volumes configured");
  return el("table", {}, el("tr", {}, el("th", {}, "Volume"), el("th", {}, "Free space"), el("th", {}, "Fills up"), el("th", {}, "State")),
      names.map(n => {
        const v = volumes[n];
        const used = v.totalBytes ? 1 - v.freeBytes / v.totalBytes : null;
        const fill = used === null ? "—" : el("span", {}, el("span", {class: "fill" + (used > 0.9 ? " high" : "")}, el("span", {style: "width:" + Math.round(used * 100) + "%"})),
            bytes(v.freeBytes) + " free of " + bytes(v.totalBytes));
        const eta = v.timeToFullSeconds != null ? "in " + duration(v.timeToFullSeconds) + " at " + bytes(v.growthBytesPerSecond * 3600) + "/h"
            : v.growthBytesPerSecond != null ? "not growing" : "not enough checks yet";
        const failing = v.failing || [];
        const state = v.checked === false ? "not checked yet" : failing.length ? failing.map(f => f.severity + ": " + f.reason).join("; ") : "healthy";
        return el("tr", {}, el("td", {}, n, el("br"), el("small", {}, v.path)), el("td", {}, fill), el("td", {}, eta),
            el("td", {class: failing.length ? "problem" : null}, state));
      }));
}

function renderAlerts(alerts) {
  const firing = (alerts && alerts.firing) || [];
  if (alerts && alerts.error) return el("p", {class: "empty problem"}, "alerting unavailable: " + alerts.error);
  if (!firing.length) return el("p", {class: "empty"}, "none");
  return el("table", {}, firing.map(a => el("tr", {}, el("td", {}, el("span", {class: "badge " + (a.severity === "critical" ? "failing" : "degraded")}, a.severity)),
      el("td", {}, a.summary), el("td", {}, a.firedAt ? "firing since " + ago(a.firedAt) : a.status))));
}

function renderDestinations(destinations) {
  const names = Object.keys(destinations || {});
  if (!names.length) return el("p", {class: "empty"}, "none configured");
  return el("table", {}, names.map(n => {
    const d = destinations[n];
    return el("tr", {}, el("td", {}, n), el("td", {}, d.url || d.type || ""),
        el("td", {class: d.reachable === false ? "problem" : null}, d.reachable === false ? "unreachable" + (d.error ? ": " + d.error : "") : d.reachable ? "reachable" : "not checked yet"));
  }));
}

// ---- polling ---------------------------------------------------------------------------------------------------

let lastStatus = null;

function render(s) {
  renderVerdict(s);
  const fly = s.fly || {};
  document.getElementById("where").textContent = [fly.app, fly.region, fly.machine, fly.processGroup].filter(Boolean).join(" · ")
      || (s.config ? "config " + s.config.file : "");
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  const dbs = Object.entries(s.databases || {});
  const reasons = s.reasons || [];
  document.getElementById("databases").replaceChildren(...(dbs.length ? dbs.map(([n, db]) => databaseCard(n, db, reasons))
      : [el("p", {class: "empty"}, "no databases configured")]));
  document.getElementById("volumes").replaceChildren(renderVolumes(s.volumes));
  document.getElementById("alerts").replaceChildren(renderAlerts(s.alerts));
  document.getElementById("destinations").replaceChildren(renderDestinations(s.destinations));
}

async function refresh() {
  if (document.hidden && lastStatus) return;
  try {
    const r = await fetch("api/v1/status", {headers: authHeaders()});
    if (r.status === 401 || r.status === 403) {
      askToken("This agent needs a token to show its status (http.read-token or http.api-token).", refresh);
      return;
    }
    const s = await r.json();
    lastStatus = s;
    render(s);
    const updated = await Promise.all(Object.entries(s.databases || {}).map(([n, db]) => refreshHistory(n, db).catch(() => false)));
    if (updated.some(Boolean)) render(s);
  } catch (e) {
    const v = document.getElementById("verdict");
    v.className = "verdict unknown";
    v.textContent = "Cannot reach the Lifeboat agent: " + e.message;
  }
}

// ---- on-demand jobs --------------------------------------------------------------------------------------------

let afterToken = null;

function askToken(why, then) {
  afterToken = then;
  document.getElementById("token-why").textContent = why;
  document.getElementById("token-form").hidden = false;
  document.getElementById("token-input").focus();
}

document.getElementById("token-form").addEventListener("submit", e => {
  e.preventDefault();
  const input = document.getElementById("token-input");
  if (!input.value) return;
  sessionStorage.setItem(TOKEN_KEY, input.value);
  input.value = "";
  document.getElementById("token-form").hidden = true;
  const then = afterToken;
  afterToken = null;
  if (then) then();
});

document.getElementById("token-cancel").addEventListener("click", () => {
  afterToken = null;
  document.getElementById("token-form").hidden = true;
});

const JOB_URLS = {
  backup: db => "api/v1/databases/" + encodeURIComponent(db) + "/backups",
  drill: db => "api/v1/databases/" + encodeURIComponent(db) + "/drills",
  volumes: () => "api/v1/volumes/checks",
};

const JOB_LABELS = {backup: db => "Backup of " + db, drill: db => "Drill of " + db, volumes: () => "Volume check"};

/** A line in the jobs list that the job's progress updates. */
function jobLine(label) {
  const badge = el("span", {class: "badge queued"}, "starting");
  const detail = el("span", {}, "");
  const line = el("div", {class: "job", "data-state": "starting"}, el("strong", {}, label), badge, detail);
  document.getElementById("jobs").prepend(line);
  return {
    show(state, text) {
      line.dataset.state = state;
      badge.className = "badge " + state;
      badge.textContent = state;
      detail.textContent = text || "";
    },
  };
}

function jobText(job) {
  const p = job.progress || {};
  const parts = [];
  if (p.phase) parts.push(p.phase);
  if (p.bytes != null) parts.push(bytes(p.bytes));
  if (job.error) parts.push(String(job.error));
  const r = job.result;
  if (r && typeof r === "object") {
    // One shape per kind of job (jobs.JobResult): a backup, a snapshot, a drill, a volume check.
    parts.push(r.backupId && r.storedBytes != null ? "backup " + r.backupId + ", " + bytes(r.storedBytes) + " in " + duration(r.durationSeconds) : null);
    parts.push(r.generation ? "snapshot of generation " + r.generation : null);
    parts.push(r.drillId ? "drill " + r.outcome + (r.rtoMillis != null ? ", RTO " + duration(r.rtoMillis / 1000) : "") : null);
    parts.push(r.volumes != null ? r.healthy + " of " + plural(r.volumes, "volume") + " healthy" : null);
  } else if (r) {
    parts.push(String(r));
  }
  return parts.filter(Boolean).join(" · ");
}

async function startJob(kind, db) {
  if (!token()) {
    askToken("“" + JOB_LABELS[kind](db) + "” needs the agent's API token (http.api-token).", () => startJob(kind, db));
    return;
  }
  const line = jobLine(JOB_LABELS[kind](db));
  let r;
  try {
    r = await fetch(JOB_URLS[kind](db), {method: "POST", headers: authHeaders()});
  } catch (e) {
    line.show("failed", "cannot reach the agent: " + e.message);
    return;
  }
  if (r.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    line.show("failed", "the token was refused");
    askToken("The token was refused; enter the agent's API token again.", () => startJob(kind, db));
    return;
  }
  if (r.status === 403) {
    line.show("failed", "no API token is configured on the agent (http.api-token), so on-demand jobs are off");
    return;
  }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    line.show("failed", "HTTP " + r.status + (body.detail ? ": " + body.detail : body.title ? ": " + body.title : ""));
    return;
  }
  const location = r.headers.get("location") || (body.id ? "api/v1/jobs/" + encodeURIComponent(body.id) : null);
  if (!location) {
    line.show(body.state || "queued", jobText(body));
    return;
  }
  await followJob(location, line, body);
}

async function followJob(location, line, job) {
  for (;;) {
    line.show(job.state || "queued", jobText(job));
    if (job.state === "succeeded" || job.state === "failed") break;
    await new Promise(done => setTimeout(done, JOB_POLL_MS));
    try {
      const r = await fetch(location, {headers: authHeaders()});
      if (!r.ok) {
        line.show("failed", "lost track of the job: HTTP " + r.status);
        return;
      }
      job = await r.json();
    } catch (e) {
      line.show("unknown", "cannot reach the agent: " + e.message);
      return;
    }
  }
  histories.clear();
  refresh();
}

document.addEventListener("click", e => {
  const button = e.target.closest("button[data-job]");
  if (button) startJob(button.dataset.job, button.dataset.db);
});
document.getElementById("check-volumes").dataset.job = "volumes";

document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
refresh();
setInterval(refresh, STATUS_EVERY_MS);
