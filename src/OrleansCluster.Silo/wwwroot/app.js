// The live page: polls the admin API every second (the fault list, which may hold 10,000 faults, a page of it every
// few seconds) and draws what it answers. Plain DOM and SVG, no library;
// every value from the server goes in through textContent or an attribute, never as markup.
'use strict';

const keyName = 'orleanscluster.adminKey';
const pollMs = 1000;
// The fault list is the costly read (about 2.2 KB a site-wide fault): a screenful of it, less often, and again at once
// after this page injects or clears one. X-Total-Count gives how many there are in all.
const faultsPollMs = 5000;
const faultsPageSize = 50;
const faultList = { faults: [], total: 0, fetchedAt: 0, asked: 0, answered: 0 };
const stepCount = 60;
const svgNs = 'http://www.w3.org/2000/svg';
const kinds = {
  'node.slowdown': { target: 'node', param: 'factor', value: 3 },
  'node.thermal-throttle': { target: 'node', param: 'clockRatio', value: 0.8 },
  'node.crash': { target: 'node' },
  'node.flap': { target: 'node', param: 'periodSeconds', value: 5 },
  'site.power-cap': { target: 'site', param: 'ratio', value: 0.5 },
  'link.latency': { target: 'link', param: 'addMilliseconds', value: 10 },
  'link.bandwidth': { target: 'link', param: 'ratio', value: 0.5 },
  'link.packet-loss': { target: 'link', param: 'ratio', value: 0.01 },
  'link.partition': { target: 'link' },
};
// The parts of a step's time, as /api/cluster's lastStep.breakdown names them (they sum to T_step).
const parts = [
  ['computeSeconds', 'compute', '#58a6ff'], ['stragglerWaitSeconds', 'straggler wait', '#f0883e'],
  ['intraSiteSeconds', 'intra-site all-reduce', '#a371f7'], ['interSiteBandwidthSeconds', 'inter-site bandwidth', '#3fb950'],
  ['interSiteLatencySeconds', 'inter-site latency', '#e3b341'],
];
// lastStep's breakdown by step number, for APIs that report it on lastStep only: of one run (the scenario and the job's
// epoch, which a load, a start and a silo joining or leaving change), each with its T_step, so that a step numbered
// as one of another run, or run again after a rollback, is never drawn with a breakdown that is not its own.
const breakdowns = { run: null, steps: new Map() }; // step number -> { durationSeconds, breakdown }
const examples = { node: 'west-00007', link: '', site: '' }; // the inject form's placeholders, from what the silo shows

const $ = id => document.getElementById(id);
const key = () => sessionStorage.getItem(keyName);

// A message stays up for a few seconds, past the next polls.
// A link's stretch in the stragglers report: null while the link is down (a partition), which reads 'down'.
function stretchText(s) {
  if (!s) return '–';
  return s.stretch == null ? (s.up === false ? 'down' : '–') : s.stretch.toFixed(3);
}

function say(text) {
  $('message').textContent = text || '';
  $('message').dataset.until = String(Date.now() + 6000);
}

function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1e15) return (x / 1e15).toFixed(2) + ' P';
  if (a >= 1e12) return (x / 1e12).toFixed(2) + ' T';
  if (a >= 1e9) return (x / 1e9).toFixed(2) + ' G';
  if (a >= 1e6) return (x / 1e6).toFixed(2) + ' M';
  if (a >= 1e4) return (x / 1e3).toFixed(1) + ' k';
  return x.toPrecision(digits);
}
const seconds = s => s === undefined || s === null ? '–' : s < 0.01 ? (s * 1e3).toPrecision(3) + ' ms' : s.toPrecision(4) + ' s';
const percent = r => r === undefined || r === null ? '–' : (100 * r).toFixed(1) + ' %';

