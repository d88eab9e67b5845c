// The fleet dashboard: reads /api/fleet (roll-ups per site and hour) and draws it with Chart.js.
// No inline script or style anywhere, so it runs under the strict CSP the server sends.
/* global Chart */
const $ = (id) => document.getElementById(id);
const COLORS = ['#2f6fdf', '#e0752d', '#2a9d5b', '#c23b6b', '#7b52c7', '#8a6d1f', '#1f8a8a', '#6b7685'];
const DWELL_BUCKETS = ['< 1 s', '1–3 s', '3–10 s', '10–30 s', '30–60 s', '≥ 60 s'];
const charts = {};

const hourLabel = (ms) => `${new Date(ms).toISOString().slice(11, 13)}:00`;
const percent = (part, whole) => (whole ? `${((100 * part) / whole).toFixed(0)} %` : '—');

function draw(id, config) {
  if (charts[id]) {
    charts[id].data = config.data;
    charts[id].update('none');
    return;
  }
  charts[id] = new Chart($(id), {
    ...config,
    options: { animation: false, maintainAspectRatio: false, ...config.options },
  });
}

function render(fleet) {
  const t = fleet.totals;
  $('updated').textContent = `last ${fleet.hours.length} h (UTC), read ${new Date(fleet.now).toLocaleTimeString()}`;
  $('visitors').textContent = t.visitors.toLocaleString();
  $('dwell').textContent = t.visitors ? `${(t.dwellMs / t.visitors / 1000).toFixed(1)} s` : '—';
  $('attention').textContent = percent(t.attentionMs, t.attentionObservedMs);
  $('kiosks').textContent = String(fleet.kiosks.length);
  const silent = fleet.kiosks.filter((k) => k.silent);
  $('silent-count').textContent = String(silent.length);

  draw('series', {
    type: 'line',
    data: {
      labels: fleet.hours.map(hourLabel),
      datasets: fleet.sites.map((s, i) => ({
        label: s.site,
        data: s.series.map((h) => h.visitors),
        borderColor: COLORS[i % COLORS.length],
        backgroundColor: COLORS[i % COLORS.length],
        tension: 0.2,
      })),
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'visitors' } } } },
  });

  const labels = Object.keys(t.expressions).sort((a, b) => t.expressions[b] - t.expressions[a]);
  draw('expressions', {
    type: 'doughnut',
    data: {
      labels: labels.map((l) => `${l} ${percent(t.expressions[l], t.visitors)}`),
      datasets: [{ data: labels.map((l) => t.expressions[l]), backgroundColor: COLORS }],
    },
    options: { plugins: { legend: { position: 'right' } } },
  });

  draw('dwell-histogram', {
    type: 'bar',
    data: {
      labels: DWELL_BUCKETS,
      datasets: [{ label: 'visits', data: t.dwellHistogram, backgroundColor: COLORS[0] }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  });

  $('silent').replaceChildren(
    ...silent.map((k) => {
      const row = document.createElement('tr');
      for (const text of [k.site, k.kiosk, new Date(k.lastWindowEnd).toISOString().replace('T', ' ').slice(0, 16)])
        row.append(Object.assign(document.createElement('td'), { textContent: text }));
      return row;
    }),
  );
  $('none-silent').hidden = silent.length > 0;
  document.body.dataset.ready = 'true';
}

async function refresh() {
  try {
    const response = await fetch('/api/fleet');
    if (!response.ok) throw new Error(await response.text());
    render(await response.json());
  } catch (error) {
    $('updated').textContent = `cannot read the fleet data: ${error.message}`;
  }
}

refresh();
setInterval(refresh, 30_000);