// The answer's JSON and its headers.
async function apiResponse(method, path, body) {
  const headers = { 'X-Api-Key': key() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    sessionStorage.removeItem(keyName);
    throw new Error('the admin key was refused: enter it again');
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error((json && (json.detail || json.title)) || `${method} ${path}: ${response.status}`);
  return { json, headers: response.headers };
}

async function api(method, path, body) {
  return (await apiResponse(method, path, body)).json;
}

function el(tag, attrs = {}, text) {
  const node = tag.startsWith('svg:') ? document.createElementNS(svgNs, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function rows(table, items, cells) {
  const body = table.tBodies[0];
  body.replaceChildren(...items.map(item => {
    const tr = el('tr');
    for (const cell of cells(item)) tr.append(cell instanceof Node ? cell : el('td', {}, String(cell)));
    return tr;
  }));
}

// Red as the share of stragglers grows; every site with a quarter or more of its nodes straggling is full red.
function shareColour(share) {
  const t = Math.min(1, share * 4);
  return `hsl(${Math.round(130 * (1 - t))}, 60%, ${38 + 6 * t}%)`;
}

// A site's nodes by state, summed over its generations (/api/cluster's counts, from the barrier).
function siteCounts(site) {
  const sum = state => (site.generations || []).reduce((n, g) => n + (g[state] || 0), 0);
  return { healthy: sum('healthy'), degraded: sum('degraded'), down: sum('down') };
}

// A chart takes the place of its placeholder the first time it is drawn (with the key). An <svg> has no `hidden`
// property (only HTML elements do): its attribute is removed.
function reveal(id) {
  $(id).removeAttribute('hidden');
  $(`${id}-placeholder`).hidden = true;
}

function drawSites(cluster, report) {
  reveal('sites');
  const svg = $('sites');
  const sites = cluster.sites || [];
  const bySite = new Map((report.bySite || []).map(s => [s.name, s]));
  const stretch = new Map((report.links || []).map(l => [l.link, l]));
  const links = cluster.links || [];
  const lift = i => 30 + 30 * (i % 3);
  const width = 900, gap = 24, height = 120, top = 30 + Math.max(0, ...links.map((_, i) => lift(i)));
  svg.setAttribute('viewBox', `0 0 ${width} ${top + height + 10}`);
  const gpus = sites.reduce((sum, s) => sum + s.gpus, 0) || 1;
  const usable = width - gap * (sites.length + 1);
  const blocks = new Map();
  let x = gap;
  const shapes = [];
  for (const site of sites) {
    const w = Math.max(60, usable * site.gpus / gpus);
    const stats = bySite.get(site.name);
    // A share of the nodes at the last step's barrier (a down node is not at it): 16 of 159, not of the site's 160.
    const share = stats && stats.nodes ? stats.stragglers / stats.nodes : 0;
    const counts = siteCounts(site);
    blocks.set(site.name, { cx: x + w / 2, y: top });
    const g = el('svg:g', { 'data-site': site.name });
    g.append(el('svg:rect', { x, y: top, width: w, height, rx: 6, fill: shareColour(share) }));
    g.append(el('svg:text', { x: x + 8, y: top + 20 }, site.name));
    g.append(el('svg:text', { x: x + 8, y: top + 40 }, `${site.gpus.toLocaleString('en')} GPUs, ${site.nodes.toLocaleString('en')} nodes`));
    g.append(el('svg:text', { x: x + 8, y: top + 60 },
      `${counts.healthy.toLocaleString('en')} healthy, ${counts.degraded.toLocaleString('en')} degraded, ${counts.down.toLocaleString('en')} down`));
    g.append(el('svg:text', { x: x + 8, y: top + 80 }, stats
      ? `stragglers ${stats.stragglers.toLocaleString('en')} of ${stats.nodes.toLocaleString('en')} at the barrier (${percent(share)})`
      : 'stragglers: no report yet'));
    if (stats) g.append(el('svg:text', { x: x + 8, y: top + 100 }, `max slowdown ${fmt(stats.maxSlowdown)}`));
    shapes.push(g);
    x += w + gap;
  }
  const labels = []; // drawn over every link's line, so that no line crosses another link's label
  const lines = links.map((link, i) => {
    const a = blocks.get(link.from), b = blocks.get(link.to);
    if (!a || !b) return null;
    const midX = (a.cx + b.cx) / 2, midY = top - lift(i);
    const s = stretch.get(link.id);
    const g = el('svg:g', { 'data-link': link.id });
    g.append(el('svg:path', {
      d: `M ${a.cx} ${top} Q ${midX} ${top - 2 * lift(i)} ${b.cx} ${top}`, fill: 'none',
      stroke: !link.up ? '#f85149' : s && s.straggler ? '#f0883e' : '#8a96a3', 'stroke-width': 3,
      'stroke-dasharray': link.up ? '' : '6 4',
    }));
    labels.push(el('svg:text', { x: midX, y: midY - 4, 'text-anchor': 'middle', class: 'label', 'data-link': link.id },
      `${link.id}: ${seconds(link.latencySeconds)}, ${fmt((s ? s.bandwidthBytesPerSecond : link.bandwidthBytesPerSecond) * 8)}b/s, stretch ${stretchText(s)}`));
    return g;
  }).filter(Boolean);
  svg.replaceChildren(...lines, ...labels, ...shapes);
  rows($('links'), links, l => {
    const s = stretch.get(l.id);
    return [l.id, el('td', { class: l.up ? '' : 'down' }, l.up ? 'up' : 'down'), seconds(l.latencySeconds),
      fmt(l.bandwidthBytesPerSecond * 8) + 'b/s', s ? fmt(s.bandwidthBytesPerSecond * 8) + 'b/s' : '–', percent(l.packetLossRatio), stretchText(s)];
  });
}

// Each site's nodes by state, and by generation where it has more than one; drawn again only when a count changes.
function drawNodes(sites) {
  const table = $('nodes');
  const drawn = JSON.stringify(sites.map(s => [s.name, s.nodes, s.generations]));
  if (table.dataset.drawn === drawn) return;
  table.dataset.drawn = drawn;
  const count = n => el('td', n > 0 ? { class: 'down' } : {}, n.toLocaleString('en'));
  const row = (site, generation, nodes, c, attrs) => {
    const tr = el('tr', { 'data-site': site, ...attrs });
    tr.append(el('td', {}, site), el('td', {}, generation), el('td', {}, nodes.toLocaleString('en')),
      el('td', {}, c.healthy.toLocaleString('en')), el('td', {}, c.degraded.toLocaleString('en')), count(c.down));
    return tr;
  };
  table.tBodies[0].replaceChildren(...sites.flatMap(site => {
    const generations = site.generations || [];
    const rows = generations.map(g => row(site.name, g.generation, g.healthy + g.degraded + g.down, g, { 'data-generation': g.generation }));
    return generations.length > 1 ? [row(site.name, 'all', site.nodes, siteCounts(site), { class: 'site-total' }), ...rows] : rows;
  }));
}

function drawSteps(steps, cluster) {
  const last = cluster.lastStep;
  const run = JSON.stringify([cluster.scenario, cluster.job && cluster.job.epoch]);
  if (run !== breakdowns.run) {
    breakdowns.run = run;
    breakdowns.steps.clear();
  }
  if (last && last.breakdown) breakdowns.steps.set(last.number, { durationSeconds: last.durationSeconds, breakdown: last.breakdown });
  const shown = new Set(steps.map(s => s.number));
  for (const n of breakdowns.steps.keys()) if (!shown.has(n) && !(last && n === last.number)) breakdowns.steps.delete(n);
  const kept = step => {
    const k = breakdowns.steps.get(step.number);
    return k && k.durationSeconds === step.durationSeconds ? k.breakdown : undefined;
  };
  reveal('steps');
  const svg = $('steps');
  const width = 900, height = 220, left = 50, bottom = 20, top = 10;
  const max = Math.max(1e-9, ...steps.map(s => s.durationSeconds));
  const bar = (width - left) / stepCount; // a fixed slot per step, so that a young job's bars stay narrow
  const y = v => height - bottom - (height - bottom - top) * v / max;
  const shapes = [
    el('svg:text', { x: 0, y: top + 10, class: 'dim' }, seconds(max)),
    el('svg:text', { x: 0, y: height - bottom, class: 'dim' }, '0'),
  ];
  let stacked = false;
  steps.forEach((step, i) => {
    const x = left + i * bar;
    const b = step.breakdown || kept(step);
    const title = el('svg:title', {}, `step ${step.number}: ${seconds(step.durationSeconds)}${step.ok ? '' : ' (failed: ' + (step.failureReason || '') + ')'}`);
    if (b && step.ok) {
      stacked = true;
      let base = 0;
      for (const [name, label, colour] of parts) {
        const v = b[name] || 0;
        const r = el('svg:rect', { x, y: y(base + v), width: Math.max(1, bar - 2), height: Math.max(0, y(base) - y(base + v)), fill: colour });
        r.append(el('svg:title', {}, `step ${step.number} ${label}: ${seconds(v)}`));
        shapes.push(r);
        base += v;
      }
    } else {
      const r = el('svg:rect', { x, y: y(step.durationSeconds), width: Math.max(1, bar - 2), height: y(0) - y(step.durationSeconds), fill: step.ok ? '#58a6ff' : '#f85149' });
      r.append(title);
      shapes.push(r);
    }
  });
  if (steps.length) {
    shapes.push(el('svg:text', { x: left, y: height - 4, class: 'dim' }, `step ${steps[0].number}`));
    shapes.push(el('svg:text', { x: left + steps.length * bar, y: height - 4, class: 'dim', 'text-anchor': 'end' }, `step ${steps[steps.length - 1].number}`));
  }
  svg.replaceChildren(...shapes);
  const legend = $('steps-legend');
  if (stacked) {
    const latest = last && last.breakdown;
    legend.replaceChildren('T_step of the last steps, broken down (last step): ', ...parts.flatMap(([name, label, colour]) => {
      const swatch = el('span', {}, '■ '); swatch.style.color = colour;
      return [swatch, `${label}${latest ? ' ' + seconds(latest[name]) : ''}   `];
    }));
  } else {
    legend.textContent = 'T_step of the last steps (failed steps in red); this silo reports no breakdown of the step.';
  }
}

function targetText(t) {
  if (t.node) return t.node;
  if (t.link) return t.link;
  const bits = [t.site, t.generation].filter(Boolean).join('/');
  return bits + (t.count ? ` ×${t.count}` : '') + (t.fraction ? ` ${percent(t.fraction)}` : '');
}

// The fault rows are kept by fault id from one draw to the next: a row is built once, and only its "ends" cell changes
// as the countdown moves on. Found by a newcomer's run: the table was built anew every second, so a click whose press
// and release straddled a redraw pressed one Clear button and released on another, and about 1 in 6 did nothing.
function drawFaults(faults, total) {
  $('faults-count').textContent = `${faults.length.toLocaleString('en')} of ${total.toLocaleString('en')} shown`
    + (total > faults.length ? ` (GET /api/faults?page=2&pageSize=${faultsPageSize} for the next)` : '');
  const body = $('faults').tBodies[0];
  const shown = faults.map(f => {
    const params = Object.entries(f.params || {}).map(([k, v]) => `${k}=${v}`).join(' ');
    // A background failure has no end time: the simulation repairs it after its simulated repair time (found by a
    // newcomer's run: it read "cleared by hand", and nothing told it from an injected fault).
    const background = f.source === 'background';
    const ends = f.state === 'pending' ? 'pending'
      : f.endsAt ? Math.max(0, Math.round((Date.parse(f.endsAt) - Date.now()) / 1000)) + ' s'
      : background ? 'repaired by the simulation' : 'cleared by hand';
    const kind = background ? `${f.kind} (background${f.cause ? ': ' + f.cause : ''})` : f.kind;
    return { f, cells: [f.id, kind, targetText(f.target || {}), params], ends };
  });
  const wanted = new Map(shown.map(s => [s.f.id, JSON.stringify(s.cells)]));
  // Rows gone, or whose fault now reads otherwise, first: those kept stay where they are, none moved without need.
  for (const tr of [...body.rows]) if (wanted.get(tr.dataset.id) !== tr.dataset.cells) tr.remove();
  const kept = new Map([...body.rows].map(tr => [tr.dataset.id, tr]));
  shown.forEach(({ f, cells, ends }, i) => {
    let tr = kept.get(f.id);
    if (!tr) {
      tr = el('tr', { 'data-id': f.id, 'data-cells': JSON.stringify(cells) });
      for (const cell of cells) tr.append(el('td', {}, String(cell)));
      tr.append(el('td'));
      const clear = el('button', { type: 'button', class: 'clear', 'data-id': f.id }, 'Clear');
      clear.addEventListener('click', () => clearFault(f.id));
      const td = el('td'); td.append(clear);
      tr.append(td);
      kept.set(f.id, tr);
    }
    if (tr.cells[4].textContent !== ends) tr.cells[4].textContent = ends;
    if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] || null);
  });
  while (body.rows.length > shown.length) body.lastElementChild.remove();
}

function drawFigures(cluster) {
  const last = cluster.lastStep || {};
  const job = cluster.job || {};
  $('scenario').textContent = cluster.scenario || '–';
  $('step').textContent = job.step ?? '–';
  $('job-state').textContent = `${job.state || '–'}${job.pace ? ` (${job.pace.mode} ×${job.pace.speed})` : ''}`;
  $('t-step').textContent = seconds(last.durationSeconds);
  $('tax').textContent = percent(last.stragglerTax);
  $('mfu').textContent = percent(last.clusterMfu);
  $('tokens').textContent = fmt(cluster.tokensPerSecond ?? last.tokensPerSecond);
  $('useful').textContent = fmt(cluster.usefulFlopsPerSecond ?? last.usefulFlopsPerSecond);
  $('steps-ok').textContent = `${job.stepsOk ?? '–'} / ${job.stepsFailed ?? '–'}`;
  $('steps-lost').textContent = job.lostSteps?.toLocaleString('en') ?? '–';
  $('ettr').textContent = percent(job.reliability?.ettr);
  const down = (cluster.sites || []).reduce((n, site) => n + siteCounts(site).down, 0);
  $('nodes-down').textContent = `${down.toLocaleString('en')} / ${job.evictedNodes?.toLocaleString('en') ?? '–'}`;
}

async function pollHealth() {
  try {
    const health = await (await fetch('/healthz')).json();
    const job = health.checks && health.checks.job;
    $('health').textContent = health.status;
    // Without a key the health check's description is all there is: "small: Running, step 42". The state is shown in
    // /api/cluster's lower case ("running"), as it is once the key is in.
    const match = job && /^(.+): (\w+), step (\d+)/.exec(job.description || '');
    if (!key() && match) {
      $('scenario').textContent = match[1];
      $('job-state').textContent = match[2].toLowerCase();
      $('step').textContent = match[3];
    }
  } catch (e) {
    $('health').textContent = 'unreachable';
  }
}

// The first page of the fault list and the count of them all; every few seconds, or now when `now` is set.
async function pollFaults(now) {
  if (!now && Date.now() - faultList.fetchedAt < faultsPollMs) return;
  const asked = ++faultList.asked;
  const { json, headers } = await apiResponse('GET', `/api/faults?page=1&pageSize=${faultsPageSize}`);
  if (asked < faultList.answered) return; // a later read (after a clear) has answered already: this one is older
  faultList.answered = asked;
  const total = Number(headers.get('X-Total-Count'));
  faultList.faults = json || [];
  faultList.total = Number.isFinite(total) && total >= faultList.faults.length ? total : faultList.faults.length;
  faultList.fetchedAt = Date.now();
}

async function pollApi() {
  const [cluster, report, steps] = await Promise.all([
    // 503 while no step has been evaluated since the job's tree was laid out: no report to draw, not an error.
    api('GET', '/api/cluster'), api('GET', '/api/stragglers?top=10').catch(e => ({ nodes: [], unknown: e.message })), api('GET', `/api/job/steps?count=${stepCount}`), pollFaults(false),
  ]);
  drawFigures(cluster);
  drawSites(cluster, report);
  drawNodes(cluster.sites || []);
  drawSteps(steps, cluster);
  examples.node = (report.nodes || [])[0]?.node || examples.node;
  examples.link = (cluster.links || [])[0]?.id || '';
  examples.site = (cluster.sites || [])[0]?.name || '';
  $('fault-target').placeholder = examples[$('fault-target-type').value] || '';
  rows($('stragglers'), report.unknown ? [report.unknown] : report.nodes || [],
    n => report.unknown ? [n, '', '', '', ''] : [n.node, n.site, n.generation, seconds(n.computeSeconds), '×' + n.slowdown.toFixed(2)]);
  drawFaults(faultList.faults, faultList.total); // drawn each second from the last page read: the "ends" countdown moves on
}

async function tick() {
  await pollHealth();
  document.querySelector('main').classList.toggle('locked', !key());
  if (!key()) {
    if (Date.now() > Number($('message').dataset.until || 0)) {
      $('message').textContent = 'Enter the admin key (Admin:ApiKey; without one set, the silo logs the key it generated) to see the cluster and inject faults.';
    }
  } else {
    try {
      await pollApi();
      // How many times the page has drawn what the API answered: a test waits on it, not on the clock.
      $('figures').dataset.polls = String(Number($('figures').dataset.polls || 0) + 1);
      if (Date.now() > Number($('message').dataset.until || 0)) $('message').textContent = '';
    } catch (e) {
      say(e.message);
    }
  }
  setTimeout(tick, pollMs);
}

// After this page changes the faults: the list as it is now, not as it was up to five seconds ago.
async function refreshFaults() {
  try {
    await pollFaults(true);
    drawFaults(faultList.faults, faultList.total);
  } catch (e) {
    say(e.message);
  }
}

async function clearFault(id) {
  try {
    await api('DELETE', `/api/faults/${encodeURIComponent(id)}`);
    say(`cleared ${id}`);
    await refreshFaults();
  } catch (e) {
    say(e.message);
  }
}

function onKind() {
  const k = kinds[$('fault-kind').value];
  $('fault-target-type').value = k.target;
  $('fault-param-name').textContent = k.param || '(no parameter)';
  $('fault-param').disabled = !k.param;
  $('fault-param').value = k.param ? k.value : '';
}

async function inject(event) {
  event.preventDefault();
  const kind = $('fault-kind').value;
  const k = kinds[kind];
  const body = { kind, target: { [$('fault-target-type').value]: $('fault-target').value.trim() } };
  if (k.param) body.params = { [k.param]: Number($('fault-param').value) };
  const duration = $('fault-duration').value;
  if (duration) body.durationSeconds = Number(duration);
  try {
    const fault = await api('POST', '/api/faults', body);
    say(`injected ${fault.id}: ${fault.kind} on ${targetText(fault.target)}`);
    await refreshFaults();
  } catch (e) {
    say(e.message);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('fault-kind').replaceChildren(...Object.keys(kinds).map(k => el('option', { value: k }, k)));
  $('fault-kind').addEventListener('change', onKind);
  onKind();
  $('inject').addEventListener('submit', inject);
  $('key-form').addEventListener('submit', event => {
    event.preventDefault();
    const value = $('key').value.trim();
    if (value) sessionStorage.setItem(keyName, value);
    faultList.fetchedAt = 0; // the list at once with the new key
    $('key').value = '';
    say(value ? 'key kept for this tab' : '');
  });
  $('key-forget').addEventListener('click', () => { sessionStorage.removeItem(keyName); say('key forgotten'); });
  // The Orleans dashboard is there only when the silo runs with Orleans:Dashboard=true: the silo says so in /page.json
  // (a probe of /orleans/ failed both ways: HEAD answered 405 with the dashboard on, and 404 without it).
  fetch('/page.json').then(r => r.ok ? r.json() : {}).then(page => { $('orleans-link').hidden = !(page && page.orleansDashboard === true); }, () => {});
  tick();
});
